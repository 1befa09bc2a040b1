"""Importing register files: counts, idempotence, hand edits, rejects, broken files, CLI."""

import csv
import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lotsen.companies import services
from lotsen.companies.importer import import_companies
from lotsen.companies.models import Company, CompanySniCode, ImportRun
from lotsen.companies.parsers import RegisterFileError
from lotsen.extensions import db

# On PostgreSQL an import ends with VACUUM (ANALYZE) on a connection of its own, which must
# see the imported rows and not wait for the test's locks: these tests commit for real.
pytestmark = pytest.mark.commits

SAMPLES = Path(__file__).parent / "samples"
BOLAGSVERKET = SAMPLES / "bolagsverket_sample.txt"
SCB = SAMPLES / "scb_sample.txt"
CSV_LIST = SAMPLES / "municipality_list.csv"
KAFE = "5591234561"
AKERI = "5592048713"
SOLE_TRADER = "198503121231"


@pytest.fixture
def samples(tmp_path) -> Path:
    """A copy of the sample files, so reject files land in the test's own folder."""
    folder = tmp_path / "samples"
    shutil.copytree(SAMPLES, folder)
    return folder


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def company(org_number: str, suffix: int = 0) -> Company:
    db.session.expire_all()
    return db.session.scalar(
        select(Company).where(
            Company.org_number == org_number, Company.registration_suffix == suffix
        )
    )


def sni_of(org_number: str) -> list[str]:
    return [code.code for code in company(org_number).sni_codes]


def test_bolagsverket_import_counts_every_row(app, samples):
    summary = import_companies(samples / BOLAGSVERKET.name, "bolagsverket")
    assert (summary.read, summary.inserted, summary.updated, summary.unchanged) == (15, 9, 0, 0)
    assert summary.rejected == 6
    assert count(Company) == 9
    kafe = company(KAFE)
    assert kafe.name == "Kafé Ljuvligt i Lerum AB"
    assert kafe.former_names and kafe.legal_form == "AB"
    assert kafe.source == "bolagsverket" and kafe.sort_name == "kafe ljuvligt i lerum ab"
    assert company(SOLE_TRADER, 1).is_personal
    assert company(SOLE_TRADER, 2).name == "Öbergs Hundtrim"
    assert company("5568771207").status == "liquidation"


def test_importing_the_same_file_again_changes_nothing_and_says_so(app, samples):
    import_companies(samples / BOLAGSVERKET.name, "bolagsverket")
    before = db.session.execute(select(Company.id, Company.updated_at)).all()
    again = import_companies(samples / BOLAGSVERKET.name, "bolagsverket")
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 9, 6)
    assert again.changed_nothing
    assert "nothing changed" in again.line()
    assert db.session.execute(select(Company.id, Company.updated_at)).all() == before


def test_reimport_in_small_batches_is_idempotent_too(app, samples):
    first = import_companies(samples / SCB.name, "scb", batch_size=2)
    again = import_companies(samples / SCB.name, "scb", batch_size=2)
    assert first.inserted == 6 and again.unchanged == 6 and again.updated == 0


def test_scb_brings_sni_codes_and_advertising_block(app, samples):
    import_companies(samples / SCB.name, "scb")
    assert sni_of(KAFE) == ["56100", "47241", "56210"]
    kafe = company(KAFE)
    assert [(c.is_primary, c.section) for c in kafe.sni_codes][0] == (True, "I")
    assert company(AKERI).advertising_blocked


def test_a_source_lacking_a_fact_keeps_the_stored_one(app, samples):
    import_companies(samples / SCB.name, "scb")
    summary = import_companies(samples / BOLAGSVERKET.name, "bolagsverket")
    assert sni_of(KAFE) == ["56100", "47241", "56210"]  # Bolagsverket has no SNI codes
    assert company(AKERI).advertising_blocked  # nor advertising blocks
    assert company(KAFE).description.startswith("Bedriva kafé")
    assert company(KAFE).source == "bolagsverket"
    # New: the sole trader's two registrations, the HB, the BRF and the company in liquidation.
    assert (summary.inserted, summary.updated) == (5, 4)


def test_changed_rows_are_updated_and_only_their_sni_codes_replaced(app, samples):
    import_companies(samples / SCB.name, "scb")
    ids_before = dict(db.session.execute(select(CompanySniCode.id, CompanySniCode.code)).all())
    summary = import_companies(samples / CSV_LIST.name, "csv")
    assert (summary.updated, summary.inserted) == (3, 1)  # Floda Bygg is new
    assert sni_of(KAFE) == ["56100", "47241"]
    assert sni_of(AKERI) == ["49410"]
    assert company(KAFE).size_class == "5-9"
    assert company(AKERI).advertising_blocked  # a CSV list does not say
    kept = set(db.session.scalars(select(CompanySniCode.id)))
    untouched = {c.id for c in company("2120001454").sni_codes}  # Lerums kommun, not in the list
    assert untouched <= kept and untouched <= set(ids_before)
    replaced = {c.id for c in company(KAFE).sni_codes}
    assert not replaced & set(ids_before)


def test_a_number_without_suffix_matches_the_only_registration(app, tmp_path):
    registered = tmp_path / "bolagsverket.csv"
    registered.write_text(
        "org_number;name;town\n8503121231;Anna Öberg Hårdesign;Lerum\n", encoding="utf-8"
    )
    import_companies(registered, "csv")
    db.session.execute(Company.__table__.update().values(registration_suffix=1))
    db.session.commit()
    listed = tmp_path / "lista.csv"
    listed.write_text(
        "org_number;name;town;size_class\n19850312-1231;Anna Öberg Hårdesign;Lerum;0\n",
        encoding="utf-8",
    )
    summary = import_companies(listed, "csv")
    assert (summary.inserted, summary.updated) == (0, 1)
    assert company(SOLE_TRADER, 1).size_class == "0"


def test_hand_edited_fields_survive_a_reimport(app, samples):
    import_companies(samples / SCB.name, "scb")
    kafe = company(KAFE)
    services.update_company(
        None,
        kafe,
        services.CompanyData(
            org_number=KAFE,
            name="Kafé Ljuvligt",
            town="Lerum",
            postal_code="44330",
            street_address="Torget 3",
            sni_codes=["56300"],
            legal_form="AB",
            registered_on=kafe.registered_on,
        ),
    )
    db.session.commit()
    assert set(company(KAFE).manually_edited_fields) >= {"name", "sni_codes"}
    summary = import_companies(samples / SCB.name, "scb")
    kafe = company(KAFE)
    assert kafe.name == "Kafé Ljuvligt"
    assert sni_of(KAFE) == ["56300"]
    assert summary.updated == 0 and summary.unchanged == 6


def test_rejects_are_written_with_line_reason_and_masked_excerpt(app, samples):
    summary = import_companies(samples / BOLAGSVERKET.name, "bolagsverket")
    assert summary.reject_path == str(samples / BOLAGSVERKET.name) + ".avvisade.csv"
    with open(summary.reject_path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["rad", "orsak", "utdrag"]
    assert [row[0] for row in rows[1:]] == ["13", "14", "15", "16", "17", "19"]
    assert "kontrollsiffran" in rows[1][1]
    text = Path(summary.reject_path).read_text(encoding="utf-8-sig")
    assert "19721105-XXXX" in text and "197211051" not in text


def test_rejects_go_to_a_given_path_and_none_are_written_without_rejects(app, samples, tmp_path):
    target = tmp_path / "avvisade.csv"
    summary = import_companies(samples / SCB.name, "scb", rejects_path=str(target))
    assert summary.reject_path == str(target) and target.exists()
    clean = tmp_path / "clean.csv"
    clean.write_text("org_number;name\n559123-4561;Kafé Ljuvligt i Lerum AB\n", encoding="utf-8")
    assert import_companies(clean, "csv").reject_path is None


def test_same_identity_twice_in_a_batch_rejects_the_earlier_row(app, tmp_path):
    path = tmp_path / "lista.csv"
    path.write_text(
        "org_number;name;town\n5591234561;Gammalt namn;Lerum\n5591234561;Nytt namn;Lerum\n",
        encoding="utf-8",
    )
    summary = import_companies(path, "csv")
    assert (summary.read, summary.inserted, summary.rejected) == (2, 1, 1)
    assert company(KAFE).name == "Nytt namn"


def test_only_postcodes_and_towns(app, samples):
    summary = import_companies(samples / SCB.name, "scb", only_postcodes=["443 30", "44331"])
    assert (summary.inserted, summary.skipped) == (2, 4)
    summary = import_companies(samples / SCB.name, "scb", only_towns=["alingsås", "Lerum"])
    assert summary.inserted == 2 and summary.unchanged == 2
    assert summary.read == summary.inserted + summary.unchanged + summary.skipped + 4


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("bolagsverket_latin1.txt", "bolagsverket"),
        ("scb_sample.txt", "bolagsverket"),
        ("empty.txt", "scb"),
        ("municipality_list_bad_header.csv", "csv"),
    ],
)
def test_a_broken_file_writes_nothing(app, samples, name, fmt):
    with pytest.raises(RegisterFileError) as caught:
        import_companies(samples / name, fmt)
    assert str(caught.value)  # a Swedish explanation
    assert count(Company) == 0
    assert not list(samples.glob("*.avvisade.csv"))


def test_logs_never_hold_a_personnummer(app, samples, caplog):
    caplog.set_level(logging.DEBUG)
    import_companies(samples / BOLAGSVERKET.name, "bolagsverket")
    import_companies(samples / SCB.name, "scb")
    assert "Company import" in caplog.text
    for number in (SOLE_TRADER, SOLE_TRADER[2:], "850312-1231", "19721105"):
        assert number not in caplog.text


def test_progress_is_reported_per_batch(app, samples):
    seen = []
    import_companies(
        samples / SCB.name, "scb", batch_size=2, progress=lambda f, s: seen.append((f, s.read))
    )
    assert len(seen) >= 3
    assert seen[-1][0] == 1.0
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)


# --- Command line ------------------------------------------------------------------------


def test_cli_import_prints_the_summary_and_keeps_a_run(app, runner, samples):
    result = runner.invoke(
        args=["lotsen", "import-companies", str(samples / SCB.name), "--format", "scb"]
    )
    assert result.exit_code == 0, result.output
    assert "read 10, inserted 6, updated 0, unchanged 0, rejected 4" in result.output
    assert "avvisade.csv" in result.output
    run = db.session.scalar(select(ImportRun))
    assert (run.status, run.inserted, run.rejected, run.progress) == ("done", 6, 4, 100)
    result = runner.invoke(
        args=[
            "lotsen",
            "import-companies",
            str(samples / SCB.name),
            "--format",
            "scb",
            "--only-towns",
            "Lerum,Alingsås",
            "--rejects",
            str(samples / "r.csv"),
        ]
    )
    assert "unchanged 4" in result.output and "nothing changed" in result.output
    assert (samples / "r.csv").exists()


def test_cli_stops_on_a_broken_file(app, runner, samples):
    result = runner.invoke(
        args=[
            "lotsen",
            "import-companies",
            str(samples / "bolagsverket_latin1.txt"),
            "--format",
            "bolagsverket",
        ]
    )
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output and "UTF-8" in result.output
    assert count(Company) == 0
    assert db.session.scalar(select(ImportRun.status)) == "failed"
