"""The search index's upkeep: large imports suspend it and rebuild it; a suspended index is
repaired by the next import or by the CLI."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lotsen.companies import importer, search_index
from lotsen.companies.importer import import_companies
from lotsen.companies.models import Company
from lotsen.companies.queries import CompanyFilters, company_page
from lotsen.extensions import db
from tests.companies.helpers import make_company

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def sample(tmp_path) -> Path:
    path = tmp_path / "bolagsverket_sample.txt"
    shutil.copy(SAMPLES / "bolagsverket_sample.txt", path)
    return path


def every_company_is_found_by_its_first_word() -> None:
    for company in db.session.scalars(select(Company)):
        word = company.name.split()[0].strip("(),.&")
        if not word:
            continue
        found = company_page(CompanyFilters(q=word), None, None, 500).items
        assert company.id in {c.id for c in found}, company.name


def test_a_large_import_suspends_the_index_and_rebuilds_it(app, sample, monkeypatch):
    monkeypatch.setattr(importer, "BULK_LOAD_ROWS", 1)
    suspended = []
    original = search_index.suspend
    monkeypatch.setattr(search_index, "suspend", lambda c: (suspended.append(True), original(c))[1])
    summary = import_companies(sample, "bolagsverket")
    assert summary.inserted > 0 and suspended
    assert not search_index.is_suspended(db.session.connection())
    every_company_is_found_by_its_first_word()
    # Kept up to date again: a company added afterwards is found at once.
    make_company(name="Efteråt Konditori AB")
    assert [c.name for c in company_page(CompanyFilters(q="efteråt"), None, None, 5).items] == [
        "Efteråt Konditori AB"
    ]


def test_a_small_import_keeps_the_index_up_to_date_row_by_row(app, sample, monkeypatch):
    make_company(name="Redan Här AB")
    monkeypatch.setattr(search_index, "suspend", lambda c: pytest.fail("suspended"))
    import_companies(sample, "bolagsverket")
    every_company_is_found_by_its_first_word()


def test_a_suspended_index_is_rebuilt_by_the_next_import(app, sample):
    make_company(name="Gamla Bageriet AB")
    search_index.suspend(db.session.connection())
    db.session.commit()
    make_company(name="Avbrottets Glass AB")  # written while nothing kept the index up to date
    assert company_page(CompanyFilters(q="avbrottets"), None, None, 5).items == []
    import_companies(sample, "bolagsverket")
    assert not search_index.is_suspended(db.session.connection())
    every_company_is_found_by_its_first_word()


def test_the_rebuild_command(app, runner):
    make_company(name="Kommandots Kafé AB")
    search_index.suspend(db.session.connection())
    db.session.commit()
    result = runner.invoke(args=["lotsen", "rebuild-search-index"])
    assert result.exit_code == 0 and "Search index rebuilt" in result.output
    assert not search_index.is_suspended(db.session.connection())
    found = company_page(CompanyFilters(q="kommandots"), None, None, 5).items
    assert [c.name for c in found] == ["Kommandots Kafé AB"]
    assert db.session.scalar(select(func.count()).select_from(Company)) == 1
