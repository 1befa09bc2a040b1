"""Cases through the API: the public intake, the case register, one case, messages, status.

Creating a case is the public question form's intake: the same form validates the data
(lotsen.public.forms.QuestionForm), the same service opens the case and queues the receipt
(lotsen.cases.services.open_case), the same limit counts the submissions
(PUBLIC_FORM_RATE_LIMIT, per token). Reading and writing follow the UI's policy
(lotsen.cases.access) for the token's account.
"""

from flask import current_app
from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lotsen.accounts.access import bearer_token_only
from lotsen.api.blueprint import actor, bp, current_token, requires
from lotsen.api.common import (
    form_errors,
    found,
    named,
    page_body,
    require_roles,
    shown_raw_org_number,
    too_many_requests,
    write,
)
from lotsen.api.schemas import (
    CaseCreatedSchema,
    CaseCreateSchema,
    CaseDetailSchema,
    CaseListArgs,
    CaseSummarySchema,
    MessageCreateSchema,
    MessageSchema,
    PageArgs,
    StatusChangeSchema,
    links_by_id,
    page_of,
)
from lotsen.api.tokens import record_api_write
from lotsen.cases import queries, services
from lotsen.cases.access import (
    CASE_READER_ROLES,
    CASE_WORKER_ROLES,
    may_view_case,
    may_work_on_case,
)
from lotsen.cases.forms import QuestionForm, submission_from
from lotsen.cases.models import Case, Message
from lotsen.cases.workflow import allowed_transitions
from lotsen.domain_errors import NotAllowed
from lotsen.extensions import db
from lotsen.pagination import paginate
from lotsen.rate_limits import hit

CasePage = page_of(CaseSummarySchema, "CasePage")
MessagePage = page_of(MessageSchema, "MessagePage")
CASE_LINKS = links_by_id(
    "case_id", "getCase", "listCaseMessages", "addCaseMessage", "changeCaseStatus"
)


def case_summary(case: Case) -> dict:
    return {
        "id": case.id,
        "number": case.number,
        "subject": case.subject,
        "status": case.status,
        "channel": case.channel,
        "category": named(case.category),
        "department": named(case.department),
        "lead": named(case.lead),
        "company_id": case.company_id,
        "company_name": case.company_name,
        "received_at": case.received_at,
        "updated_at": case.updated_at,
        "answered_at": case.answered_at,
        "closed_at": case.closed_at,
    }


def case_detail(case: Case) -> dict:
    return {
        **case_summary(case),
        "org_number": shown_raw_org_number(case.org_number),
        "submitter_name": case.submitter_name,
        "submitter_email": case.submitter_email,
        "submitter_phone": case.submitter_phone,
        "preferred_contact": case.preferred_contact,
        "first_response_at": case.first_response_at,
        "decision_due_on": case.decision_due_on,
        "version": case.version,
        "allowed_statuses": [status.value for status in allowed_transitions(case.status)],
        "may_work_on": may_work_on_case(actor(), case),
    }


def present_message(message: Message) -> dict:
    return {
        "id": message.id,
        "author_kind": message.author_kind,
        "author": named(message.author),
        "is_internal": message.is_internal,
        "channel": message.channel,
        "body": message.body,
        "created_at": message.created_at,
    }


def readable_case(case_id: int) -> Case:
    """The case, if the token's account may read all of it (404 / 403 otherwise)."""
    require_roles(CASE_READER_ROLES)
    case = found(db.session.get(Case, case_id, options=[queries.name_only(Case.lead)]))
    if not may_view_case(actor(), case):
        raise NotAllowed(
            _("Kontot som API-nyckeln agerar som får bara se ärendets registeruppgifter.")
        )
    return case


def workable_case(case_id: int) -> Case:
    """The case, if the token's account may work on it (lotsen.cases.access.may_work_on_case)."""
    require_roles(CASE_WORKER_ROLES)
    case = readable_case(case_id)
    if not may_work_on_case(actor(), case):
        raise NotAllowed(_("Kontot som API-nyckeln agerar som får inte arbeta i ärendet."))
    return case


def changed_meanwhile() -> str:
    return _("Någon annan ändrade ärendet samtidigt. Hämta det igen och försök på nytt.")


# --- Intake ------------------------------------------------------------------------------------


def question_form(data: dict) -> QuestionForm:
    """The public question form, filled in with the request's data (validated as posted)."""
    values = {
        "category": str(data["category_id"]),
        "subject": data["subject"],
        "description": data["description"],
        "submitter_name": data["submitter_name"],
        "submitter_email": data["submitter_email"],
        "submitter_phone": data.get("submitter_phone") or "",
        "company_name": data.get("company_name") or "",
        "org_number": data.get("org_number") or "",
        "preferred_contact": data.get("preferred_contact") or "email",
    }
    if data.get("privacy_acknowledged"):
        values["privacy_acknowledged"] = "y"
    return QuestionForm(formdata=MultiDict(values), meta={"csrf": False}, categories=None)


@bp.route("/cases", methods=["POST"])
@requires("cases:create")
@bp.arguments(CaseCreateSchema)
@bp.response(201, CaseCreatedSchema)
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.doc(
    operationId="createCase",
    summary="Submit a question, as the public form does",
    responses={201: {"links": CASE_LINKS}},
)
def create_case(data):
    if not hit("PUBLIC_FORM_RATE_LIMIT", "api", str(current_token().id)):
        return too_many_requests()
    form = question_form(data)
    if not form.validate():
        form_errors(form.errors, {"category": "category_id"})
    locale = data.get("language") or current_app.config["BABEL_DEFAULT_LOCALE"]
    with write():
        case, link = services.open_case(submission_from(form, locale=locale))
        record_api_write(current_token(), "case_created", case, f"Ärende {case.number} skapat")
        created = {
            "id": case.id,
            "number": case.number,
            "status": case.status,
            "received_at": case.received_at,
            "status_url": services.status_url(link),
        }
    return created


# --- Reading -----------------------------------------------------------------------------------


@bp.route("/cases", methods=["GET"])
@requires("cases:read")
@bp.arguments(CaseListArgs, location="query")
@bp.response(200, CasePage)
@bp.doc(operationId="listCases", summary="The case register, newest first (keyset pages)")
def list_cases(args):
    require_roles(CASE_READER_ROLES)
    filters = queries.CaseFilters(
        status=args["status"],
        category_id=args.get("category"),
        department_id=args.get("department"),
        lead_id=args.get("lead"),
        received_from=args.get("received_from"),
        received_to=args.get("received_to"),
        sort=args["sort"],
    )
    page = queries.case_page(filters, args.get("cursor"), args["limit"])
    return page_body(page, case_summary)


@bp.route("/cases/<int:case_id>", methods=["GET"])
@requires("cases:read")
@bp.response(200, CaseDetailSchema)
@bp.doc(operationId="getCase", summary="One case, for those who may read all of it")
def get_case(case_id):
    return case_detail(readable_case(case_id))


@requires("cases:read")
@bp.arguments(PageArgs, location="query")
@bp.response(200, MessagePage)
@bp.doc(operationId="listCaseMessages", summary="The case's messages and notes, oldest first")
def list_messages(args, case_id):
    case = readable_case(case_id)
    query = (
        select(Message).where(Message.case_id == case.id).options(queries.name_only(Message.author))
    )
    page = paginate(query, Message.id, Message.id, args.get("cursor"), args["limit"])
    return page_body(page, present_message)


# --- Writing -----------------------------------------------------------------------------------


@requires("cases:write")
@bp.arguments(MessageCreateSchema)
@bp.response(201, MessageSchema)
@bp.doc(
    operationId="addCaseMessage",
    summary="Reply to the business owner (e-mailed) or add an internal note",
)
def add_message(data, case_id):
    case = workable_case(case_id)
    with write(changed_meanwhile()):
        if data["internal"]:
            message = services.add_internal_note(case, actor(), data["body"])
        else:
            message = services.post_public_reply(
                case, actor(), data["body"], (), data.get("then_status")
            )
        kind = "note" if data["internal"] else "reply"
        record_api_write(
            current_token(),
            f"case_{kind}",
            case,
            f"{'Anteckning' if data['internal'] else 'Svar'} i ärende {case.number}",
        )
        body = present_message(message)
    return body


@bp.route("/cases/<int:case_id>/messages")
class CaseMessages(MethodView):
    """One rule for both methods: an id too large for the converter then answers 404 (two rules
    on one path would answer 405 to the method of the second)."""

    decorators = [bearer_token_only]
    get = staticmethod(list_messages)
    post = staticmethod(add_message)


@bp.route("/cases/<int:case_id>/status", methods=["POST"])
@requires("cases:write")
@bp.arguments(StatusChangeSchema)
@bp.response(200, CaseDetailSchema)
@bp.doc(
    operationId="changeCaseStatus",
    summary="Change the status by the case workflow's rules (lotsen.cases.workflow)",
)
def change_status(data, case_id):
    case = workable_case(case_id)
    before = case.status
    with write(changed_meanwhile()):
        services.set_status(case, actor(), data["status"], data.get("reason"), data.get("message"))
        record_api_write(
            current_token(),
            "case_status",
            case,
            f"Status i ärende {case.number} ändrad",
            {"from": before, "to": case.status},
        )
    return case_detail(case)
