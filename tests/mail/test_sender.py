"""The sender: isolated failures, clean headers, redacted secrets, leases, outages (issue 13)."""

import asyncio
import logging
import re
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail import services
from lotsen.mail.models import OutboxMessage, OutboxStatus
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory, UserFactory
from tests.mail.conftest import Inbox
from tests.mail.test_outbox import make_due_now, outbox, plain_text_of, queue_reset_mail

POISONED_NAMES = [
    "Acme\r\nBcc: spy@evil.example",
    "Acme\u2028Bcc: spy@evil.example",
    "Acme\x85Bcc: spy@evil.example",
    "Acme\x0bBcc: spy@evil.example",
]


def parsed(envelope):
    return message_from_bytes(envelope.content, policy=policy.default)


def queue_invitation_for(case) -> None:
    """Queue a mail whose subject is built like a meeting invitation's, from the company name."""
    with db.session.no_autoflush:
        services.queue_mail(
            case.submitter_email,
            _l("Inbjudan: %(title)s %(date)s", title=case.company_name, date="2026-12-10"),
            "mail/case_new_link.txt",
            case=case,
            link="http://127.0.0.1:5000/status/ny-lank",
        )
    db.session.commit()


def test_a_poisoned_company_name_reaches_no_header_and_stops_no_mail(
    app, runner, start_smtp_server
):
    inbox = start_smtp_server()
    category = CategoryFactory()
    for number, name in enumerate(POISONED_NAMES):
        case, _token = open_case_directly(
            category, company_name=name, submitter_email=f"owner{number}@acme.example"
        )
        queue_invitation_for(case)
    queue_reset_mail(UserFactory(email="karin@kommun.example"))

    result = runner.invoke(args=["lotsen", "send-mail"])

    assert result.exit_code == 0, result.output
    assert all(message.status == OutboxStatus.SENT for message in outbox())
    recipients = sorted(address for envelope in inbox.messages for address in envelope.rcpt_tos)
    assert "spy@evil.example" not in recipients and "karin@kommun.example" in recipients
    invitations = [parsed(e) for e in inbox.messages if parsed(e)["Subject"].startswith("Inbj")]
    assert len(invitations) == len(POISONED_NAMES)
    for mail in invitations:
        assert mail["Bcc"] is None
        assert mail["Subject"].startswith("Inbjudan: Acme Bcc: spy@evil.example 2026-12-10")
        assert not re.search(r"[\r\n\x0b\x85\u2028]", mail["Subject"])


def test_a_message_that_cannot_be_built_fails_alone_with_its_reason(
    app, runner, client, login, start_smtp_server
):
    from lotsen.accounts.models import Role

    inbox = start_smtp_server()
    db.session.add(
        OutboxMessage(  # written before headers were cleaned when queued
            recipient="lina@acme.example\r\nBcc: spy@evil.example",
            subject="Inbjudan: Acme\r\nBcc: spy@evil.example",
            body_text="Hej!",
        )
    )
    db.session.commit()
    queue_reset_mail(UserFactory(email="karin@kommun.example"))

    result = runner.invoke(args=["lotsen", "send-mail"])

    assert result.exit_code == 0, result.output
    assert "1 sent, 1 failed" in result.output
    assert [e.rcpt_tos for e in inbox.messages] == [["karin@kommun.example"]]
    broken, reset = outbox()
    assert broken.status == OutboxStatus.FAILED and "Cannot be built" in broken.last_error
    assert reset.status == OutboxStatus.SENT
    login(Role.ADMIN)
    page = client.get("/admin/e-post?status=failed").get_data(as_text=True)
    assert "Cannot be built: UnbuildableMail: invalid recipient address" in page


def test_a_refused_message_fails_alone_and_the_rest_go_out(app, start_smtp_server):
    class RefusingInbox(Inbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("gone@"):
                return "550 No such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    inbox = start_smtp_server(RefusingInbox())
    queue_reset_mail(UserFactory(email="gone@kommun.example"))
    queue_reset_mail(UserFactory(email="karin@kommun.example"))

    assert services.send_due_mail() == (1, 1)
    refused, delivered = outbox()
    assert refused.status == OutboxStatus.FAILED and "550" in refused.last_error
    assert delivered.status == OutboxStatus.SENT
    assert [e.rcpt_tos for e in inbox.messages] == [["karin@kommun.example"]]


def test_sent_mail_keeps_no_working_status_or_password_link(app, start_smtp_server):
    inbox = start_smtp_server()
    queue_reset_mail(UserFactory(email="karin@kommun.example"))
    _case, token = open_case_directly(CategoryFactory())
    pending = {message.recipient: message.body_text for message in outbox()}
    assert token in pending["johan@akeri.example"]  # needed until the mail is delivered

    assert services.send_due_mail() == (2, 0)

    delivered = {e.rcpt_tos[0]: plain_text_of(e) for e in inbox.messages}
    assert f"/status/{token}" in delivered["johan@akeri.example"]
    reset_token = re.search(
        r"/konto/nytt-losenord/([^\s>]+)", delivered["karin@kommun.example"]
    ).group(1)
    for message in outbox():
        assert token not in message.body_text and reset_token not in message.body_text
    records = {message.recipient: message.body_text for message in outbox()}
    assert "/status/[dold]" in records["johan@akeri.example"]
    assert "/konto/nytt-losenord/[dold]" in records["karin@kommun.example"]
    assert "Tack för din fråga" in records["johan@akeri.example"]  # still a readable record


class Clock:
    """The senders' clock: each delivery on the slow server takes 15 seconds of it."""

    def __init__(self):
        self.now = utcnow()
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            return self.now

    def advance(self, delta: timedelta) -> None:
        with self.lock:
            self.now += delta


class SlowInbox(Inbox):
    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.05)
        self.clock.advance(timedelta(seconds=15))
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.commits  # two sender threads
def test_two_senders_on_a_slow_server_send_each_message_once(app, start_smtp_server, monkeypatch):
    user = UserFactory()
    for _ in range(12):  # 12 x 15 s: far longer than one lease of 120 s
        queue_reset_mail(user)
    clock = Clock()
    monkeypatch.setattr(services, "utcnow", clock)
    inbox = start_smtp_server(SlowInbox(clock))
    errors = []

    def first_sender():
        with app.app_context():
            try:
                services.send_due_mail()
            except Exception as error:  # reported below
                errors.append(error)

    def second_sender():
        deadline = time.monotonic() + 60
        with app.app_context():
            try:
                while time.monotonic() < deadline:
                    pending = db.session.scalar(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.status == OutboxStatus.PENDING)
                    )
                    db.session.commit()
                    if not pending:
                        return
                    services.send_due_mail()
                    time.sleep(0.01)
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=first_sender), threading.Thread(target=second_sender)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)

    assert errors == []
    delivered = [parsed(envelope)["Message-ID"] for envelope in inbox.messages]
    assert len(delivered) == 12
    stored = [message.message_id for message in outbox()]
    assert sorted(delivered) == sorted(stored)  # each message once, under its queued Message-ID
    assert all(message.status == OutboxStatus.SENT for message in outbox())


def test_one_cron_run_delivers_everything_due(app, runner, start_smtp_server):
    inbox = start_smtp_server()
    user = UserFactory()
    for _ in range(60):
        queue_reset_mail(user)
    result = runner.invoke(args=["lotsen", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "60 sent, 0 failed" in result.output
    assert len(inbox.messages) == 60


def rename_outbox(old: str, new: str) -> None:
    db.session.remove()
    db.session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))
    db.session.commit()


def test_the_mail_loop_survives_a_database_outage_with_one_log_line(
    app, runner, start_smtp_server, monkeypatch, caplog
):
    inbox = start_smtp_server()
    queue_reset_mail(UserFactory())
    delays = []

    def sleep(seconds):
        delays.append(seconds)
        if len(delays) == 3:  # the database is back
            rename_outbox("outbox_messages_away", "outbox_messages")

    monkeypatch.setattr(time, "sleep", sleep)
    rename_outbox("outbox_messages", "outbox_messages_away")
    try:
        with caplog.at_level(logging.INFO):
            result = runner.invoke(
                args=["lotsen", "send-mail", "--loop", "--interval", "5", "--max-passes", "5"]
            )
    finally:
        if len(delays) < 3:
            rename_outbox("outbox_messages_away", "outbox_messages")

    assert result.exit_code == 0, result.output
    assert delays == [5, 10, 20, 5]  # backoff while the database is away, then the interval
    assert len(inbox.messages) == 1
    lines = [r for r in caplog.records if r.name.startswith("lotsen.mail")]
    assert [r.getMessage().split(" (")[0] for r in lines] == [
        "Mail worker: database unavailable",
        "Mail worker: database up again, sending",
    ]
    assert all(r.exc_info is None for r in lines)


def test_the_mail_loop_survives_an_smtp_outage_with_one_log_line(
    app, runner, start_smtp_server, monkeypatch, caplog
):
    queue_reset_mail(UserFactory())
    queue_reset_mail(UserFactory())
    delays = []
    inboxes = []

    def sleep(seconds):
        delays.append(seconds)
        if len(delays) == 2:  # the SMTP server is back
            inboxes.append(start_smtp_server())
            make_due_now()

    monkeypatch.setattr(time, "sleep", sleep)
    with caplog.at_level(logging.INFO):
        result = runner.invoke(
            args=["lotsen", "send-mail", "--loop", "--interval", "5", "--max-passes", "5"]
        )

    assert result.exit_code == 0, result.output
    assert delays == [5, 10, 5, 5]  # one message failed on each pass, then all went out
    assert len(inboxes[0].messages) == 2
    lines = [r for r in caplog.records if r.name.startswith("lotsen.mail")]
    assert [r.getMessage().split(" (")[0] for r in lines] == [
        "Mail worker: SMTP server unavailable",
        "Mail worker: SMTP server up again, sending",
    ]
    assert all(r.exc_info is None for r in lines)


class InboxThatTakesTheDatabaseAway(Inbox):
    """Accepts the message, and at that moment the database loses the outbox table: the sender
    cannot record the delivery it just made."""

    def __init__(self, engine):
        super().__init__()
        self.engine = engine

    async def handle_DATA(self, server, session, envelope):
        with self.engine.begin() as connection:
            connection.execute(text("ALTER TABLE outbox_messages RENAME TO outbox_messages_away"))
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.commits  # the SMTP thread alters the table on its own connection
def test_a_delivery_the_database_could_not_record_is_recorded_when_it_is_back(
    app, runner, start_smtp_server, monkeypatch
):
    inbox = start_smtp_server(InboxThatTakesTheDatabaseAway(db.engine))
    queue_reset_mail(UserFactory())
    db.session.commit()
    delays = []

    def sleep(seconds):
        delays.append(seconds)
        if len(delays) == 1:  # the database is back, long before the message's lease ends
            rename_outbox("outbox_messages_away", "outbox_messages")

    monkeypatch.setattr(time, "sleep", sleep)
    result = runner.invoke(
        args=["lotsen", "send-mail", "--loop", "--interval", "5", "--max-passes", "3"]
    )

    assert result.exit_code == 0, result.output
    assert len(inbox.messages) == 1
    db.session.remove()
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.status == OutboxStatus.SENT and message.sent_at is not None
    assert message.claimed_until is None
