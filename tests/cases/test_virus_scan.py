"""Uploads are scanned by a real clamd (INSTREAM) started for the tests, with a signature
database that holds only the EICAR test signature (written here: no download needed)."""

import logging
import os
import shutil
import socket
import subprocess
import time

import pytest
from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.cases import virus_scan
from lotsen.cases.models import Attachment, Case
from lotsen.extensions import db
from tests.cases.helpers import PDF, latest_case, mails_to, status_path_in, submit_question
from tests.cases.uploads import pending_files, post_note, post_status_reply, stored_files
from tests.factories import CategoryFactory

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
# The EICAR anti-virus test string, in two halves so that this file itself is not flagged.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
INFECTED_PDF = b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n"
REFUSED = "innehåller ett virus eller annan skadlig kod och togs inte emot"
UNAVAILABLE = "kunde inte kontrolleras mot virus just nu och togs inte emot"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """A clamd on a Unix socket and a TCP port, knowing the EICAR signature only."""
    if not os.path.exists(CLAMD):
        pytest.fail("clamd is required (apt-get install clamav-daemon; scripts/test does it)")
    home = tmp_path_factory.mktemp("clamd")
    (home / "db").mkdir()
    (home / "db" / "lotsen-test.ndb").write_text(f"Lotsen.Test.EICAR:0:*:{EICAR.hex()}\n")
    settings = {
        "CLAMD_SOCKET": str(home / "clamd.sock"),
        "CLAMD_HOST": "127.0.0.1",
        "CLAMD_PORT": free_port(),
        "CLAMD_TIMEOUT": 30,
    }
    (home / "clamd.conf").write_text(
        f"LocalSocket {settings['CLAMD_SOCKET']}\n"
        f"TCPSocket {settings['CLAMD_PORT']}\nTCPAddr 127.0.0.1\n"
        f"DatabaseDirectory {home / 'db'}\nTemporaryDirectory {home}\n"
        "Foreground yes\nStreamMaxLength 12M\n"
    )
    log = open(home / "clamd.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [CLAMD, "--config-file", str(home / "clamd.conf")], stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 90
        while not virus_scan.ping(settings):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("clamd did not start: " + (home / "clamd.log").read_text())
            time.sleep(0.2)
        yield settings
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def scanning(app, clamd, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    app.config.update(clamd, CLAMD_HOST=None)
    return clamd


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_infected_file_on_the_public_form_is_refused_and_nothing_is_stored(
    client, scanning, caplog
):
    category = CategoryFactory()
    response = submit_question(client, category, files=[("faktura.pdf", INFECTED_PDF)])
    assert response.status_code == 200
    assert f"faktura.pdf {REFUSED}" in response.get_data(as_text=True)
    assert count(Case) == 0 and pending_files() == [] and stored_files() == []
    assert "Lotsen.Test.EICAR" in caplog.text

    assert submit_question(client, category, files=[("ritning.pdf", PDF)]).status_code == 302
    assert count(Attachment) == 1  # a clean file passes the same scan


def test_the_status_page_reply_and_officials_uploads_are_scanned_too(app, client, login, clamd):
    category = CategoryFactory()
    submit_question(client, category)
    path = status_path_in(mails_to("lina@solrosen.example")[0].body_text)
    case = latest_case()
    app.config.update(clamd, CLAMD_SOCKET=None)  # clamd over TCP this time

    reply = post_status_reply(client, path, files=[("svar.pdf", INFECTED_PDF)])
    assert f"svar.pdf {REFUSED}" in reply.get_data(as_text=True)

    login(Role.OFFICIAL)
    note = post_note(client, case, files=[("intern.pdf", INFECTED_PDF)])
    assert note.status_code == 400
    assert f"intern.pdf {REFUSED}" in note.get_data(as_text=True)
    assert count(Attachment) == 0


def test_clamd_down_is_a_clear_logged_refusal(app, client, tmp_path, caplog):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    app.config["CLAMD_SOCKET"] = str(tmp_path / "no-clamd-here.sock")
    category = CategoryFactory()
    with caplog.at_level(logging.ERROR, logger="lotsen.cases.attachments"):
        response = submit_question(client, category, files=[("ritning.pdf", PDF)])
    assert response.status_code == 200
    assert f"ritning.pdf {UNAVAILABLE}" in response.get_data(as_text=True)
    assert "Virus scan unavailable, upload refused" in caplog.text
    assert count(Case) == 0 and pending_files() == []


def test_clamd_down_with_fail_open_accepts_and_logs(app, client, tmp_path, caplog):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    app.config.update(CLAMD_HOST="127.0.0.1", CLAMD_PORT=free_port(), CLAMD_FAIL_OPEN=True)
    category = CategoryFactory()
    with caplog.at_level(logging.WARNING, logger="lotsen.cases.attachments"):
        response = submit_question(client, category, files=[("ritning.pdf", PDF)])
    assert response.status_code == 302
    assert count(Attachment) == 1
    assert "accepted unscanned (fail-open)" in caplog.text
