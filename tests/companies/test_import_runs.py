"""Import runs: the admin upload page, the queue, the worker that claims runs, reject files."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.companies import importer
from lotsen.companies.models import Company, ImportRun, ImportStatus
from lotsen.extensions import db

# On PostgreSQL an import ends with VACUUM (ANALYZE) on a connection of its own, which must
# see the imported rows and not wait for the test's locks: these tests commit for real.
pytestmark = pytest.mark.commits

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def import_folder(app, tmp_path):
    folder = tmp_path / "imports"
    app.config["IMPORT_FOLDER"] = str(folder)
    app.config["IMPORTS_RUN_IN_PROCESS"] = False
    return folder


def queued_run(folder: Path, sample: str = "scb_sample.txt", fmt: str = "scb") -> ImportRun:
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"copy-{sample}"
    stored.write_bytes((SAMPLES / sample).read_bytes())
    run = ImportRun(file_name=sample, stored_path=str(stored), format=fmt)
    db.session.add(run)
    db.session.commit()
    return run


def upload(client, sample="scb_sample.txt", fmt="scb", **fields):
    data = {"format": fmt, "file": (io.BytesIO((SAMPLES / sample).read_bytes()), sample)}
    data.update(fields)
    return client.submit(
        "/foretag/import", data, page_url="/foretag/import", content_type="multipart/form-data"
    )


def test_a_run_is_claimed_by_one_worker_only(app, import_folder):
    run = queued_run(import_folder)
    assert importer.claim_run(run.id)
    assert not importer.claim_run(run.id)
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).status == ImportStatus.RUNNING


def test_worker_runs_queued_imports_oldest_first(app, import_folder):
    first = queued_run(import_folder)
    broken = queued_run(import_folder, "bolagsverket_latin1.txt", "bolagsverket")
    assert importer.run_queued_imports() == 2
    assert importer.run_queued_imports() == 0
    db.session.expire_all()
    done = db.session.get(ImportRun, first.id)
    assert (done.status, done.inserted, done.rejected, done.progress) == ("done", 6, 4, 100)
    assert done.reject_path and Path(done.reject_path).exists()
    failed = db.session.get(ImportRun, broken.id)
    assert failed.status == "failed" and "UTF-8" in failed.message
    assert db.session.scalar(select(func.count()).select_from(Company)) == 6


def test_second_run_of_the_same_file_says_nothing_changed(app, import_folder):
    queued_run(import_folder)
    queued_run(import_folder)
    importer.run_queued_imports()
    last = db.session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
    assert last.unchanged == 6 and "Inget ändrades" in last.message


def test_run_imports_command(app, runner, import_folder):
    queued_run(import_folder)
    result = runner.invoke(args=["lotsen", "run-imports"])
    assert result.exit_code == 0, result.output
    assert "Imports: 1 run." in result.output


def test_upload_page_is_for_admins(client, login, app, import_folder):
    login(Role.COORDINATOR)
    assert client.get("/foretag/import").status_code == 403
    assert "Läs in register" not in client.get("/foretag/").get_data(as_text=True)


def test_admin_uploads_a_file_that_is_queued_and_run_by_the_worker(
    client, login, app, import_folder
):
    admin = login(Role.ADMIN)
    response = upload(client, only_towns="Lerum, Alingsås")
    assert response.status_code == 302
    run = db.session.scalar(select(ImportRun))
    assert response.headers["Location"].endswith(f"/foretag/import/{run.id}")
    assert (run.status, run.started_by_id, run.only_towns) == (
        "queued",
        admin.id,
        ["Lerum", "Alingsås"],
    )
    stored = Path(run.stored_path)
    assert stored.parent == import_folder and stored.name != "scb_sample.txt"
    page = client.get(f"/foretag/import/{run.id}").get_data(as_text=True)
    assert "I kö" in page and 'http-equiv="refresh"' in page

    importer.run_queued_imports()
    page = client.get(f"/foretag/import/{run.id}").get_data(as_text=True)
    assert "Klar" in page and 'http-equiv="refresh"' not in page
    rejects = client.get(f"/foretag/import/{run.id}/avvisade-rader.csv")
    assert rejects.status_code == 200 and "kontrollsiffran" in rejects.get_data(as_text=True)
    history = client.get("/foretag/import").get_data(as_text=True)
    assert "scb_sample.txt" in history


def test_upload_runs_in_the_web_process_when_configured(client, login, app, import_folder):
    app.config["IMPORTS_RUN_IN_PROCESS"] = True
    login(Role.ADMIN)
    assert upload(client).status_code == 302
    for thread in importer.background_threads:
        thread.join(timeout=30)
    db.session.expire_all()
    run = db.session.scalar(select(ImportRun))
    assert (run.status, run.inserted) == ("done", 6)


def test_upload_form_errors_keep_the_choices(client, login, app, import_folder):
    login(Role.ADMIN)
    response = client.submit(
        "/foretag/import",
        {"format": "csv", "only_postcodes": "44330"},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Välj filen som ska läsas in" in page
    assert 'value="44330"' in page
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_reject_file_of_an_unknown_run_is_404(client, login, app, import_folder):
    login(Role.ADMIN)
    assert client.get("/foretag/import/999/avvisade-rader.csv").status_code == 404
    assert client.get("/foretag/import/999").status_code == 404
