"""Word search read from the search index in list order: name keys, buckets, pages, sync."""

import random

import pytest
from sqlalchemy import select, text

from lotsen.companies import search
from lotsen.companies.models import (
    NAME_KEY_CHARACTERS,
    SORT_ALPHABET,
    Company,
    bucket_prefix,
    name_bucket,
    name_key,
    name_sort_key,
)
from lotsen.companies.queries import CompanyFilters, company_page
from lotsen.extensions import db
from tests.companies.helpers import make_company

ODD_NAMES = [
    "Åkeri i Floda AB",
    "Akeri i Floda AB",
    "Ängens Café",
    "Öst & Väst HB",
    "Café Émile",
    "Ça Va Bistro",
    "Łódź Import",
    "Σ Konsult",
    "H&M",
    "3D-Print Lerum",
    "  Mellan   rum  ",
    "Müller Bygg",
    "Ab",
    "A",
    "",
    "Straße Ost",
]


def test_sort_key_uses_one_alphabet_in_swedish_order():
    assert name_sort_key("Öst & Väst HB") == "}st v|st hb"
    assert name_sort_key("Café Émile") == "cafe emile"
    assert name_sort_key("Ça Va Bistro") == "ca va bistro"
    assert name_sort_key("Müller") == "myller"  # ü sorts as y
    assert name_sort_key("Łódź Import") == "~odz import"
    assert name_sort_key("3D-Print  Lerum") == "3d print lerum"
    assert name_sort_key("Straße") == "strasse"
    for name in ODD_NAMES:
        assert set(name_sort_key(name)) <= set(SORT_ALPHABET)
    ordered = sorted(["Öberg", "Zenit", "Åkeri", "Ängen", "Alfa"], key=name_sort_key)
    assert ordered == ["Alfa", "Zenit", "Åkeri", "Ängen", "Öberg"]


def random_names(count: int) -> list[str]:
    rng = random.Random(7)
    letters = "abcåäöéü -&.0123456789ŁΣ"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(0, 9))) for _ in range(count)]


def test_name_key_never_contradicts_the_list_order():
    rows = sorted(
        ((name_sort_key(name), number) for number, name in enumerate(random_names(3000), 1)),
    )
    keys = [name_key(sort_name, number) for sort_name, number in rows]
    buckets = [key >> 32 for key in keys]
    assert buckets == sorted(buckets)
    for sort_name, _ in rows:
        prefix = bucket_prefix(name_bucket(sort_name))
        assert prefix == sort_name[:NAME_KEY_CHARACTERS]
    assert len(set(keys)) == len(keys)


def stored_keys() -> dict[int, int]:
    """Company id -> the name key of the place the database's search index holds it at."""
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(
            text("SELECT DISTINCT sort_name, company_id FROM company_search_terms")
        )
        return {company_id: name_key(sort_name, company_id) for sort_name, company_id in rows}
    keys = db.session.scalars(text("SELECT rowid FROM company_search"))
    return {key & 0xFFFFFFFF: key for key in keys}


def test_database_computes_the_same_name_keys_as_python(app):
    # (A name without a word, such as "", has nothing to be found by on PostgreSQL.)
    companies = [make_company(name=name, commit=False) for name in ODD_NAMES if name.strip()]
    db.session.commit()
    expected = {c.id: name_key(c.sort_name, c.id) for c in companies}
    assert stored_keys() == expected


def test_search_index_follows_renames_and_deletes(app):
    kept = make_company(name="Floda Bageri AB", town="Floda")
    gone = make_company(name="Floda Fisk AB", town="Floda")
    kept.name = "Grååbo Konditori AB"
    kept.sort_name = name_sort_key(kept.name)
    db.session.delete(gone)
    db.session.commit()

    def found(q):
        return [c.name for c in company_page(CompanyFilters(q=q), None, None, 10).items]

    assert found("floda") == ["Grååbo Konditori AB"]  # by its town
    assert found("bageri") == []
    assert found("konditori") == ["Grååbo Konditori AB"]
    assert found("fisk") == []
    assert set(stored_keys()) == {kept.id}


WORDS = ["bygg", "byggnads", "café", "lerum", "floda", "konsult", "åkeri", "el"]


@pytest.fixture
def crowded_registry(app):
    """Many companies whose names share their first five characters (one bucket), and others."""
    rng = random.Random(2026)
    for number in range(90):
        first = rng.choice(["Bostadsrättsföreningen", "Bostadsbolaget", "Bosta", "Byggare"])
        words = " ".join(rng.sample(WORDS, 2))
        make_company(
            name=f"{first} {words} {number}",
            town=rng.choice(["Lerum", "Floda", None]),
            size_class=rng.choice(["0", "1-4", "5-9"]),
            commit=False,
        )
    db.session.commit()


def expected_names(words: list[str], size_class: str = "") -> list[str]:
    companies = db.session.scalars(select(Company)).all()

    def matches(company):
        tokens = f"{company.name} {company.town or ''}".lower().replace("-", " ").split()
        return all(any(token.startswith(word) for token in tokens) for word in words)

    chosen = [c for c in companies if matches(c) and (not size_class or c.size_class == size_class)]
    return [c.name for c in sorted(chosen, key=lambda c: (c.sort_name, c.id))]


def all_pages(filters: CompanyFilters, per_page: int) -> list[str]:
    seen, cursor = [], None
    while True:
        page = company_page(filters, None, cursor, per_page)
        seen.extend(company.name for company in page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("per_page", [4, 50])
@pytest.mark.parametrize("query", ["bygg", "byggn", "lerum", "café floda", "åkeri el", "bo"])
def test_pages_of_a_search_are_the_matches_in_list_order(crowded_registry, query, per_page):
    expected = expected_names(query.split())
    assert expected  # the query matches something
    assert all_pages(CompanyFilters(q=query), per_page) == expected


def test_a_bucket_with_many_matches_is_walked_with_the_same_result(crowded_registry, monkeypatch):
    expected = expected_names(["bygg"])
    monkeypatch.setattr(search, "SORTED_BUCKET", 2)
    assert all_pages(CompanyFilters(q="bygg"), 6) == expected


def test_words_that_seldom_meet_are_intersected_with_the_same_result(crowded_registry, monkeypatch):
    expected = expected_names(["bygg", "lerum"])
    monkeypatch.setattr(search, "SCAN_BEFORE_INTERSECTING", 1)
    assert all_pages(CompanyFilters(q="bygg lerum"), 4) == expected


def test_filters_with_a_search_and_the_fallback_for_selective_ones(crowded_registry, monkeypatch):
    expected = expected_names(["bygg"], size_class="1-4")
    assert all_pages(CompanyFilters(q="bygg", size_class="1-4"), 4) == expected
    monkeypatch.setattr(search, "MAX_ROUNDS", 1)  # every filtered page falls back to the join
    assert all_pages(CompanyFilters(q="bygg", size_class="1-4"), 4) == expected


def test_other_sorts_join_the_matches(crowded_registry):
    expected = set(expected_names(["konsult"]))
    for sort in ("town", "registered"):
        assert set(all_pages(CompanyFilters(q="konsult", sort=sort), 9)) == expected


def test_general_words_are_answered_without_the_ordered_merge(crowded_registry, monkeypatch):
    monkeypatch.setattr(search, "MAX_TERMS_PER_WORD", 1)
    # "by" begins both "bygg" and "byggnads" (and "byggare"): too general on PostgreSQL.
    assert all_pages(CompanyFilters(q="by lerum"), 5) == expected_names(["by", "lerum"])


def test_a_word_that_begins_nothing_finds_nothing(crowded_registry):
    assert all_pages(CompanyFilters(q="zyxel"), 5) == []
    assert all_pages(CompanyFilters(q="bygg zyxel"), 5) == []
