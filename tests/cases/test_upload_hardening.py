"""Hostile uploads and faults around them: zip bombs, files parked by failed forms, files left
without rows by a failed commit."""

import contextlib
import io
import os
import secrets
import sqlite3
import time
import tracemalloc
import zipfile

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lotsen.accounts.models import Role
from lotsen.cases.attachments import CLEANUP_MARGIN_SECONDS
from lotsen.cases.models import Attachment, Case, Message
from lotsen.extensions import db
from tests.cases.helpers import PDF, PNG, open_case_directly, question
from tests.cases.uploads import (
    MB,
    kept_reference,
    odt,
    pending_files,
    post_note,
    stored_files,
    zip_bomb,
)
from tests.factories import CategoryFactory

BOMB_REFUSAL = "rapport.odt är inte en tillåten filtyp"


@pytest.fixture(autouse=True)
def own_upload_folder(app, tmp_path):
    """Each test sees only the files it made."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def ask(client, category, files=(), address="192.0.2.10", **overrides):
    """Send the public form from one client address."""
    data = question(category, **overrides)
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.submit(
        "/fraga",
        data,
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address},
    )


def with_peak_memory(action):
    """Run action(); return its result and how far traced memory rose above where it began."""
    tracemalloc.start()
    try:
        baseline, _peak = tracemalloc.get_traced_memory()
        result = action()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak - baseline


def age(paths, seconds):
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


# --- Zip bombs --------------------------------------------------------------------------------


def test_a_zip_bomb_on_the_public_form_is_refused_without_being_inflated(client):
    category = CategoryFactory()
    bomb = zip_bomb()  # built before measuring: 200 MB of zeros in ~200 KB
    assert len(bomb) < 300 * 1024

    response, growth = with_peak_memory(
        lambda: ask(client, category, files=[("rapport.odt", bomb)])
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert BOMB_REFUSAL in page
    assert growth < 50 * MB, f"peak memory grew {growth / MB:.1f} MB"
    assert count(Case) == 0
    assert pending_files() == [] and stored_files() == []


def test_a_zip_bomb_from_an_official_is_refused_without_being_inflated(client, login):
    login(Role.OFFICIAL)
    case, _token = open_case_directly(CategoryFactory())
    bomb = zip_bomb()

    response, growth = with_peak_memory(
        lambda: post_note(client, case, files=[("rapport.odt", bomb)])
    )
    assert response.status_code == 400
    assert BOMB_REFUSAL in response.get_data(as_text=True)
    assert growth < 50 * MB, f"peak memory grew {growth / MB:.1f} MB"
    assert count(Attachment) == 0 and pending_files() == []


def test_archives_are_bounded_by_member_count_size_and_ratio(app, client):
    category = CategoryFactory()
    assert ask(client, category, files=[("brev.odt", odt(extra_members=20))]).status_code == 302
    assert count(Attachment) == 1

    app.config["UPLOAD_ARCHIVE_MAX_MEMBERS"] = 10
    page = ask(client, category, files=[("brev.odt", odt(extra_members=20))]).get_data(as_text=True)
    assert "brev.odt är inte en tillåten filtyp" in page

    app.config["UPLOAD_ARCHIVE_MAX_MEMBERS"] = 5000
    buffer = io.BytesIO()  # an honest type member, and 5 MB of zeros it would never read
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", bytes(5 * MB))
    page = ask(client, category, files=[("kvot.odt", buffer.getvalue())]).get_data(as_text=True)
    assert "kvot.odt är inte en tillåten filtyp" in page

    # (the test client leaves bodies over 500 KB in an unclosed temporary file: stay below)
    app.config["UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_BYTES"] = 200 * 1024
    buffer = io.BytesIO()  # incompressible content: ratio 1, but 300 KB once unpacked
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("Pictures/bild.bin", secrets.token_bytes(300 * 1024))
    page = ask(client, category, files=[("stor.odt", buffer.getvalue())]).get_data(as_text=True)
    assert "stor.odt är inte en tillåten filtyp" in page
    assert count(Attachment) == 1


# --- Files kept from failed forms -------------------------------------------------------------


def test_kept_files_expire_and_the_cleanup_command_removes_them(app, client, runner):
    category = CategoryFactory()
    page = ask(client, category, files=[("ritning.pdf", PDF)], subject="").get_data(as_text=True)
    reference = kept_reference(page)
    old = pending_files()
    assert len(old) == 2  # the file and what it is called

    max_age = app.config["PENDING_UPLOAD_MAX_AGE"]
    age(old, max_age + 1)
    page = ask(client, category, kept_uploads=reference).get_data(as_text=True)
    assert "har sparats för länge och tagits bort. Bifoga dem igen." in page
    assert count(Case) == 0

    ask(client, category, files=[("bild.png", PNG)], subject="", address="198.51.100.7")
    fresh = sorted(set(pending_files()) - set(old))
    assert len(fresh) == 2
    age(old, max_age + CLEANUP_MARGIN_SECONDS + 1)

    result = runner.invoke(args=["lotsen", "clean-uploads"])
    assert result.exit_code == 0, result.output
    assert f"Removed 1 expired pending uploads ({len(PDF)} bytes)" in result.output
    assert pending_files() == fresh


def test_one_address_can_park_no_more_than_its_quota(app, client):
    file_kb = PDF + b"0" * (1000 - len(PDF))
    app.config["PENDING_UPLOAD_QUOTA_BYTES"] = 3 * len(file_kb)
    category = CategoryFactory()
    files = [(f"{letter}.pdf", file_kb) for letter in "abcd"]
    page = ask(client, category, files=files, subject="").get_data(as_text=True)
    assert "d.pdf togs inte emot: många filer från dig väntar redan" in page
    assert "c.pdf" in page
    assert len(pending_files()) == 6

    other = ask(client, category, files=[("e.pdf", file_kb)], subject="", address="198.51.100.7")
    assert "togs inte emot" not in other.get_data(as_text=True)

    age(pending_files(), app.config["PENDING_UPLOAD_MAX_AGE"] + 1)  # expired: no longer counted
    again = ask(client, category, files=[("f.pdf", file_kb)], subject="")
    assert "togs inte emot" not in again.get_data(as_text=True)


# --- Files and rows stay together -------------------------------------------------------------


@contextlib.contextmanager
def commit_fails_in_requests_that_store_files(backend):
    """The database goes away just as a request with attachments commits (a restart)."""

    def note_attachments(session, _context):
        if any(isinstance(obj, Attachment) for obj in session.new):
            session.info["writes_attachments"] = True

    def fail(session):
        session.flush()
        if not session.info.pop("writes_attachments", False):
            return
        if backend == "postgresql":
            session.connection().exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

    event.listen(Session, "after_flush", note_attachments)
    event.listen(Session, "before_commit", fail)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", fail)
        event.remove(Session, "after_flush", note_attachments)


@pytest.mark.commits  # the failed commit breaks its connection, which must not be the test's
def test_a_rolled_back_request_leaves_no_file_behind(app, client, backend):
    category = CategoryFactory()
    with commit_fails_in_requests_that_store_files(backend):
        response = ask(client, category, files=[("ritning.pdf", PDF), ("bild.png", PNG)])
    assert response.status_code >= 500
    assert count(Case) == 0 and count(Attachment) == 0 and count(Message) == 0
    assert stored_files() == []
    assert len(pending_files()) == 4  # still kept for another try, until they expire

    assert ask(client, category, files=[("ritning.pdf", PDF)]).status_code == 302
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert stored_files() == [attachment.stored_name]


def test_the_cleanup_command_removes_stored_files_without_a_row(app, client, runner):
    category = CategoryFactory()
    ask(client, category, files=[("ritning.pdf", PDF)])
    [kept] = stored_files()
    folder = app.config["UPLOAD_FOLDER"]
    orphan, recent = secrets.token_hex(16), secrets.token_hex(16)
    for name in (orphan, recent, "LASMIG.txt"):
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(b"x" * 10)
    age([os.path.join(folder, name) for name in (kept, orphan, "LASMIG.txt")], 2 * 60 * 60)

    result = runner.invoke(args=["lotsen", "clean-uploads"])
    assert result.exit_code == 0, result.output
    assert "and 1 orphaned files (10 bytes)" in result.output
    assert stored_files() == sorted([kept, recent, "LASMIG.txt"])


def test_a_kept_file_that_is_gone_when_the_form_is_saved_is_a_clear_refusal(app, client):
    category = CategoryFactory()
    page = ask(client, category, files=[("ritning.pdf", PDF)], subject="").get_data(as_text=True)
    reference = kept_reference(page)
    for path in pending_files():  # e.g. sent twice at once: the other request took it
        if not path.endswith(".json"):
            os.remove(path)
            os.mkdir(path)  # still there, but cannot be linked or copied
    response = ask(client, category, kept_uploads=reference)
    assert response.status_code == 200
    assert "ritning.pdf finns inte längre hos oss. Bifoga filen igen." in response.get_data(
        as_text=True
    )
    assert count(Case) == 0 and stored_files() == []
