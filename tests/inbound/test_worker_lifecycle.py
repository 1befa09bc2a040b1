"""Killing the worker mid-batch loses nothing and does nothing twice; IDLE delivers at once."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.inbound.imap import MailboxReader, run_worker
from lotsen.inbound.models import InboundMessage
from tests.inbound import mails
from tests.inbound.test_fetch_mail import PROCESSED, case_messages, fetch

# Committed for real: the worker runs in a subprocess or a thread with connections of its own.
pytestmark = pytest.mark.commits

BATCH = 40


def processed_count() -> int:
    count = db.session.scalar(select(func.count()).select_from(InboundMessage))
    db.session.remove()  # hold no read transaction (SQLite) while the worker writes
    return count


def worker_config(app) -> str:
    return json.dumps(
        {
            key: app.config[key]
            for key in (
                "TESTING",
                "SECRET_KEY",
                "DATABASE_URL",
                "PASSWORD_HASH_METHOD",
                "UPLOAD_FOLDER",
                "INBOUND_ADDRESS",
                "INBOUND_MAILBOXES",
                "SMTP_PORT",
            )
        }
    )


def start_worker(app, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.inbound.worker_process", worker_config(app), *args],
        cwd=os.getcwd(),
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_workers_side_by_side_share_one_mailbox_without_conflicts(
    app, mailbox, waiting_case, category
):
    # Replies to one case and new questions, so both workers read and then write the same rows
    # (on SQLite a transaction that read first must not fail when the other wrote meanwhile).
    token = waiting_case.reply_token
    db.session.remove()
    mailbox.deliver(
        *(
            mails.plain(to=mails.reply_address(token), body=f"Svar {n}.")
            if n % 2
            else mails.plain(sender=f"Företagare {n} <foretag{n}@example.se>")
            for n in range(BATCH)
        )
    )
    workers = [start_worker(app, "--share", f"{part}/2") for part in (1, 2)]
    outputs = [worker.communicate(timeout=180) for worker in workers]

    for worker, (output, errors) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, (output + errors).decode()[-2000:]
    assert processed_count() == BATCH
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1 + BATCH // 2
    assert len(case_messages(waiting_case.id)) == 2 + BATCH // 2  # question, request, replies
    assert mailbox.count("INBOX") == 0 and mailbox.count(PROCESSED) == BATCH


def test_worker_killed_mid_batch_then_restarted_loses_and_repeats_nothing(
    app, runner, mailbox, category
):
    pdf = [("bilaga.pdf", "application", "pdf", mails.PDF_HEAD + b"0" * 400_000 + b"\n%%EOF")]
    mailbox.deliver(
        *(
            mails.plain(sender=f"Företagare {n} <foretag{n}@example.se>", attachments=pdf)
            for n in range(BATCH)
        )
    )
    worker = start_worker(app)
    deadline = time.monotonic() + 120
    while processed_count() < 5 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    _output, errors = worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL, errors.decode()[-2000:]
    done_before_restart = processed_count()
    assert 5 <= done_before_restart < BATCH

    fetch(runner)

    assert processed_count() == BATCH
    senders = db.session.scalars(select(Case.submitter_email)).all()
    assert sorted(senders) == sorted(f"foretag{n}@example.se" for n in range(BATCH))
    assert all(len(case_messages(case.id)) == 1 for case in db.session.scalars(select(Case)))
    assert mailbox.count("INBOX") == 0
    assert mailbox.count(PROCESSED) == BATCH


def test_idle_processes_new_mail_within_seconds(app, mailbox, waiting_case):
    case_id, token = waiting_case.id, waiting_case.reply_token
    mailbox.deliver(mails.plain(to=mails.reply_address(token), body="Första svaret."))
    reports = []

    def work():
        with app.app_context():
            run_worker(interval=30, max_passes=2, report=reports.append)

    worker = threading.Thread(target=work)
    worker.start()
    deadline = time.monotonic() + 30
    while processed_count() < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)  # let the worker enter IDLE (the point of the test is what IDLE does)
    delivered = time.monotonic()
    mailbox.deliver(mails.plain(to=mails.reply_address(token), body="Andra svaret."))
    while processed_count() < 2 and time.monotonic() < delivered + 10:
        time.sleep(0.02)
    latency = time.monotonic() - delivered
    worker.join(30)
    assert not worker.is_alive()
    assert latency < 5
    assert [m.body for m in case_messages(case_id)][-2:] == ["Första svaret.", "Andra svaret."]


def test_mail_delivered_during_a_pass_is_processed_before_the_worker_waits(
    app, mailbox, waiting_case, monkeypatch
):
    # A mail that arrives while a pass runs is announced in the answer to one of the pass's own
    # commands; IDLE announces only what is new after it starts. The worker must not wait for
    # the next delivery (or the poll interval) to pick it up.
    token = waiting_case.reply_token
    mailbox.deliver(mails.plain(to=mails.reply_address(token), body="Första svaret."))
    process_one = MailboxReader.process_one
    late = [mails.plain(to=mails.reply_address(token), body="Svaret som kom under tiden.")]

    def deliver_meanwhile(reader, *args):
        if late:
            mailbox.deliver(late.pop())
        return process_one(reader, *args)

    monkeypatch.setattr(MailboxReader, "process_one", deliver_meanwhile)
    db.session.remove()

    with app.app_context():
        run_worker(interval=30, max_passes=1)  # one round, then it would wait in IDLE

    assert processed_count() == 2
    assert mailbox.count("INBOX") == 0
