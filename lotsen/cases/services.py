"""Every write to a case: intake, messages, status links, edits. Views and CLI call these."""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lotsen.cases.attachments import StoredFile, promote_pending, store_bytes
from lotsen.cases.models import (
    Attachment,
    Case,
    CaseAccessToken,
    CaseEvent,
    CaseStatus,
    Category,
    Channel,
    Message,
)
from lotsen.cases.numbering import next_case_number
from lotsen.cases.workflow import TransitionError, change_status
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail.services import queue_mail
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.urls import external_url

SUBMITTER = "submitter"
OFFICIAL = "official"


class CaseError(ValueError):
    """A rule about cases was broken; the message is for the user (Swedish)."""


class EditConflict(CaseError):
    """Someone else saved the case after this form was opened."""


@dataclass
class Submission:
    """What a business owner (or an official on their behalf) tells us."""

    submitter_name: str
    subject: str
    description: str
    category_id: int
    submitter_email: str | None = None
    submitter_phone: str | None = None
    company_name: str = ""
    org_number: str | None = None  # normalised (OrgNumber.value) or None
    preferred_contact: str = "email"
    channel: Channel = Channel.WEB
    files: list[StoredFile] = field(default_factory=list)


# --- Status links ---------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_access_token(case: Case) -> str:
    """A new private status link token (256 random bits); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    days = current_app.config["STATUS_LINK_DAYS"]
    db.session.add(
        CaseAccessToken(
            case_id=case.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return token


def case_for_token(token: str) -> Case | None:
    """The case a valid, unexpired, unrevoked token opens, else None."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(CaseAccessToken).where(CaseAccessToken.token_hash == hash_token(token))
    )
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row.case


def revoke_access_tokens(case: Case) -> None:
    db.session.execute(
        update(CaseAccessToken)
        .where(CaseAccessToken.case_id == case.id, CaseAccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def status_url(token: str) -> str:
    return external_url("public.status", token=token)


def request_new_link(case_number: str, email: str) -> bool:
    """E-mail a fresh status link if number and address match; older links stop working."""
    case = db.session.scalar(select(Case).where(Case.number == case_number.strip().upper()))
    if case is None or not case.submitter_email:
        return False
    if case.submitter_email != email.strip().lower():
        return False
    revoke_access_tokens(case)
    token = issue_access_token(case)
    record_event(case, None, SUBMITTER, "link_issued")
    queue_mail(
        case.submitter_email,
        _l("Ny länk till ärende %(number)s", number=case.number),
        "mail/case_new_link.txt",
        case=case,
        link=status_url(token),
    )
    return True


# --- Intake ---------------------------------------------------------------------------------


def record_event(case, actor, actor_kind, kind, reason=None, details=None) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.id if actor is not None else None,
        actor_kind=actor_kind,
        kind=kind,
        reason=reason,
        details=details,
    )
    db.session.add(event)
    return event


def find_company_id(org_number: str | None) -> int | None:
    if not org_number:
        return None
    from lotsen.companies.services import find_company, resolve_merged

    company = find_company(org_number)
    return resolve_merged(company).id if company is not None else None


def attach_files(case: Case, message: Message, files: list[StoredFile]) -> None:
    for stored in files:
        promote_pending(stored)
        db.session.add(
            Attachment(
                case_id=case.id,
                message_id=message.id,
                filename=stored.filename,
                stored_name=stored.stored_name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
            )
        )


def open_case(submission: Submission, created_by=None, received_at: datetime | None = None):
    """Create a case with its first message, attachments, event and receipt mail.

    Returns (case, status_token). Everything is added to the current transaction, so the case,
    its files' records and the receipt e-mail are saved together or not at all.
    """
    category = db.session.get(Category, submission.category_id)
    if category is None or not category.active:
        raise CaseError(_("Välj en kategori i listan."))
    received_at = received_at or utcnow()
    serial, number = next_case_number(received_at.astimezone(STOCKHOLM).year)
    email = (submission.submitter_email or "").strip().lower() or None
    case = Case(
        number=number,
        year=received_at.astimezone(STOCKHOLM).year,
        serial=serial,
        status=CaseStatus.NEW,
        channel=submission.channel,
        category_id=category.id,
        company_id=find_company_id(submission.org_number),
        org_number=submission.org_number,
        company_name=submission.company_name.strip(),
        submitter_name=submission.submitter_name.strip(),
        submitter_email=email,
        submitter_phone=(submission.submitter_phone or "").strip() or None,
        preferred_contact=submission.preferred_contact,
        subject=submission.subject.strip(),
        received_at=received_at,
        privacy_acknowledged_at=received_at if created_by is None else None,
        created_by_id=created_by.id if created_by is not None else None,
    )
    db.session.add(case)
    db.session.flush()
    message = Message(
        case_id=case.id,
        author_kind=SUBMITTER,
        body=submission.description.strip(),
        created_at=received_at,
    )
    db.session.add(message)
    db.session.flush()
    attach_files(case, message, submission.files)
    actor_kind = OFFICIAL if created_by is not None else SUBMITTER
    record_event(case, created_by, actor_kind, "created", details={"channel": case.channel})
    from lotsen.triage.services import route_new_case

    route_new_case(case)  # department from the category's routing rule, maybe a lead
    token = issue_access_token(case)
    if email:
        queue_mail(
            email,
            _l("Vi har tagit emot din fråga – %(number)s", number=case.number),
            "mail/case_receipt.txt",
            case=case,
            link=status_url(token),
        )
    return case, token


# --- Messages -------------------------------------------------------------------------------


def add_message(case: Case, author, author_kind: str, body: str, files, internal=False):
    body = (body or "").strip()
    if not body:
        raise CaseError(_("Skriv ett meddelande."))
    message = Message(
        case_id=case.id,
        author_id=author.id if author is not None else None,
        author_kind=author_kind,
        is_internal=internal,
        body=body,
    )
    db.session.add(message)
    db.session.flush()
    attach_files(case, message, files)
    kind = "note" if internal else ("reply" if author_kind == OFFICIAL else "submitter_reply")
    record_event(case, author, author_kind, kind, details={"message_id": message.id})
    case.updated_at = utcnow()
    return message


def post_public_reply(case: Case, author, body: str, files=(), then_status=None) -> Message:
    """An official's reply to the business owner: shown on the status page and e-mailed."""
    if case.status in (CaseStatus.CLOSED, CaseStatus.SPAM):
        raise CaseError(_("Öppna ärendet igen innan du svarar."))
    message = add_message(case, author, OFFICIAL, body, list(files))
    if case.first_response_at is None:
        case.first_response_at = message.created_at or utcnow()
    if then_status and then_status != case.status:
        change_status(case, CaseStatus(then_status), author)
    elif case.status in (CaseStatus.NEW, CaseStatus.ASSIGNED):
        change_status(case, CaseStatus.IN_PROGRESS, author)
    if case.submitter_email:
        token = issue_access_token(case)
        queue_mail(
            case.submitter_email,
            _l("Svar på ditt ärende %(number)s", number=case.number),
            "mail/case_reply.txt",
            case=case,
            message=message,
            link=status_url(token),
        )
    return message


def add_internal_note(case: Case, author, body: str, files=()) -> Message:
    return add_message(case, author, OFFICIAL, body, list(files), internal=True)


def submitter_reply(case: Case, body: str, files=()) -> Message:
    """The business owner answers through the status page."""
    if case.status in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.SPAM):
        raise CaseError(
            _("Ärendet är avslutat. Ställ en ny fråga om du behöver hjälp med något mer.")
        )
    message = add_message(case, None, SUBMITTER, body, list(files))
    if case.status == CaseStatus.WAITING:
        change_status(case, CaseStatus.IN_PROGRESS, None, SUBMITTER)
    elif case.status == CaseStatus.ANSWERED:
        change_status(
            case, CaseStatus.IN_PROGRESS, None, SUBMITTER, reason=_("Företagaren har svarat.")
        )
    if case.lead is not None and case.lead.active:
        queue_mail(
            case.lead.email,
            _l("Företagaren har svarat i %(number)s", number=case.number),
            "mail/case_submitter_replied.txt",
            case=case,
            link=external_url("cases.show", case_id=case.id),
        )
    return message


def set_status(case: Case, actor, to_status: str, reason: str | None = None) -> None:
    try:
        status = CaseStatus(to_status)
    except ValueError as error:
        raise TransitionError(_("Okänd status.")) from error
    change_status(case, status, actor, reason=reason)


# --- Edits ----------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "subject",
    "category_id",
    "company_name",
    "org_number",
    "submitter_name",
    "submitter_email",
    "submitter_phone",
    "preferred_contact",
    "channel",
)


def edit_conflict_message() -> str:
    return _(
        "Någon annan har ändrat ärendet medan du redigerade. Dina ändringar är inte "
        "sparade men finns kvar i formuläret: jämför med den nya versionen och spara igen."
    )


def update_case(case: Case, actor, values: dict, expected_version: int) -> dict:
    """Save edits made on a form opened at `expected_version`; refuse if someone saved since."""
    if case.version != expected_version:
        raise EditConflict(edit_conflict_message())
    if "submitter_email" in values:
        values["submitter_email"] = (values["submitter_email"] or "").strip().lower() or None
    changes = {}
    for name in EDITABLE_FIELDS:
        if name in values and getattr(case, name) != values[name]:
            changes[name] = [getattr(case, name), values[name]]
            setattr(case, name, values[name])
    if "org_number" in changes:
        case.company_id = find_company_id(case.org_number)
    if changes:
        record_event(case, actor, OFFICIAL, "edited", details=changes)
    return changes


def create_company_for_case(case: Case, actor):
    """Add the company a case names to the registry (its org number was unknown) and link it."""
    from lotsen.companies.services import CompanyData, CompanyError, create_company, find_company

    if case.company_id is not None:
        return case.company
    if not case.org_number:
        raise CaseError(_("Ärendet saknar organisationsnummer."))
    existing = find_company(case.org_number)
    try:
        company = existing or create_company(
            actor,
            CompanyData(org_number=case.org_number, name=case.company_name or case.submitter_name),
        )
    except CompanyError as error:
        raise CaseError(str(error)) from error
    case.company_id = company.id
    record_event(case, actor, OFFICIAL, "company_linked", details={"company_id": company.id})
    return company


def store_upload(filename: str, data: bytes, content_type: str) -> StoredFile:
    """Keep an upload as pending until the form it came with is saved."""
    return store_bytes(filename, data, content_type, pending=True)
