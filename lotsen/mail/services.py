"""Queueing and delivering e-mail through the outbox table."""

import smtplib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus

CLAIM_SECONDS = 120


@dataclass(frozen=True)
class MailAttachment:
    """A file to send with a mail; `content_type` may carry parameters ("text/calendar;
    method=REQUEST")."""

    filename: str
    content_type: str
    data: bytes


def queue_mail(
    recipient: str,
    subject,
    template: str,
    locale: str | None = None,
    attachments: Sequence[MailAttachment] = (),
    **context,
) -> OutboxMessage:
    """Render a plain-text mail template and add it to the outbox in the current transaction.

    Mail is written in the recipient's language (`locale`, default the site's, Swedish), not in
    the language of whoever caused it: pass `subject` as a lazy_gettext string. `attachments`
    are stored with the message and sent as MIME parts.
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(template, **context)
        subject = str(subject)
    message = OutboxMessage(recipient=recipient, subject=subject, body_text=body)
    for attachment in attachments:
        message.attachments.append(
            OutboxAttachment(
                filename=attachment.filename,
                content_type=attachment.content_type,
                data=attachment.data,
            )
        )
    db.session.add(message)
    db.session.flush()
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def claim_due_messages(limit: int = 50) -> list[int]:
    """Mark up to `limit` due messages as owned by this sender and return their ids.

    The conditional UPDATE makes the claim safe when several senders run at once: a row is
    only claimed if nobody else holds an unexpired claim on it.
    """
    now = utcnow()
    due_ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    claimed = []
    for message_id in due_ids:
        result = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == OutboxStatus.PENDING,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return claimed


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"lotsen-{message.id}")
    email.set_content(message.body_text)
    for attachment in message.attachments:
        add_attachment(email, attachment)
    return email


def add_attachment(email: EmailMessage, attachment: OutboxAttachment) -> None:
    """Attach the stored bytes unchanged (base64), keeping e.g. the CRLF line ends of an .ics."""
    mime_type, *raw_params = (part.strip() for part in attachment.content_type.split(";"))
    maintype, _slash, subtype = mime_type.partition("/")
    params = dict(param.split("=", 1) for param in raw_params if "=" in param)
    email.add_attachment(
        attachment.data,
        maintype=maintype or "application",
        subtype=subtype or "octet-stream",
        filename=attachment.filename,
        params=params,
    )


def open_smtp() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config["SMTP_USERNAME"]:
        smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
    return smtp


def deliver(email: EmailMessage) -> None:
    if current_app.config["MAIL_BACKEND"] == "console":
        sys.stdout.write(f"\n----- e-mail -----\n{email}\n------------------\n")
        sys.stdout.flush()
        return
    with open_smtp() as smtp:
        smtp.send_message(email)


def send_due_mail(limit: int = 50) -> tuple[int, int]:
    """Deliver due outbox messages. Returns (sent, failed) counts for this pass."""
    sent = failed = 0
    for message_id in claim_due_messages(limit):
        message = db.session.get(OutboxMessage, message_id)
        message.attempts += 1
        try:
            deliver(build_email(message))
        except (OSError, smtplib.SMTPException) as error:
            failed += 1
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            message.claimed_until = None
            if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
                message.status = OutboxStatus.FAILED
            else:
                message.next_attempt_at = utcnow() + backoff(message.attempts)
        else:
            sent += 1
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = None
        db.session.commit()
    return sent, failed


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue (an admin's action)."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_until = None
