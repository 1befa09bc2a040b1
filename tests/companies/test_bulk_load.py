"""Bulk loads: a large import sets the search index and the list's indexes aside and builds
them afterwards; a load left half done is finished by the next import or by the CLI."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from lotsen.companies import bulk_load, importer
from lotsen.companies.importer import import_companies
from lotsen.companies.models import Company
from lotsen.companies.queries import CompanyFilters, company_page
from lotsen.extensions import db
from tests.companies.helpers import make_company

# On PostgreSQL an import ends with VACUUM (ANALYZE) on a connection of its own, which must
# see the imported rows and not wait for the test's locks: these tests commit for real.
pytestmark = pytest.mark.commits

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


def index_names(table: str) -> set[str]:
    return {index["name"] for index in inspect(db.session.connection()).get_indexes(table)}


def test_a_large_import_sets_the_indexes_aside_and_builds_them(app, sample, monkeypatch):
    monkeypatch.setattr(importer, "BULK_LOAD_ROWS", 1)
    before = index_names("companies") | index_names("company_sni_codes")
    seen_during_load = []
    original = importer.BatchWriter.write

    def write(self, records):
        seen_during_load.append(index_names("companies") | index_names("company_sni_codes"))
        original(self, records)

    monkeypatch.setattr(importer.BatchWriter, "write", write)
    summary = import_companies(sample, "bolagsverket")
    assert summary.inserted > 0
    list_indexes = {index.name for index in bulk_load.LIST_INDEXES}
    assert "ix_companies_sort_name" in list_indexes and list_indexes <= before
    assert seen_during_load and not seen_during_load[0] & list_indexes
    assert index_names("companies") | index_names("company_sni_codes") == before
    assert not bulk_load.is_suspended(db.session.connection())
    every_company_is_found_by_its_first_word()
    # Kept up to date again: a company added afterwards is found at once.
    make_company(name="Efteråt Konditori AB")
    assert [c.name for c in company_page(CompanyFilters(q="efteråt"), None, None, 5).items] == [
        "Efteråt Konditori AB"
    ]


def test_a_small_import_keeps_the_index_up_to_date_row_by_row(app, sample, monkeypatch):
    make_company(name="Redan Här AB")
    monkeypatch.setattr(bulk_load, "suspend", lambda c: pytest.fail("suspended"))
    import_companies(sample, "bolagsverket")
    every_company_is_found_by_its_first_word()


def test_a_load_left_half_done_is_finished_by_the_next_import(app, sample):
    make_company(name="Gamla Bageriet AB")
    bulk_load.suspend(db.session.connection())
    db.session.commit()
    make_company(name="Avbrottets Glass AB")  # written while nothing kept the index up to date
    assert company_page(CompanyFilters(q="avbrottets"), None, None, 5).items == []
    import_companies(sample, "bolagsverket")
    assert not bulk_load.is_suspended(db.session.connection())
    assert "ix_companies_sort_name" in index_names("companies")
    every_company_is_found_by_its_first_word()


def test_the_rebuild_command(app, runner):
    make_company(name="Kommandots Kafé AB")
    bulk_load.suspend(db.session.connection())
    db.session.commit()
    assert bulk_load.is_suspended(db.session.connection())
    result = runner.invoke(args=["lotsen", "rebuild-search-index"])
    assert result.exit_code == 0 and "Search index rebuilt" in result.output
    assert not bulk_load.is_suspended(db.session.connection())
    assert {index.name for index in bulk_load.LIST_INDEXES} <= (
        index_names("companies") | index_names("company_sni_codes")
    )
    found = company_page(CompanyFilters(q="kommandots"), None, None, 5).items
    assert [c.name for c in found] == ["Kommandots Kafé AB"]
    assert db.session.scalar(select(func.count()).select_from(Company)) == 1
