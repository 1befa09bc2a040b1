"""`flask lotsen backup` and `restore`: a backup restored into a fresh database has everything."""

import hashlib
import os

import pytest
from sqlalchemy import select

from lotsen import create_app
from lotsen.cases.models import Attachment, Case
from lotsen.extensions import db
from tests.cases.helpers import PDF, PNG, submit_question
from tests.conftest import base_test_config, create_postgres_database, drop_postgres_database
from tests.factories import CategoryFactory


def snapshot() -> tuple[dict, dict]:
    """{case number: subject}, {stored file name: (case number, sha256)} of the database."""
    cases = {case.number: case.subject for case in db.session.scalars(select(Case))}
    rows = db.session.execute(
        select(Attachment.stored_name, Case.number, Attachment.sha256).join(
            Case, Case.id == Attachment.case_id
        )
    )
    return cases, {stored_name: (number, sha256) for stored_name, number, sha256 in rows}


@pytest.mark.commits  # pg_dump and the SQLite backup read what is committed
def test_a_backup_restored_into_a_fresh_database_has_every_case_and_attachment(
    app, client, runner, backend, tmp_path
):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "1000 per minute"
    category = CategoryFactory()
    for n in range(3):
        files = [(f"ritning{n}.pdf", PDF + bytes([n])), (f"foto{n}.png", PNG + bytes([n]))]
        response = submit_question(client, category, files, subject=f"Fråga {n}")
        assert response.status_code == 302
    db.session.expire_all()
    cases, files = snapshot()
    assert len(cases) == 3 and len(files) == 6

    result = runner.invoke(args=["lotsen", "backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output

    fresh_instance = tmp_path / "fresh"
    fresh_instance.mkdir()
    if backend == "postgresql":
        fresh_url = create_postgres_database()
    else:
        fresh_url = "sqlite:///" + str(fresh_instance / "restored.sqlite")
    fresh = create_app(base_test_config(fresh_url, str(fresh_instance)))
    try:
        with fresh.app_context():  # the command runs in the current app context: fresh's
            result = fresh.test_cli_runner().invoke(
                args=["lotsen", "restore", str(tmp_path / "backup")]
            )
            assert result.exit_code == 0, result.output
            assert snapshot() == (cases, files)
            for stored_name, (_number, sha256) in files.items():
                path = os.path.join(fresh.config["UPLOAD_FOLDER"], stored_name)
                with open(path, "rb") as handle:
                    assert hashlib.sha256(handle.read()).hexdigest() == sha256
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            drop_postgres_database(fresh_url)


@pytest.mark.commits  # restore disposes of the engine, the test's own connection included
def test_restore_refuses_a_directory_without_a_backup(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(args=["lotsen", "restore", str(tmp_path / "empty")])
    assert result.exit_code != 0
    assert "is missing" in result.output
