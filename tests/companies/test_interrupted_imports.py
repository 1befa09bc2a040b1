"""A killed import is shown as interrupted, not "running" forever, and can be resumed: the same
file is imported again, which is safe because imports are upserts (issue 13, point 22)."""

from datetime import timedelta

from sqlalchemy import func, select, update

from lotsen.accounts.models import Role
from lotsen.companies import importer
from lotsen.companies.models import Company, ImportRun, ImportStatus
from lotsen.db_types import utcnow
from lotsen.extensions import db
from tests.companies.test_import_runs import import_folder, queued_run  # noqa: F401

MINUTES = 15


def killed_half_way(folder, minutes_ago: int) -> ImportRun:
    """A run that imported its file, then 'died': status still running, heartbeat old."""
    run = queued_run(folder)
    assert importer.claim_run(run.id)
    importer.execute_run(db.session.get(ImportRun, run.id))
    db.session.execute(
        update(ImportRun)
        .where(ImportRun.id == run.id)
        .values(
            status=ImportStatus.RUNNING,
            progress=40,
            finished_at=None,
            heartbeat_at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    db.session.commit()
    return db.session.get(ImportRun, run.id)


def test_claiming_and_every_batch_update_the_heartbeat(app, import_folder):  # noqa: F811
    run = queued_run(import_folder)
    before = utcnow()
    assert importer.claim_run(run.id)
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).heartbeat_at >= before - timedelta(seconds=1)
    beats = []
    importer.execute_run(
        db.session.get(ImportRun, run.id),
        progress=lambda _fraction, _summary: beats.append(
            db.session.get(ImportRun, run.id).heartbeat_at
        ),
    )
    assert beats and all(beat >= before - timedelta(seconds=1) for beat in beats)


def test_a_killed_import_is_shown_as_interrupted_and_resumed(app, client, login, import_folder):  # noqa: F811
    login(Role.ADMIN)
    run = killed_half_way(import_folder, minutes_ago=MINUTES + 5)
    companies = db.session.scalar(select(func.count()).select_from(Company))
    page = client.get("/foretag/import").get_data(as_text=True)
    assert "Avbruten" in page
    run_page = client.get(f"/foretag/import/{run.id}").get_data(as_text=True)
    assert "Läs in samma fil igen" in run_page and 'http-equiv="refresh"' not in run_page
    response = client.submit(
        f"/foretag/import/{run.id}/fortsatt", page_url=f"/foretag/import/{run.id}"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).status == ImportStatus.QUEUED
    assert importer.run_queued_imports() == 1
    db.session.expire_all()
    resumed = db.session.get(ImportRun, run.id)
    assert (resumed.status, resumed.progress, resumed.inserted) == ("done", 100, 0)
    assert resumed.unchanged == 6
    assert db.session.scalar(select(func.count()).select_from(Company)) == companies == 6


def test_a_live_or_finished_import_cannot_be_resumed(app, client, login, import_folder):  # noqa: F811
    login(Role.ADMIN)
    alive = killed_half_way(import_folder, minutes_ago=1)
    assert "Avbruten" not in client.get("/foretag/import").get_data(as_text=True)
    client.submit(f"/foretag/import/{alive.id}/fortsatt", page_url=f"/foretag/import/{alive.id}")
    db.session.expire_all()
    assert db.session.get(ImportRun, alive.id).status == ImportStatus.RUNNING
    finished = queued_run(import_folder)
    importer.run_queued_imports()
    assert not importer.resume_run(None, db.session.get(ImportRun, finished.id))
