"""Redis going away, and SMTP down then slow: the app keeps answering and loses no mail."""

import os
import signal
import subprocess
import time

import pytest
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import select

from lotsen import create_app
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage, OutboxStatus
from lotsen.mail.services import send_due_mail
from tests.cases.helpers import question
from tests.conftest import FormClient, base_test_config
from tests.factories import TEST_PASSWORD, CategoryFactory, UserFactory
from tests.faults.conftest import CountingInbox, free_port, wait_for

# Faults are tested with real transactions: what a worker claimed and committed, not a savepoint.
pytestmark = pytest.mark.commits


@pytest.fixture
def private_redis(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    wait_for(lambda: _pings(url), 10, "redis-server")
    yield process, url
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def _pings(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def test_with_redis_down_logging_in_and_asking_still_work(app, database, private_redis):
    process, url = private_redis
    config = base_test_config(database["url"], database["instance_path"])
    config.update(RATELIMIT_STORAGE_URI=url)
    worker = create_app(config)
    worker.test_client_class = FormClient
    user = UserFactory()
    category = CategoryFactory()
    client = worker.test_client()
    assert client.get("/konto/logga-in").status_code == 200
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    started = time.perf_counter()
    response = client.submit("/konto/logga-in", {"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.status_code
    assert client.get("/").status_code == 200
    asked = worker.test_client().submit("/fraga", question(category))
    assert asked.status_code == 302, asked.status_code
    assert time.perf_counter() - started < 10
    with worker.app_context():
        db.engine.dispose()


def queue_receipts(app, count: int) -> None:
    category = CategoryFactory()
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "1000 per minute"
    for n in range(count):
        data = question(category, submitter_email=f"smtp{n}@foretag.example")
        assert app.test_client().submit("/fraga", data).status_code == 302


def test_smtp_down_then_slow_loses_and_duplicates_no_mail(app):
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=2)
    queue_receipts(app, 5)
    # Down: nothing listens. The pass stops at the first refused connection (the worker backs
    # off instead of trying every message), and every message stays queued.
    started = time.perf_counter()
    sent, failed = send_due_mail()
    assert (sent, failed) == (0, 1) and time.perf_counter() - started < 5
    db.session.expire_all()
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert len(messages) == 5
    assert all(m.status == OutboxStatus.PENDING for m in messages)
    assert sum(1 for m in messages if m.last_error) == 1
    # Up but slow (each message takes 0.5 s, under the timeout): all delivered, each once.
    inbox = CountingInbox(delay=0.5)
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        for message in messages:  # the backoff has passed
            message.next_attempt_at = message.created_at
        db.session.commit()
        assert send_due_mail() == (5, 0)
        assert send_due_mail() == (0, 0)
        assert inbox.total == 5 and not inbox.duplicates
    finally:
        smtp.stop()
