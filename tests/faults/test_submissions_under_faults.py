"""200 questions through two gunicorn instances while a worker is killed and the database restarts.

Every case a client was shown (the number on the receipt page) must exist with its message and
its receipt mail, no row may be half-written, no mail may be delivered twice, and the app must
recover by itself: the submissions after the restart all succeed without restarting anything.
"""

import os
import signal
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
from aiosmtpd.controller import Controller
from flask_migrate import upgrade

from lotsen import create_app
from lotsen.cases.models import Category
from lotsen.extensions import db
from tests.faults.client import submit_question
from tests.faults.conftest import CountingInbox, children_of, free_port, wait_for

SUBMISSIONS = 200
KILL_WORKER_AT = 60
RESTART_DATABASE_AT = 120
# Submissions from here on wait for the restart to finish: 503s are answered so fast that all
# the rest would otherwise be spent while the database is down, and none would show recovery.
LATE_FROM = 160
# Failures a client may see while a fault lasts: a dropped connection or "try again later".
TOLERATED = ("HTTP 503", "RemoteDisconnected", "ConnectionResetError", "URLError", "timed out")


def prepare_database(url: str, config: dict) -> None:
    app = create_app(config)
    with app.app_context():
        upgrade()
        db.session.add(Category(name="Bygglov", help_text="Bygga", sort_order=1, active=True))
        db.session.commit()
        db.engine.dispose()


def test_every_case_shown_survives_a_killed_worker_and_a_database_restart(
    tmp_path, private_postgres, processes
):
    url = private_postgres.create_database("lotsen_faults")
    smtp_port = free_port()
    config = {
        "SECRET_KEY": "faults-secret-key",
        "DATABASE_URL": url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PUBLIC_FORM_RATE_LIMIT": "100000 per minute",
        "IMPORTS_RUN_IN_PROCESS": False,
        # A message claimed when the database went down is retried after its lease: short
        # here, so the run sees it delivered (once) within its wait.
        "MAIL_CLAIM_SECONDS": 10,
    }
    prepare_database(url, config)
    inbox = CountingInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        first, first_port = processes.gunicorn("gunicorn-a", config)
        _second, second_port = processes.gunicorn("gunicorn-b", config)
        senders = [processes.send_mail(f"send-mail-{n}", config) for n in (1, 2)]
        bases = [f"http://127.0.0.1:{first_port}", f"http://127.0.0.1:{second_port}"]

        done = []
        lock = threading.Lock()
        faults = {}
        restarted = threading.Event()

        def submit(n: int):
            if n >= LATE_FROM:
                restarted.wait(120)
            late = restarted.is_set()
            attempt = submit_question(
                bases[n % 2], f"agare{n}@faults.example", with_file=n % 4 == 0
            )
            with lock:
                done.append(n)
                count = len(done)
                if count == KILL_WORKER_AT:
                    victim = children_of(first.pid)[0]
                    os.kill(victim, signal.SIGKILL)
                    faults["killed"] = victim
            if count == RESTART_DATABASE_AT:
                private_postgres.restart()
                restarted.set()
            attempt.late = late
            return n, attempt

        with ThreadPoolExecutor(max_workers=8) as pool:
            attempts = dict(pool.map(submit, range(SUBMISSIONS)))

        shown = {n: a for n, a in attempts.items() if a.case_number}
        failures = {n: a.failure for n, a in attempts.items() if not a.case_number}
        with psycopg.connect(url) as conn:
            cases = dict(conn.execute("SELECT number, submitter_email FROM cases").fetchall())

            def outbox_settled():
                pending = conn.execute(
                    "SELECT count(*) FROM outbox_messages WHERE status <> 'sent'"
                ).fetchone()[0]
                conn.commit()
                return pending == 0

            try:
                settled = wait_for(outbox_settled, 45, "the outbox to be delivered")
            except AssertionError:
                settled = False
            outbox = conn.execute("SELECT count(*) FROM outbox_messages").fetchone()[0]
            without_message = conn.execute(
                "SELECT number FROM cases c WHERE NOT EXISTS "
                "(SELECT 1 FROM case_messages m WHERE m.case_id = c.id)"
            ).fetchall()
            attachments = conn.execute("SELECT stored_name FROM case_attachments").fetchall()
            states = dict(
                conn.execute("SELECT status, count(*) FROM outbox_messages GROUP BY status")
            )
        if settled:
            wait_for(lambda: inbox.total >= outbox, 30, "the SMTP server to see every mail")

        figures = {
            "submitted": SUBMISSIONS,
            "shown to clients": len(shown),
            "in the database": len(cases),
            "mails in the outbox": outbox,
            "mails received": inbox.total,
            "duplicates": sum(count - 1 for count in inbox.duplicates.values()),
            "failed for the client": len(failures),
        }
        print("\nFault run:", ", ".join(f"{k} {v}" for k, v in figures.items()), states)
        print("Client failures:", Counter(f.split(":")[0] for f in failures.values()))

        assert "killed" in faults
        for sender in senders:
            assert sender.poll() is None, f"{sender.name} died:\n{processes.log_of(sender)}"
        assert settled, f"outbox not delivered: {states}"
        for n, attempt in shown.items():
            assert cases.get(attempt.case_number) == attempt.email, (n, attempt)
        assert not without_message, f"cases without their message: {without_message}"
        for n, attempt in shown.items():
            assert inbox.by_recipient[attempt.email] == 1, (n, attempt.email, "receipt mails")
        assert not inbox.duplicates, f"mail delivered more than once: {inbox.duplicates}"
        assert inbox.total == outbox
        for (stored_name,) in attachments:
            assert os.path.exists(tmp_path / "uploads" / stored_name), stored_name
        assert all(any(t in failure for t in TOLERATED) for failure in failures.values()), failures
        # Recovery without a restart: everything sent after the database was back went through.
        after_restart = {n for n, attempt in attempts.items() if attempt.late}
        late_failures = {n: failures[n] for n in after_restart if n in failures}
        assert len(after_restart) > 30 and not late_failures, late_failures
        # Failures only while a fault lasts: none before the worker was killed (less the pool's
        # eight submissions in flight at that moment), none once the database was back.
        before_faults = {n for n in attempts if n < KILL_WORKER_AT - 8}
        assert not before_faults & failures.keys(), failures
    finally:
        smtp.stop()
