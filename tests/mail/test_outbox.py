from datetime import timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header

from flask import current_app
from sqlalchemy import select, update

from lotsen.accounts.services import send_password_link
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail import services
from lotsen.mail.models import OutboxMessage, OutboxStatus
from tests.factories import UserFactory


def queue_reset_mail(user):
    with current_app.test_request_context():
        send_password_link(user)
    db.session.commit()


def outbox():
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def make_due_now():
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()


def subject_of(envelope):
    message = message_from_bytes(envelope.content)
    return str(make_header(decode_header(message["Subject"])))


def plain_text_of(envelope) -> str:
    message = message_from_bytes(envelope.content, policy=policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def test_outbox_mail_is_delivered_over_smtp_exactly_once(app, start_smtp_server):
    inbox = start_smtp_server()
    user = UserFactory(email="karin.lindqvist@kommun.example")
    queue_reset_mail(user)

    assert services.send_due_mail() == (1, 0)
    assert services.send_due_mail() == (0, 0)

    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["karin.lindqvist@kommun.example"]
    assert subject_of(envelope) == "Återställ ditt lösenord i Lotsen"
    body = plain_text_of(envelope)
    assert "/konto/nytt-losenord/" in body
    [message] = outbox()
    assert message.status == OutboxStatus.SENT and message.sent_at is not None


def test_smtp_down_keeps_the_mail_and_retries_with_backoff(app, start_smtp_server):
    user = UserFactory()
    queue_reset_mail(user)

    assert services.send_due_mail() == (0, 1)  # nothing listens on the port yet
    [message] = outbox()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.last_error
    assert message.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert services.send_due_mail() == (0, 0)  # not due yet: backoff

    inbox = start_smtp_server()
    make_due_now()
    assert services.send_due_mail() == (1, 0)
    assert len(inbox.messages) == 1
    assert outbox()[0].status == OutboxStatus.SENT


def test_after_max_attempts_mail_is_marked_failed_and_an_admin_can_retry(app, start_smtp_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    queue_reset_mail(UserFactory())
    services.send_due_mail()
    make_due_now()
    services.send_due_mail()
    [message] = outbox()
    assert message.status == OutboxStatus.FAILED

    services.retry_message(message)
    db.session.commit()
    inbox = start_smtp_server()
    assert services.send_due_mail() == (1, 0)
    assert len(inbox.messages) == 1


def test_a_claimed_message_is_not_sent_by_a_second_sender(app, start_smtp_server):
    inbox = start_smtp_server()
    queue_reset_mail(UserFactory())
    first_claim = services.claim_due_messages()
    assert len(first_claim) == 1
    assert services.claim_due_messages() == []  # another sender finds nothing to take
    assert inbox.messages == []


def test_send_mail_command_reports_what_it_did(app, runner, start_smtp_server):
    inbox = start_smtp_server()
    queue_reset_mail(UserFactory())
    result = runner.invoke(args=["lotsen", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed" in result.output
    assert len(inbox.messages) == 1


def test_admin_sees_failed_mail_and_can_requeue_it(app, client, login, start_smtp_server):
    from lotsen.accounts.models import Role

    app.config["MAIL_MAX_ATTEMPTS"] = 1
    queue_reset_mail(UserFactory(email="trasig@kommun.example"))
    services.send_due_mail()
    login(Role.ADMIN)
    page = client.get("/admin/e-post?status=failed").get_data(as_text=True)
    assert "trasig@kommun.example" in page and "Försök igen" in page
    [message] = outbox()
    client.submit(f"/admin/e-post/{message.id}/forsok-igen", {}, page_url="/admin/e-post")
    assert outbox()[0].status == OutboxStatus.PENDING
