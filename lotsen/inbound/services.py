"""Processing one inbound e-mail: a reply lands in its case, a new mail opens a case.

`process_inbound_message` is called by the IMAP worker (and tests, and the benchmark) for each
message read from a mailbox. It adds everything to the current transaction and flushes; the
caller commits once and only then moves the message on the server, so a message is never lost
(not moved before it is saved) and never processed twice (its Message-ID, and its mailbox +
UIDVALIDITY + UID, are unique: a second delivery of it is recorded as a no-op).
"""

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload
from werkzeug.datastructures import FileStorage

from lotsen.accounts.models import User
from lotsen.cases import services as cases
from lotsen.cases.attachments import (
    MAX_FILES,
    AttachmentError,
    StoredFile,
    read_upload,
    store_pending,
)
from lotsen.cases.models import Case, CaseStatus, Category, Channel, Message
from lotsen.cases.numbering import PREFIX
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.inbound import content
from lotsen.inbound.mime import header_text
from lotsen.inbound.models import InboundMessage, InboundOutcome
from lotsen.mail.models import OutboxMessage
from lotsen.mail.rendering import clean_header
from lotsen.mail.services import queue_mail
from lotsen.settings import SETTING_DEFAULTS, stored_settings
from lotsen.urls import external_url

log = logging.getLogger(__name__)

CASE_NUMBER = re.compile(rf"\b{PREFIX}-(\d{{4}})-(\d{{4,6}})\b", re.IGNORECASE)
REPLY_TOKEN = re.compile(r"[0-9a-fA-F]{32}")
MAX_BODY_CHARS = 50_000
MAX_SUBJECT_CHARS = 200
# In-Reply-To and References: at most this many Message-IDs are looked up.
MAX_THREAD_IDS = 20
FINISHED = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.SPAM)


class InboundError(ValueError):
    """A mail that cannot be processed; the message (English) is the reason kept for the admin."""


@dataclass
class Outcome:
    record: InboundMessage
    duplicate: bool = False


# --- Entry point ----------------------------------------------------------------------------


def process_inbound_message(
    raw: bytes, *, mailbox: str, uidvalidity: int | None = None, uid: int | None = None
) -> Outcome:
    """Process one e-mail in the current transaction (keyed by its Message-ID and UID).

    A message seen before (same Message-ID, or same mailbox/UIDVALIDITY/UID) is a no-op and
    comes back with `duplicate=True`. Anything that goes wrong inside is caught: the work done
    for it is rolled back (a savepoint), and the message is recorded as failed with the reason,
    for the admin list. The caller commits.
    """
    mailbox = clean_header(mailbox, 100)
    msg = parse(raw)
    message_id = message_id_of(msg, raw)
    existing = find_existing(message_id, mailbox, uidvalidity, uid)
    if existing is not None:
        return Outcome(existing, duplicate=True)
    record = InboundMessage(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=message_id,
        sender=sender_of(msg),
        subject=clean_header(header(msg, "Subject"), 250),
        size=len(raw),
        raw=raw[: current_app.config["INBOUND_MAX_BYTES"]],
        outcome=InboundOutcome.FAILED,
    )
    if msg is None:
        record.reason = unreadable_reason(raw)
    else:
        try:
            with db.session.begin_nested():
                handle(record, msg)
        except Exception as error:  # any bad mail costs that one mail, never the queue
            log.warning("Inbound mail %s failed: %s", message_id[:100], error)
            record.outcome = InboundOutcome.FAILED
            record.reason = f"{type(error).__name__}: {error}"[:500]
            record.case_id = record.case_message_id = None
    db.session.add(record)
    db.session.flush()
    return Outcome(record)


def record_failure(raw: bytes, *, mailbox: str, uidvalidity, uid, reason: str) -> Outcome:
    """Record a mail the worker could not process at all (a fresh transaction after a crash
    inside processing), so that it is listed for the admin; a known one is left as it is."""
    msg = parse(raw)
    message_id = message_id_of(msg, raw)
    existing = find_existing(message_id, mailbox, uidvalidity, uid)
    if existing is not None:
        return Outcome(existing, duplicate=True)
    record = InboundMessage(
        mailbox=clean_header(mailbox, 100),
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=message_id,
        sender=sender_of(msg),
        subject=clean_header(header(msg, "Subject"), 250),
        size=len(raw),
        raw=raw[: current_app.config["INBOUND_MAX_BYTES"]],
        outcome=InboundOutcome.FAILED,
        reason=reason[:500],
    )
    db.session.add(record)
    db.session.flush()
    return Outcome(record)


def handle(record: InboundMessage, msg: EmailMessage) -> None:
    """Decide what the mail is and act on it, filling in the record's outcome."""
    if record.sender and record.sender in own_addresses():
        record.outcome = InboundOutcome.IGNORED
        return
    failure = content.delivery_report(msg)
    if failure is not None:
        handle_bounce(record, msg, failure)
        return
    case = find_case(msg, record.sender)
    if content.is_auto_reply(msg):
        record.outcome = InboundOutcome.AUTO_REPLY
        record.case_id = case.id if case is not None else None
        return
    if not record.sender:
        raise InboundError("No sender address")
    if throttled(record.sender):
        record.outcome = InboundOutcome.THROTTLED
        record.reason = (
            f"More than {current_app.config['INBOUND_MAX_PER_SENDER_PER_HOUR']} mails "
            "from this sender in the last hour"
        )
        return
    if case is not None and case.status not in FINISHED:
        add_reply(record, msg, case)
    else:
        open_case_from_mail(record, msg)


# --- Parsing --------------------------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage | None:
    """The parsed mail, or None when it cannot be read at all (the record says why)."""
    try:
        return content.parse_message(raw, max_bytes=current_app.config["INBOUND_MAX_BYTES"])
    except content.UnreadableMessage:
        return None


def unreadable_reason(raw: bytes) -> str:
    try:
        content.parse_message(raw, max_bytes=current_app.config["INBOUND_MAX_BYTES"])
    except content.UnreadableMessage as error:
        return error.reason[:500]
    return ""


def header(msg: EmailMessage | None, name: str) -> str:
    """A header's value as readable text, "" when missing (never raises)."""
    return header_text(msg, name) if msg is not None else ""


def bracketed(message_id: str) -> str:
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def message_id_of(msg: EmailMessage | None, raw: bytes) -> str:
    """The mail's Message-ID; a mail without one is keyed by the hash of its bytes."""
    own = content.message_ids(msg)[0] if msg is not None else None
    if own and len(own) <= 240:
        return bracketed(own)
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@lotsen.invalid>"


def sender_of(msg: EmailMessage | None) -> str:
    """The sender's address, lower-case ("" if there is none)."""
    address = content.sender_address(msg) if msg is not None else None
    return (address or "")[:254]


def sender_name(msg: EmailMessage) -> str:
    name, address = parseaddr(header(msg, "From"))
    return clean_header(name or address.partition("@")[0] or "Okänd avsändare", 120)


def thread_ids(msg: EmailMessage) -> list[str]:
    """The Message-IDs the mail answers (In-Reply-To first, then References, newest first)."""
    return [bracketed(found) for found in content.message_ids(msg)[1][:MAX_THREAD_IDS]]


def find_existing(message_id, mailbox, uidvalidity, uid) -> InboundMessage | None:
    same_uid = (
        (InboundMessage.mailbox == mailbox)
        & (InboundMessage.uidvalidity == uidvalidity)
        & (InboundMessage.uid == uid)
        if uid is not None
        else None
    )
    condition = InboundMessage.message_id == message_id
    if same_uid is not None:
        condition = or_(condition, same_uid)
    return db.session.scalar(select(InboundMessage).where(condition).limit(1))


# --- Who and which case ---------------------------------------------------------------------


def own_addresses() -> set[str]:
    """The team's own addresses: mail from them is never processed (no loops)."""
    config = current_app.config
    candidates = [config.get("MAIL_SENDER"), config.get("INBOUND_ADDRESS")]
    candidates += list(config.get("INBOUND_IGNORED_SENDERS") or [])
    candidates += [mailbox.get("username") for mailbox in config.get("INBOUND_MAILBOXES") or []]
    candidates.append(stored_settings().get("team_email") or SETTING_DEFAULTS.get("team_email"))
    addresses = {parseaddr(str(value))[1].lower() for value in candidates if value}
    return {address for address in addresses if "@" in address}


def token_from_addresses(addresses: list[str]) -> str | None:
    """The reply token in a plus-address of the team's address (lotsgruppen+<token>@…)."""
    team = parseaddr(current_app.config.get("INBOUND_ADDRESS") or "")[1].lower()
    local, _at, domain = team.partition("@")
    if not local:
        return None
    for address in addresses:
        token = content.plus_token(address, local)
        if token and address.rpartition("@")[2] == domain and REPLY_TOKEN.fullmatch(token):
            return token.lower()
    return None


# A case answered by mail needs its lead's address, not the lead's roles and departments (which
# a Case loads eagerly for the pages); they are read only if something asks for them.
LEAN_CASE = (lazyload(Case.lead, User.role_rows), lazyload(Case.lead, User.departments))


def find_case(msg: EmailMessage, sender: str) -> Case | None:
    """The case a mail answers: by its reply address, by the Message-IDs it answers, or by the
    case number in the subject when the sender is the case's contact (in that order)."""
    token = token_from_addresses(content.recipient_addresses(msg))
    if token:
        case = db.session.scalar(select(Case).where(Case.reply_token == token).options(*LEAN_CASE))
        if case is not None:
            return case
    ids = thread_ids(msg)
    if ids:
        case_id = db.session.scalar(
            select(OutboxMessage.case_id)
            .where(OutboxMessage.message_id.in_(ids), OutboxMessage.case_id.is_not(None))
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        ) or db.session.scalar(
            select(Message.case_id).where(Message.email_message_id.in_(ids)).limit(1)
        )
        if case_id is not None:
            return db.session.get(Case, case_id, options=LEAN_CASE)
    found = CASE_NUMBER.search(header(msg, "Subject"))
    if found and sender:
        number = f"{PREFIX}-{found.group(1)}-{int(found.group(2)):04d}"
        case = db.session.scalar(select(Case).where(Case.number == number).options(*LEAN_CASE))
        if case is not None and case.submitter_email == sender:
            return case
    return None


def throttled(sender: str) -> bool:
    """Whether the sender's mail already opened or joined cases N times in the last hour."""
    limit = current_app.config["INBOUND_MAX_PER_SENDER_PER_HOUR"]
    count = db.session.scalar(
        select(func.count())
        .select_from(InboundMessage)
        .where(
            InboundMessage.sender == sender,
            InboundMessage.received_at > utcnow() - timedelta(hours=1),
            InboundMessage.outcome.in_([InboundOutcome.REPLY, InboundOutcome.NEW_CASE]),
        )
    )
    return count >= limit


# --- Replies and new cases ------------------------------------------------------------------


def mail_text(msg: EmailMessage) -> str:
    """The mail's text as shown on the case: quoted history and signature trimmed."""
    text = content.trim_reply(content.body_text(msg)).strip()
    return text[:MAX_BODY_CHARS]


def checked_files(msg: EmailMessage, owner_key: str) -> tuple[list[StoredFile], list[str]]:
    """The mail's attachments through the web form's checks (type from the content, size,
    virus scan) and kept as pending uploads; the refused ones named in the second list."""
    files, refused = [], []
    for attachment in content.attachments(msg):
        if len(files) >= MAX_FILES:
            refused.append(_("%(name)s (högst %(n)d filer)", name=attachment.filename, n=MAX_FILES))
            continue
        storage = FileStorage(io.BytesIO(attachment.data), filename=attachment.filename)
        try:
            filename, data, content_type = read_upload(storage)
            files.append(store_pending(filename, data, content_type, owner_key))
        except AttachmentError as error:
            refused.append(str(error))
    return files, refused


def body_with_notes(text: str, files: list[StoredFile], refused: list[str]) -> str:
    if not text:
        text = _("(Meddelandet har ingen text.)") if not files else _("(Bifogade filer.)")
    if refused:
        text += (
            "\n\n"
            + _("Bilagor som inte togs emot:")
            + "\n"
            + "\n".join(f"- {reason}" for reason in refused)
        )
    return text


def add_reply(record: InboundMessage, msg: EmailMessage, case: Case) -> None:
    """The company's mail becomes its message on the case, exactly like a reply on the status
    page (waiting or answered → in progress, the lead notified, the clock running again)."""
    files, refused = checked_files(msg, f"mail:{record.mailbox}")
    message = cases.submitter_reply(
        case,
        body_with_notes(mail_text(msg), files, refused),
        files,
        channel=Channel.EMAIL,
        email_message_id=record.message_id,
    )
    if case.contact_bouncing and record.sender == case.submitter_email:
        case.contact_bouncing = False
    record.outcome = InboundOutcome.REPLY
    record.case_id = case.id
    record.case_message_id = message.id


def inbound_category_id() -> int:
    name = current_app.config.get("INBOUND_CATEGORY")
    query = select(Category.id).where(Category.active)
    if name:
        query = query.where(Category.name == name)
    category_id = db.session.scalar(query.order_by(Category.sort_order, Category.id).limit(1))
    if category_id is None:
        raise InboundError("No active category for cases opened by e-mail (INBOUND_CATEGORY)")
    return category_id


def open_case_from_mail(record: InboundMessage, msg: EmailMessage) -> None:
    """A new mail opens a case in triage, exactly as the web form does (receipt with the status
    link), with channel e-mail, the sender as contact and the org number from the signature."""
    text = content.body_text(msg)
    files, refused = checked_files(msg, f"mail:{record.mailbox}")
    subject = clean_header(header(msg, "Subject"), MAX_SUBJECT_CHARS) or _("(Inget ämne)")
    org_number = content.org_number_from_text(text)
    submission = cases.Submission(
        submitter_name=sender_name(msg),
        subject=subject,
        description=body_with_notes(mail_text(msg), files, refused),
        category_id=inbound_category_id(),
        submitter_email=record.sender,
        org_number=org_number,
        preferred_contact="email",
        channel=Channel.EMAIL,
        files=files,
        email_message_id=record.message_id,
        privacy_acknowledged=False,  # nobody ticked the form's box
    )
    case, question, _token = cases.open_case_with_question(submission)
    db.session.flush()  # the question's id
    record.outcome = InboundOutcome.NEW_CASE
    record.case_id = case.id
    record.case_message_id = question.id


# --- Delivery failures ----------------------------------------------------------------------


def handle_bounce(record: InboundMessage, msg: EmailMessage, failure) -> None:
    """A delivery failure report: the case's contact address is marked bouncing and the lead
    is told (once per case until the address works again)."""
    record.outcome = InboundOutcome.BOUNCE
    record.reason = clean_header(f"{failure.status} {failure.diagnostic}", 500) or None
    case = bounced_case(msg, failure)
    if case is None:
        return
    record.case_id = case.id
    if case.contact_bouncing:
        return
    case.contact_bouncing = True
    cases.record_event(
        case,
        None,
        "system",
        "contact_bouncing",
        details={"recipients": failure.recipients[:5], "status": failure.status[:20]},
    )
    if case.lead is not None and case.lead.active:
        queue_mail(
            case.lead.email,
            _l("E-post till företagaren kommer inte fram – %(number)s", number=case.number),
            "mail/case_contact_bouncing.txt",
            case=case,
            address=case.submitter_email or "",
            diagnostic=clean_header(failure.diagnostic, 300),
            link=external_url("cases.show", case_id=case.id),
        )


def bounced_case(msg: EmailMessage, failure) -> Case | None:
    """The case whose mail bounced: by the returned mail's Message-ID, else the reply token in
    the report, else the newest open case of the failed address."""
    ids = [bracketed(failure.original_message_id)] if failure.original_message_id else []
    ids += thread_ids(msg)
    if ids:
        case_id = db.session.scalar(
            select(OutboxMessage.case_id)
            .where(OutboxMessage.message_id.in_(ids), OutboxMessage.case_id.is_not(None))
            .limit(1)
        )
        if case_id is not None:
            return db.session.get(Case, case_id, options=LEAN_CASE)
    recipients = [address.lower() for address in failure.recipients if address][:10]
    if not recipients:
        return None
    return db.session.scalar(
        select(Case)
        .where(Case.submitter_email.in_(recipients), Case.status.not_in(list(FINISHED)))
        .order_by(Case.id.desc())
        .limit(1)
    )
