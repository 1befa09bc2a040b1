"""Queueing and delivering e-mail through the outbox table.

A mail is a row written in the same transaction as the change that causes it (queue_mail). A
sender (`flask lotsen send-mail`, once from cron or as a --loop worker) claims one due message at
a time with a short lease, sends it and records the outcome; a message that cannot be built or
is refused is marked failed with its reason, and the others still go out.
"""

import contextlib
import html
import logging
import smtplib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.logging_setup import redact
from lotsen.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus, new_message_id
from lotsen.mail.rendering import (
    SIGNATURE_SEPARATOR,
    clean_header,
    html_to_text,
    markdown_to_html,
    split_signature,
)
from lotsen.settings import SETTING_DEFAULTS, stored_settings

log = logging.getLogger(__name__)

SIGNATURE_SETTINGS = ("team_name", "organisation_name", "team_phone", "team_email")
# Failures that say nothing about the message: the server (or our account on it) is unreachable.
# (Every SMTPException is an OSError too; a plain OSError is a network failure.)
OUTAGE_SMTP_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPSenderRefused,  # our own From address: a setting, not this message
    smtplib.SMTPNotSupportedError,
)


@dataclass(frozen=True)
class MailAttachment:
    """A file to send with a mail; `content_type` may carry parameters ("text/calendar;
    method=REQUEST")."""

    filename: str
    content_type: str
    data: bytes


# --- Queueing --------------------------------------------------------------------------------


def queue_mail(
    recipient: str,
    subject,
    template: str,
    locale: str | None = None,
    attachments: Sequence[MailAttachment] = (),
    first_of_case: bool = False,
    thread: tuple[str, str] | None = None,
    **context,
) -> OutboxMessage:
    """Render a Markdown mail template and add it to the outbox in the current transaction.

    Mail is written in the recipient's language (`locale`; mail to a case's business owner in
    the language they used on the form; else the site's, Swedish), not in the language of
    whoever caused it: pass `subject` as a lazy_gettext string. Values in the template are
    HTML-escaped. A mail about a `case` (in the context) carries its case number in the subject
    and refers to the case's first mail, so mail programs show one conversation. `attachments`
    are stored with the message and sent as MIME parts. `first_of_case` says the case was
    created in this transaction, so there is no earlier mail to look up and refer to. `thread` is
    (In-Reply-To, References) when the mail answers a particular mail of the case rather than the
    case's first. Mail to the case's contact gets the case's own reply address as Reply-To
    (INBOUND_ADDRESS).
    """
    case = context.get("case")
    if locale is None and case is not None and recipient == case.submitter_email:
        locale = case.submitter_locale
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        body = render_mail_template(template, {"signature": signature(), **context})
        subject = str(subject)
    message = OutboxMessage(
        recipient=recipient,
        subject=subject_with_case_number(subject, case),
        body_text=body,
        locale=locale,
        message_id=new_message_id(),
        case_id=case.id if case is not None else None,
        in_reply_to=(first_message_id(case.id) if case is not None and not first_of_case else None),
    )
    if thread is not None:
        message.in_reply_to, message.references = thread
    if case is not None and recipient == case.submitter_email:
        message.reply_to = reply_address(case.reply_token)
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


def render_mail_template(template: str, context: dict) -> str:
    """Render with HTML autoescaping on (whatever the file's extension), in our own template
    cache so that the web pages' non-escaping compilation of a template is never reused."""
    environment = current_app.extensions.get("lotsen_mail_templates")
    if environment is None:
        environment = current_app.jinja_env.overlay(autoescape=True, cache_size=100)
        current_app.extensions["lotsen_mail_templates"] = environment
    return environment.get_template(template).render(context)


def signature() -> list[str]:
    """The lines every mail is signed with: team, municipality, phone, address (settings)."""
    stored = stored_settings()
    lines = (stored.get(key, SETTING_DEFAULTS[key]) for key in SIGNATURE_SETTINGS)
    return [line for line in (clean_header(line, 200) for line in lines) if line]


def subject_with_case_number(subject: str, case) -> str:
    """One clean line; a mail about a case names its number, so the subject always has it."""
    if case is None or case.number in subject:
        return clean_header(subject)
    suffix = f" – {case.number}"
    return clean_header(subject, 250 - len(suffix)) + suffix


def reply_address(token: str | None) -> str | None:
    """The case's reply address, <local>+<token>@<domain> of INBOUND_ADDRESS (None if unset)."""
    team = parseaddr(current_app.config.get("INBOUND_ADDRESS") or "")[1]
    local, _at, domain = team.partition("@")
    if not (token and local and domain):
        return None
    return clean_header(f"{local}+{token}@{domain}", 254)


def first_message_id(case_id: int) -> str | None:
    """The Message-ID of the first mail about a case (usually the receipt): the thread's root."""
    return db.session.scalar(
        select(OutboxMessage.message_id)
        .where(OutboxMessage.case_id == case_id)
        .order_by(OutboxMessage.id)
        .limit(1)
    )


# --- Building --------------------------------------------------------------------------------


class UnbuildableMail(ValueError):
    """The stored message cannot become an e-mail (sending it again will not help)."""


def build_email(message: OutboxMessage) -> EmailMessage:
    """multipart/alternative: a plain-text and an HTML part rendered from the same Markdown,
    with any attachments around them (multipart/mixed). Every header value is cleaned here."""
    recipient = message.recipient or ""
    if clean_header(recipient, 254) != recipient or "@" not in recipient:
        raise UnbuildableMail(f"invalid recipient address {recipient[:100]!r}")
    body, signature_text = split_signature(message.body_text)
    body_html = markdown_to_html(body)
    signature_lines = [html.unescape(line) for line in signature_text.split("\n") if line]
    plain = html_to_text(body_html)
    if signature_lines:
        plain += "\n" + SIGNATURE_SEPARATOR + "\n".join(signature_lines)
    email = EmailMessage()
    email["From"] = clean_header(current_app.config["MAIL_SENDER"])
    email["To"] = recipient
    email["Subject"] = clean_header(message.subject)
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = clean_header(message.message_id)
    if message.reply_to:
        email["Reply-To"] = clean_header(message.reply_to, 254)
    if message.in_reply_to:
        email["In-Reply-To"] = clean_header(message.in_reply_to)
        email["References"] = clean_header(message.references or message.in_reply_to, 2000)
    email.set_content(plain + "\n")
    email.add_alternative(
        html_document(body_html, signature_lines, message.subject, message.locale),
        subtype="html",
    )
    for attachment in message.attachments:
        add_attachment(email, attachment)
    # Last: making the alternative (or mixed) part moves Content-* headers into the first part.
    email["Content-Language"] = clean_header(message.locale, 5)
    return email


def html_document(body_html: str, signature_lines: list[str], subject: str, locale: str) -> str:
    signature_html = "<br>".join(str(escape(line)) for line in signature_lines)
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(clean_header(locale, 5))}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(clean_header(subject))}</title>\n</head>\n"
        '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 16px; '
        'line-height: 1.5; color: #1a1a1a; max-width: 40em;">\n'
        f"{body_html}\n"
        f'<p style="color: #4d4d4d; border-top: 1px solid #ccc; padding-top: 0.5em;">'
        f"{signature_html}</p>\n</body>\n</html>\n"
    )


def add_attachment(email: EmailMessage, attachment: OutboxAttachment) -> None:
    """Attach the stored bytes unchanged (base64), keeping e.g. the CRLF line ends of an .ics."""
    mime_type, *raw_params = (part.strip() for part in attachment.content_type.split(";"))
    maintype, _slash, subtype = mime_type.partition("/")
    params = dict(param.split("=", 1) for param in raw_params if "=" in param)
    email.add_attachment(
        attachment.data,
        maintype=maintype or "application",
        subtype=subtype or "octet-stream",
        filename=clean_header(attachment.filename, 255),
        params={clean_header(k): clean_header(v) for k, v in params.items()},
    )


def readable(email: EmailMessage) -> str:
    """The mail as a person reads it (the console backend): headers and text decoded."""
    lines = [
        f"{name}: {value}"
        for name, value in email.items()
        if name not in ("MIME-Version", "Content-Type", "Content-Transfer-Encoding")
    ]
    text = email.get_body(preferencelist=("plain",))
    names = [part.get_filename() for part in email.iter_attachments()]
    lines += ["", text.get_content().rstrip() if text is not None else ""]
    lines += [f"[attachment: {name}]" for name in names]
    return "\n".join(lines)


# --- Sending ---------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])


def due_and_free(now):
    return (
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def claim_next_message() -> int | None:
    """Take a lease on the oldest due message nobody else holds; its id, or None if none is due.

    Each claim is a conditional UPDATE in its own short transaction: of two senders that pick
    the same row, one updates it and the other sees rowcount 0 and tries the next. The lease
    covers one message (MAIL_CLAIM_SECONDS, far longer than one delivery), not a batch.
    """
    while True:
        now = utcnow()
        candidates = db.session.scalars(
            select(OutboxMessage.id).where(*due_and_free(now)).order_by(OutboxMessage.id).limit(10)
        ).all()
        db.session.commit()  # end the read: the UPDATE must start its own transaction
        if not candidates:
            return None
        for message_id in candidates:
            result = db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, *due_and_free(now))
                .values(claimed_until=now + lease())
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            if result.rowcount == 1:
                return message_id


def claim_due_messages(limit: int = 50) -> list[int]:
    """Claim up to `limit` due messages (one lease each) and return their ids."""
    claimed = []
    while len(claimed) < limit and (message_id := claim_next_message()) is not None:
        claimed.append(message_id)
    return claimed


def record_outcome(message_id: int, **values) -> None:
    """Write a delivery's outcome and give up the lease, in one write-only transaction."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def one_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:500]


def is_outage(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPException):
        return isinstance(error, OUTAGE_SMTP_ERRORS)
    return isinstance(error, OSError)


def is_permanent(error: Exception) -> bool:
    """A 5xx answer about this message (not about the connection): retrying will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


class MailSender:
    """Delivers due outbox messages over one SMTP connection per pass.

    After a pass, `outage` holds a one-line description if the SMTP server could not be
    reached (the pass stops at the first such failure; the worker backs off)."""

    def __init__(self, before_pass: Callable[[], object] | None = None):
        self.smtp: smtplib.SMTP | None = None
        self.outage: str | None = None
        # Work that queues mail and belongs to the worker (e.g. queued password resets).
        self.before_pass = before_pass
        # Deliveries the server accepted while the database could not record them: written
        # first thing in the next pass, long before their lease ends, so they are not resent.
        self.unrecorded: dict[int, dict] = {}

    def run_pass(self, limit: int | None = None) -> tuple[int, int]:
        """Send every due message (or `limit` of them). Returns (sent, failed)."""
        self.outage = None
        sent = failed = 0
        self.record_unrecorded()
        if self.before_pass is not None:
            self.before_pass()
            db.session.commit()
        try:
            while limit is None or sent + failed < limit:
                message_id = claim_next_message()
                if message_id is None:
                    break
                if self.send_one(message_id):
                    sent += 1
                else:
                    failed += 1
                if self.outage:
                    break
        finally:
            self.close()
        return sent, failed

    def send_one(self, message_id: int) -> bool:
        message = db.session.get(OutboxMessage, message_id)
        attempts = message.attempts + 1
        try:
            email = build_email(message)
        except Exception as error:  # any bad value must cost one message, never the queue
            db.session.rollback()
            log.warning("Outbox message %s cannot be built: %s", message_id, one_line(error))
            record_outcome(
                message_id,
                attempts=attempts,
                status=OutboxStatus.FAILED,
                last_error=f"Cannot be built: {one_line(error)}"[:500],
            )
            return False
        recipient, delivered_body = message.recipient, redact(message.body_text)
        db.session.commit()  # no transaction stays open while we talk to the server
        try:
            self.deliver(email, recipient)
        except Exception as error:
            self.close()
            self.record_failure(message_id, attempts, error)
            return False
        # The record of what was sent keeps no working status, password or survey link.
        self.unrecorded[message_id] = dict(
            attempts=attempts,
            status=OutboxStatus.SENT,
            sent_at=utcnow(),
            last_error=None,
            body_text=delivered_body,
        )
        self.record_unrecorded()
        return True

    def record_unrecorded(self) -> None:
        """Record the deliveries not yet written; a database error propagates (the worker
        backs off) and they stay here for the next pass."""
        for message_id, values in list(self.unrecorded.items()):
            try:
                record_outcome(message_id, **values)
            except SQLAlchemyError:
                reset_session()
                raise
            del self.unrecorded[message_id]

    def record_failure(self, message_id: int, attempts: int, error: Exception) -> None:
        reason = one_line(error)
        values = {"attempts": attempts, "last_error": reason}
        if is_outage(error):
            self.outage = reason
        elif not isinstance(error, smtplib.SMTPException) or is_permanent(error):
            # Refused for good (5xx), or something in the message the SMTP library rejects.
            log.warning("Outbox message %s failed: %s", message_id, reason)
            record_outcome(message_id, status=OutboxStatus.FAILED, **values)
            return
        if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            values["status"] = OutboxStatus.FAILED
        else:
            values["next_attempt_at"] = utcnow() + backoff(attempts)
        record_outcome(message_id, **values)

    def deliver(self, email: EmailMessage, recipient: str) -> None:
        if current_app.config["MAIL_BACKEND"] == "console":
            sys.stdout.write(f"\n----- e-mail -----\n{readable(email)}\n------------------\n")
            sys.stdout.flush()
            return
        if self.smtp is None:
            self.smtp = open_smtp()
        self.smtp.send_message(email, to_addrs=[recipient])

    def close(self) -> None:
        if self.smtp is not None:
            smtp, self.smtp = self.smtp, None
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def open_smtp() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
    try:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_due_mail(limit: int | None = None) -> tuple[int, int]:
    """Deliver every due outbox message (or `limit` of them). Returns (sent, failed)."""
    return MailSender().run_pass(limit)


SMTP_DOWN = "SMTP server unavailable"
DATABASE_DOWN = "database unavailable"


def run_worker(
    interval: float,
    max_passes: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[int, int], None] | None = None,
    before_pass: Callable[[], object] | None = None,
) -> None:
    """Send mail pass after pass until stopped. A database or SMTP outage does not stop the
    worker: it logs one line when the outage starts and one when it ends, and waits twice as
    long after each failed pass (up to MAIL_MAX_BACKOFF_SECONDS)."""
    sender = MailSender(before_pass)
    passes = failures = 0
    outage, delay = None, interval
    while True:
        sent = failed = 0
        problem = detail = None
        try:
            sent, failed = sender.run_pass()
            if sender.outage:
                problem, detail = SMTP_DOWN, sender.outage
        except SQLAlchemyError as error:
            reset_session()
            problem, detail = DATABASE_DOWN, one_line(error)
        if report is not None and (sent or failed):
            report(sent, failed)
        if problem:
            failures += 1
            if outage != problem:
                log.warning("Mail worker: %s (%s); retrying with backoff", problem, detail)
                outage = problem
            delay = min(
                interval * 2 ** (failures - 1), current_app.config["MAIL_MAX_BACKOFF_SECONDS"]
            )
        elif outage == SMTP_DOWN and not (sent or failed):
            pass  # nothing was due, so nothing tells whether the server is back: wait as before
        elif outage:
            log.warning("Mail worker: %s again, sending", outage.replace("unavailable", "up"))
            outage, failures, delay = None, 0, interval
        db.session.remove()
        passes += 1
        if max_passes is not None and passes >= max_passes:
            return
        sleep(delay)


def reset_session() -> None:
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    db.session.remove()


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue (an admin's action)."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_until = None
