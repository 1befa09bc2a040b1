"""Every write to a case: intake, messages, status links, edits. Views and CLI call these."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lotsen.cases.access import may_lead
from lotsen.cases.attachments import StoredFile, promote_pending, store_pending, uploader_key
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
from lotsen.cases.signals import (
    answers,
    case_answered,
    case_lead_taken,
    case_opened,
    case_routing,
)
from lotsen.cases.workflow import TransitionError, allowed_transitions, change_status
from lotsen.companies.orgnr import mask_personal_numbers
from lotsen.companies.services import (
    CompanyData,
    CompanyError,
    create_company,
    find_company,
    resolve_merged,
)
from lotsen.db_types import utcnow
from lotsen.domain_errors import Conflict, DomainError
from lotsen.extensions import db
from lotsen.mail.services import first_message_id, queue_mail
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.urls import external_url

SUBMITTER = "submitter"
OFFICIAL = "official"


class CaseError(DomainError):
    """A rule about cases was broken; the message is for the user (Swedish)."""


class EditConflict(CaseError, Conflict):
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
    # The language of the form the business owner used; their e-mail is written in it.
    submitter_locale: str | None = None
    # The Message-ID of the e-mail the question came in (channel e-mail).
    email_message_id: str | None = None
    # Whether the business owner ticked the form's privacy notice (a mail ticks nothing).
    privacy_acknowledged: bool = True


# --- Status links ---------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def derived_token(salt: str) -> str:
    """The link token of a salt: 256 bits of HMAC under the secret key. The database holds the
    salt and the token's hash, so the link can be sent again but not read from the database."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"status-link:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_access_token(case: Case) -> str:
    """A new private status link token; only its salt and hash are stored."""
    salt = secrets.token_hex(16)
    token = derived_token(salt)
    days = current_app.config["STATUS_LINK_DAYS"]
    db.session.add(
        CaseAccessToken(
            case_id=case.id,
            token_hash=hash_token(token),
            salt=salt,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return token


def reusable_token(case: Case) -> str | None:
    """The case's newest valid link, if it still has STATUS_LINK_REUSE_DAYS to run."""
    left = timedelta(days=current_app.config["STATUS_LINK_REUSE_DAYS"])
    row = db.session.scalar(
        select(CaseAccessToken)
        .where(
            CaseAccessToken.case_id == case.id,
            CaseAccessToken.revoked_at.is_(None),
            CaseAccessToken.salt.is_not(None),
            CaseAccessToken.expires_at > utcnow() + left,
        )
        .order_by(CaseAccessToken.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    token = derived_token(row.salt)
    # After a change of the secret key the old links cannot be derived again: replace them.
    return token if hash_token(token) == row.token_hash else None


def link_for_reply(case: Case) -> str:
    """The link a mail to the owner carries: the case's valid link, or a new one (which, once
    used, revokes the older ones), so that replies do not pile up year-long links."""
    return reusable_token(case) or issue_access_token(case)


def token_row(token: str) -> CaseAccessToken | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(CaseAccessToken).where(CaseAccessToken.token_hash == hash_token(token))
    )


def token_state(row: CaseAccessToken | None) -> str:
    """valid | expired | revoked | unknown."""
    if row is None:
        return "unknown"
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= utcnow():
        return "expired"
    return "valid"


def case_for_token(token: str) -> Case | None:
    """The case a valid, unexpired, unrevoked token opens, else None.

    The first use of a link revokes the case's older links (a new link asked for on
    /status/ny-lank only replaces the old ones once it is used: asking is not enough).
    """
    row = token_row(token)
    if token_state(row) != "valid":
        return None
    if row.first_used_at is None:
        row.first_used_at = utcnow()
        db.session.execute(
            update(CaseAccessToken)
            .where(
                CaseAccessToken.case_id == row.case_id,
                CaseAccessToken.id < row.id,
                CaseAccessToken.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
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
    """E-mail a fresh status link if number and address match. The older links keep working
    until the new one is first used (so that someone who knows the number and the address
    cannot lock the owner out)."""
    case = db.session.scalar(select(Case).where(Case.number == case_number.strip().upper()))
    if case is None or not case.submitter_email:
        return False
    if case.submitter_email != email.strip().lower():
        return False
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


def send_link_to_new_address(case: Case, actor) -> None:
    """The owner's address changed: the old links stop working, the new address gets one."""
    revoke_access_tokens(case)
    if case.submitter_email:
        token = issue_access_token(case)
        record_event(case, actor, OFFICIAL, "link_issued", details={"reason": "email_changed"})
        queue_mail(
            case.submitter_email,
            _l("Ny länk till ärende %(number)s", number=case.number),
            "mail/case_new_link.txt",
            case=case,
            link=status_url(token),
        )


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
    company = find_company(org_number)
    return resolve_merged(company).id if company is not None else None


def attach_files(case: Case, message: Message, files: list[StoredFile]) -> None:
    for stored in files:
        try:
            promote_pending(stored)
        except OSError as error:  # sent twice at once, or removed by the cleaner
            raise CaseError(
                _("%(name)s finns inte längre hos oss. Bifoga filen igen.", name=stored.filename)
            ) from error
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


def submitter_locale(locale: str | None) -> str:
    """The business owner's language if the site offers it, else the site's."""
    if locale in current_app.config["LANGUAGES"]:
        return locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def open_case(
    submission: Submission, created_by=None, received_at: datetime | None = None, lead=None
):
    """Create a case with its first message, attachments, event and receipt mail.

    The category's routing rule gives the department; `lead`, when given, leads the case
    (instead of the rule's default lead or the department's auto-assignment).

    Returns (case, status_token). Everything is added to the current transaction, so the case,
    its files' records and the receipt e-mail are saved together or not at all.
    """
    case, _question, token = open_case_with_question(submission, created_by, received_at, lead)
    return case, token


def open_case_with_question(
    submission: Submission, created_by=None, received_at: datetime | None = None, lead=None
) -> tuple[Case, Message, str]:
    """open_case, also returning the case's first message (the question)."""
    # The category and its routing, before the insert: the new row carries the department.
    routing = next(iter(answers(case_routing, submission.category_id)), None)
    if routing is not None:
        category = routing.category
    else:
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
        department_id=routing.department_id if routing is not None else None,
        company_id=find_company_id(submission.org_number),
        org_number=submission.org_number,
        company_name=submission.company_name.strip(),
        submitter_name=submission.submitter_name.strip(),
        submitter_email=email,
        submitter_phone=(submission.submitter_phone or "").strip() or None,
        preferred_contact=submission.preferred_contact,
        submitter_locale=submitter_locale(submission.submitter_locale),
        subject=submission.subject.strip(),
        received_at=received_at,
        privacy_acknowledged_at=(
            received_at if created_by is None and submission.privacy_acknowledged else None
        ),
        created_by_id=created_by.id if created_by is not None else None,
    )
    db.session.add(case)
    db.session.flush()  # the case id; everything below is written in one more flush
    message = Message(
        case_id=case.id,
        author_kind=SUBMITTER,
        body=submission.description.strip(),
        created_at=received_at,
        channel=submission.channel,
        email_message_id=submission.email_message_id,
    )
    db.session.add(message)
    if submission.files:
        db.session.flush()  # the attachments refer to the message
        attach_files(case, message, submission.files)
    actor_kind = OFFICIAL if created_by is not None else SUBMITTER
    record_event(case, created_by, actor_kind, "created", details={"channel": case.channel})
    # triage: the department's event, maybe a lead
    case_opened.send(case, lead=lead, actor=created_by, routing=routing)
    token = issue_access_token(case)
    if email:
        queue_mail(
            email,
            _l("Vi har tagit emot din fråga – %(number)s", number=case.number),
            "mail/case_receipt.txt",
            case=case,
            link=status_url(token),
            first_of_case=True,
        )
    return case, message, token


# --- Messages -------------------------------------------------------------------------------


def add_message(
    case: Case,
    author,
    author_kind: str,
    body: str,
    files,
    internal=False,
    channel: Channel = Channel.WEB,
    email_message_id: str | None = None,
):
    body = (body or "").strip()
    if not body:
        raise CaseError(_("Skriv ett meddelande."))
    message = Message(
        case_id=case.id,
        author_id=author.id if author is not None else None,
        author_kind=author_kind,
        is_internal=internal,
        body=body,
        channel=channel,
        email_message_id=email_message_id,
    )
    db.session.add(message)
    db.session.flush()
    attach_files(case, message, files)
    kind = "note" if internal else ("reply" if author_kind == OFFICIAL else "submitter_reply")
    record_event(case, author, author_kind, kind, details={"message_id": message.id})
    case.updated_at = utcnow()
    return message


# Statuses that need a lead: outside "new" (the triage queue) an open or answered case without
# one would be nobody's. An official who moves an unled case there becomes its lead.
LED_STATUSES = {
    CaseStatus.ASSIGNED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING,
    CaseStatus.ANSWERED,
}


def take_lead(case: Case, official) -> CaseEvent:
    """`official` moves an unled case out of triage (a reply, a status change): they become its
    lead, so that the case is never nobody's outside the triage queue. No mail: they know."""
    if not may_lead(official):
        raise CaseError(_("Ärendet behöver en lots. Be en samordnare att tilldela det."))
    case.lead_id = official.id
    case.lead = official
    event = CaseEvent(
        case_id=case.id,
        actor_id=official.id,
        actor_kind=OFFICIAL,
        kind="assigned",
        details={"lead_id": official.id, "lead": official.name, "how": "self"},
    )
    db.session.add(event)
    case_lead_taken.send(case, lead=official)
    return event


def move_case(case: Case, actor, to_status: CaseStatus, reason: str | None = None) -> None:
    """Change the status as an official; an unled case leaving triage gets `actor` as lead."""
    if case.lead_id is None and to_status in LED_STATUSES and actor is not None:
        take_lead(case, actor)
    change_status(case, to_status, actor, reason=reason)


def reaches_owner(case: Case) -> bool:
    """Whether a public reply is e-mailed (the case has an address), not only recorded."""
    return bool(case.submitter_email)


def reply_outcome(case: Case) -> tuple[str, str]:
    """What to tell the official after a public reply: (flash text, flash category)."""
    if reaches_owner(case):
        return _("Svaret är skickat till företagaren."), "success"
    phone = case.submitter_phone or _("telefonnummer saknas")
    return (
        _(
            "Svaret är sparat i ärendet men inte skickat: ärendet har ingen e-postadress. "
            "Kontakta %(name)s på annat sätt (telefon: %(phone)s) och berätta svaret.",
            name=case.submitter_name,
            phone=phone,
        ),
        "warning",
    )


def post_public_reply(
    case: Case, author, body: str, files=(), then_status=None, coordinated: bool = False
) -> Message:
    """An official's reply to the business owner: shown on the status page and e-mailed when
    the case has an address. The status changes only to `then_status` (None keeps it).
    `coordinated`: this is the team's coordinated answer (told to the case_answered signal)."""
    if case.status in (CaseStatus.CLOSED, CaseStatus.SPAM):
        raise CaseError(_("Öppna ärendet igen innan du svarar."))
    message = add_message(case, author, OFFICIAL, body, list(files))
    if case.first_response_at is None:
        case.first_response_at = message.created_at or utcnow()
    if then_status and then_status != case.status:
        if then_status not in {status.value for status in CaseStatus}:
            raise CaseError(_("Välj en status i listan."))
        move_case(case, author, CaseStatus(then_status))
    if reaches_owner(case):
        queue_mail(
            case.submitter_email,
            _l("Svar på ditt ärende %(number)s", number=case.number),
            "mail/case_reply.txt",
            case=case,
            message=message,
            link=status_url(link_for_reply(case)),
            thread=reply_thread(case),
        )
    case_answered.send(case, message=message, actor=author, coordinated=coordinated)
    return message


# A mail's References keeps the thread's root and the latest mails, not every one of them.
MAX_REFERENCES = 10


def reply_thread(case: Case) -> tuple[str, str] | None:
    """(In-Reply-To, References) for an answer to the company's latest e-mail on the case: the
    answer is threaded under that mail, after the case's first mail. None if none came by mail."""
    latest = db.session.scalars(
        select(Message.email_message_id)
        .where(Message.case_id == case.id, Message.email_message_id.is_not(None))
        .order_by(Message.id.desc())
        .limit(MAX_REFERENCES - 1)
    ).all()
    if not latest:
        return None
    root = first_message_id(case.id)
    chain = [root] if root and root not in latest else []
    chain += reversed(latest)
    return latest[0], " ".join(chain)


def add_internal_note(case: Case, author, body: str, files=()) -> Message:
    return add_message(case, author, OFFICIAL, body, list(files), internal=True)


def submitter_reply(
    case: Case,
    body: str,
    files=(),
    channel: Channel = Channel.WEB,
    email_message_id: str | None = None,
) -> Message:
    """The business owner answers (through the status page, or by e-mail): a waiting or
    answered case is in progress again (the clock runs) and the lead is told."""
    if case.status in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.SPAM):
        raise CaseError(
            _("Ärendet är avslutat. Ställ en ny fråga om du behöver hjälp med något mer.")
        )
    message = add_message(
        case, None, SUBMITTER, body, list(files), channel=channel, email_message_id=email_message_id
    )
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


def set_status(
    case: Case, actor, to_status: str, reason: str | None = None, message: str | None = None
) -> Message | None:
    """An official changes the status. Waiting for the company needs `message`, telling the
    company what is awaited: it is sent as a public reply (returned)."""
    try:
        status = CaseStatus(to_status)
    except ValueError as error:
        raise TransitionError(_("Okänd status.")) from error
    if status == CaseStatus.WAITING and status != case.status:
        if not (message or "").strip():
            raise CaseError(_("Skriv vad ni väntar på från företaget. Det skickas till dem."))
        if status not in allowed_transitions(case.status):
            change_status(case, status, actor)  # raises the TransitionError with its message
        return post_public_reply(case, actor, message, (), status)
    move_case(case, actor, status, reason)
    return None


# --- Requests for a decision (förvaltningslagen 12 §) -----------------------------------------

DECISION_REQUEST_DAYS = 28  # four weeks to decide the case or refuse the request
DECISION_REQUESTED = "decision_requested"
DECISION_REFUSED = "decision_request_refused"


def record_decision_request(case: Case, actor, received_on: date, today: date) -> date:
    """A company asked that its case be decided (förvaltningslagen 12 §): record the day the
    request came and the day, four weeks later, by which the case must be decided or the
    request refused in a separate decision. Returns that day."""
    if case.status not in (
        CaseStatus.NEW,
        CaseStatus.ASSIGNED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING,
    ):
        raise CaseError(_("Ärendet är redan avgjort. Öppna det igen om begäran gäller något nytt."))
    if case.decision_due_on is not None:
        raise CaseError(
            _(
                "En begäran om avgörande är redan registrerad (ska avgöras senast %(day)s).",
                day=case.decision_due_on.isoformat(),
            )
        )
    if received_on > today:
        raise CaseError(_("Dagen då begäran kom in kan inte ligga i framtiden."))
    received = case.received_at.astimezone(STOCKHOLM).date()
    if received_on < received:
        raise CaseError(_("Begäran kan inte ha kommit in före ärendet."))
    due_on = received_on + timedelta(days=DECISION_REQUEST_DAYS)
    case.decision_requested_on = received_on
    case.decision_due_on = due_on
    record_event(
        case,
        actor,
        OFFICIAL,
        DECISION_REQUESTED,
        details={"received_on": received_on.isoformat(), "due_on": due_on.isoformat()},
    )
    return due_on


def refuse_decision_request(case: Case, actor, reason: str) -> Message:
    """Refuse the request in a separate decision (förvaltningslagen 12 §): the decision with its
    reasons goes to the company as a public reply; the request is no longer pending."""
    reason = (reason or "").strip()
    if case.decision_due_on is None:
        raise CaseError(_("Det finns ingen begäran om avgörande att avslå."))
    if not reason:
        raise CaseError(_("Skriv skälen till beslutet att avslå begäran."))
    body = render_template("cases/decision_refusal.txt", case=case, reason=reason)
    message = post_public_reply(case, actor, body)
    details = {"due_on": case.decision_due_on.isoformat(), "message_id": message.id}
    case.decision_requested_on = None
    case.decision_due_on = None
    record_event(case, actor, OFFICIAL, DECISION_REFUSED, reason=reason, details=details)
    return message


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
    if "submitter_email" in changes:
        case.contact_bouncing = False
        send_link_to_new_address(case, actor)
    if changes:
        record_event(case, actor, OFFICIAL, "edited", details=masked_details(changes))
    return changes


def masked_details(changes: dict) -> dict:
    """The changes as the case's event keeps them: a personnummer only masked."""
    if "org_number" not in changes:
        return changes
    masked = [mask_personal_numbers(value) if value else value for value in changes["org_number"]]
    return {**changes, "org_number": masked}


def create_company_for_case(case: Case, actor):
    """Add the company a case names to the registry (its org number was unknown) and link it."""
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
    return store_pending(filename, data, content_type, uploader_key())
