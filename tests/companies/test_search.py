"""The company list query: one search box, filters, sorting and keyset pages, on both databases."""

from datetime import date

import pytest

from lotsen.accounts.models import Role
from lotsen.companies import services
from lotsen.companies.queries import CompanyFilters, company_page
from lotsen.extensions import db
from tests.companies.helpers import PERSONAL_DIGITS, PERSONAL_NUMBER, make_company
from tests.factories import UserFactory

SECTIONS = {"F", "I", "J", "S", "H"}


@pytest.fixture
def registry(app):
    companies = {
        "bygg": make_company(
            org_number="556012-5790",
            name="Lerums Bygg & Montage AB",
            town="Lerum",
            municipality_code="1441",
            sni_codes=["41200"],
            size_class="5-9",
            tags=["bygg"],
            registered_on=date(2001, 5, 1),
        ),
        "kafe": make_company(
            name="Café Ängen",
            town="Alingsås",
            municipality_code="1489",
            sni_codes=["56100"],
            size_class="1-4",
            tags=["besöksnäring"],
            registered_on=date(2019, 3, 1),
        ),
        "akeri": make_company(
            name="Åkeri i Floda AB",
            town="Floda",
            municipality_code="1441",
            sni_codes=["49410"],
            size_class="10-19",
            registered_on=date(1999, 1, 1),
        ),
        "it": make_company(
            name="Sävedalens IT-konsult AB",
            town="Lerum",
            municipality_code="1441",
            sni_codes=["62020"],
            status="liquidation",
        ),
        "frisor": make_company(
            org_number=PERSONAL_NUMBER,
            name="Salong Hårfint",
            town="Alingsås",
            municipality_code="1489",
            sni_codes=["96021"],
            size_class="0",
        ),
    }
    db.session.commit()
    return companies


def names(filters: CompanyFilters, viewer=None, per_page=50) -> list[str]:
    page = company_page(filters, viewer, None, per_page)
    return [company.name for company in page.items]


def search(q: str, viewer=None) -> list[str]:
    return names(CompanyFilters(q=q), viewer)


def test_org_number_with_or_without_dash_or_century(registry):
    for q in ("556012-5790", "5560125790", "16556012-5790", " 556012 5790 "):
        assert search(q.strip()) == ["Lerums Bygg & Montage AB"], q


def test_personnummer_finds_the_sole_trader_in_every_form(registry):
    for q in (PERSONAL_NUMBER, PERSONAL_DIGITS, "810101-1230", "8101011230"):
        assert search(q) == ["Salong Hårfint"], q


def test_part_of_an_org_number_finds_legal_persons_only_unless_admin(registry):
    assert search("556012") == ["Lerums Bygg & Montage AB"]
    assert search("19810101") == []  # the hidden digits of a personnummer cannot be guessed
    admin = UserFactory(roles=[Role.ADMIN])
    assert search("19810101", admin) == ["Salong Hårfint"]


def test_name_prefix(registry):
    assert search("Lerums By") == ["Lerums Bygg & Montage AB"]
    assert search("åker") == ["Åkeri i Floda AB"]
    assert search("sälong") == []


def test_words_of_a_name_in_any_order(registry):
    assert search("montage lerums") == ["Lerums Bygg & Montage AB"]
    assert search("konsult sävedalens") == ["Sävedalens IT-konsult AB"]
    assert search("café ängen") == ["Café Ängen"]


def test_town_and_words_together(registry):
    assert search("lerum") == ["Lerums Bygg & Montage AB", "Sävedalens IT-konsult AB"]
    assert search("alingsås") == ["Café Ängen", "Salong Hårfint"]
    assert search("bygg lerum") == ["Lerums Bygg & Montage AB"]
    assert search("floda") == ["Åkeri i Floda AB"]


def test_search_ignores_punctuation_and_query_syntax(registry):
    assert search('"bygg" OR *') == []
    assert search("bygg & montage") == ["Lerums Bygg & Montage AB"]
    assert search("%") == names(CompanyFilters())  # nothing to search: the whole list
    assert search("100% bygg") == []


def test_filters(registry):
    assert names(CompanyFilters(section="I")) == ["Café Ängen"]
    assert names(CompanyFilters(size_class="10-19")) == ["Åkeri i Floda AB"]
    assert names(CompanyFilters(municipality="1489")) == ["Café Ängen", "Salong Hårfint"]
    assert names(CompanyFilters(tag="besöksnäring")) == ["Café Ängen"]
    assert names(CompanyFilters(status="liquidation")) == ["Sävedalens IT-konsult AB"]
    assert names(CompanyFilters(q="lerum", municipality="1441", section="F")) == [
        "Lerums Bygg & Montage AB"
    ]


def test_filters_from_untrusted_arguments_are_checked():
    filters = CompanyFilters.from_args(
        {"section": "Z", "size_class": "1-2", "municipality": "14", "status": "x", "sort": "id"},
        SECTIONS,
    )
    assert filters == CompanyFilters()


def test_swedish_sort_order_by_name(registry):
    assert names(CompanyFilters()) == [
        "Café Ängen",
        "Lerums Bygg & Montage AB",
        "Salong Hårfint",
        "Sävedalens IT-konsult AB",
        "Åkeri i Floda AB",
    ]


def test_sort_by_town_then_name(registry):
    make_company(name="Utan ort AB")
    assert names(CompanyFilters(sort="town")) == [
        "Café Ängen",
        "Salong Hårfint",
        "Åkeri i Floda AB",
        "Lerums Bygg & Montage AB",
        "Sävedalens IT-konsult AB",
        "Utan ort AB",  # unknown town last
    ]


def test_sort_by_registration_date_newest_first_unknown_last(registry):
    assert names(CompanyFilters(sort="registered"))[:3] == [
        "Café Ängen",
        "Lerums Bygg & Montage AB",
        "Åkeri i Floda AB",
    ]


@pytest.mark.parametrize("sort", ["name", "town", "registered"])
def test_keyset_pages_cover_every_company_once(app, sort):
    for number in range(23):
        make_company(
            name=f"Företag {number % 7}",
            town=None if number % 5 == 0 else f"Ort {number % 3}",
            registered_on=None if number % 4 == 0 else date(2000 + number % 6, 1, 1),
            commit=False,
        )
    db.session.commit()
    seen, cursor, pages = [], None, 0
    while True:
        page = company_page(CompanyFilters(sort=sort), None, cursor, 5)
        seen.extend(company.id for company in page.items)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    everything = [c.id for c in company_page(CompanyFilters(sort=sort), None, None, 100).items]
    assert seen == everything


def test_tampered_cursor_starts_from_the_top(registry):
    first = company_page(CompanyFilters(), None, None, 2)
    for cursor in ("not-a-cursor", "W1siMSJdXQ", "WyJ4Iiwic3RyaW5nIl0", "W251bGwsMV0"):
        page = company_page(CompanyFilters(), None, cursor, 2)
        assert [c.id for c in page.items] == [c.id for c in first.items]
    for cursor in ("WyJ4Iiwic3RyaW5nIl0", "WzEsMl0"):
        page = company_page(CompanyFilters(sort="registered"), None, cursor, 2)
        assert page.is_first


def test_merged_duplicates_are_not_listed(registry):
    services.merge_companies(None, registry["bygg"], registry["akeri"])
    db.session.commit()
    assert "Åkeri i Floda AB" not in names(CompanyFilters())
    assert search("floda") == []
