"""The API's request and response schemas, declared once: webargs validates requests with them
and apispec writes the OpenAPI document (/api/v1/openapi.json) from them.

Limits of fields that a UI form also has come from that form (fields.form_limit): the question
form (lotsen.public.forms), the case forms and the company form.
"""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from lotsen.api.fields import (
    Count,
    Cursor,
    Day,
    Flag,
    Id,
    Moment,
    PageSize,
    Text,
    form_limit,
    one_of,
)
from lotsen.cases.forms import (
    ContactFieldsMixin,
    NoteForm,
    PublicReplyForm,
    QuestionForm,
    StatusForm,
)
from lotsen.cases.models import CaseStatus, Channel
from lotsen.cases.workflow import REPLY_TARGETS
from lotsen.companies.forms import CompanyForm
from lotsen.companies.models import SIZE_CLASSES, CompanyStatus
from lotsen.companies.queries import SORTS as COMPANY_SORTS
from lotsen.survey.services import GROUPINGS
from lotsen.visits.models import Need

CASE_STATUSES = [status.value for status in CaseStatus]
CASE_STATUS_FILTERS = ["open", "resolved", "all", *CASE_STATUSES]
CASE_SORTS = ["received_desc", "received_asc", "updated_desc"]

# --- Common ------------------------------------------------------------------------------------


class ProblemSchema(Schema):
    """RFC 9457 problem details (application/problem+json)."""

    type = fields.String(metadata={"description": "about:blank"})
    title = fields.String(metadata={"description": "The HTTP status phrase"})
    status = fields.Integer()
    detail = fields.String(metadata={"description": "What went wrong, in the client's language"})
    field = fields.String(metadata={"description": "The field a refusal concerns"})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Validation errors per field (body fields; query.<name>)"},
    )
    existing_id = fields.Integer(metadata={"description": "The company that has the org number"})


class Named(Schema):
    id = fields.Integer()
    name = fields.String()


class PageArgs(Schema):
    cursor = Cursor()
    limit = PageSize()


def list_length(maximum: int):
    return validate.Length(max=maximum, error=_l("Högst {max} värden."))


def links_by_id(parameter: str, *operation_ids: str) -> dict:
    """OpenAPI links from a response's `id` to the operations that take it as `parameter`
    (the stateful phase of Schemathesis follows them): {"GetCase": {...}, …}."""
    return {
        operation_id[0].upper() + operation_id[1:]: {
            "operationId": operation_id,
            "parameters": {parameter: "$response.body#/id"},
        }
        for operation_id in operation_ids
    }


def page_of(item_schema, name: str):
    """A page schema: its items and the cursor of the next page (null on the last)."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "next_cursor": fields.String(allow_none=True),
        },
        name=name,
    )


# --- Cases -------------------------------------------------------------------------------------


def question(name: str) -> int:
    return form_limit(getattr(QuestionForm, name))


def contact(name: str) -> int:
    return form_limit(getattr(ContactFieldsMixin, name))


class CaseCreateSchema(Schema):
    """What the public question form asks (lotsen.public.forms.QuestionForm)."""

    category_id = Id(required=True, strict=True)
    subject = Text(question("subject"), required=True)
    description = Text(question("description"), required=True)
    submitter_name = Text(contact("submitter_name"), required=True)
    submitter_email = Text(contact("submitter_email"), required=True, metadata={"format": "email"})
    submitter_phone = Text(contact("submitter_phone"), allow_none=True)
    company_name = Text(contact("company_name"), allow_none=True)
    org_number = Text(contact("org_number"), allow_none=True)
    preferred_contact = fields.String(load_default="email", validate=one_of(["email", "phone"]))
    privacy_acknowledged = Flag(
        required=True,
        metadata={"description": "The business owner has read how their data is handled"},
    )
    language = fields.String(
        load_default=None,
        allow_none=True,
        validate=one_of(["sv", "en"]),
        metadata={"description": "The business owner's language (the receipt mail's)"},
    )


class CaseCreatedSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    received_at = fields.DateTime()
    status_url = fields.String(metadata={"description": "The business owner's private link"})


class CaseSummarySchema(Schema):
    """A case as the case register shows it (every reader of cases sees this)."""

    id = fields.Integer()
    number = fields.String()
    subject = fields.String()
    status = fields.String()
    channel = fields.String()
    category = fields.Nested(Named)
    department = fields.Nested(Named, allow_none=True)
    lead = fields.Nested(Named, allow_none=True)
    company_id = fields.Integer(allow_none=True)
    company_name = fields.String()
    received_at = fields.DateTime()
    updated_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class CaseDetailSchema(CaseSummarySchema):
    """The whole case (for those who may read it: lotsen.cases.access.may_view_case)."""

    org_number = fields.String(allow_none=True, metadata={"description": "Personnummer masked"})
    submitter_name = fields.String()
    submitter_email = fields.String(allow_none=True)
    submitter_phone = fields.String(allow_none=True)
    preferred_contact = fields.String()
    first_response_at = fields.DateTime(allow_none=True)
    decision_due_on = fields.Date(allow_none=True)
    version = fields.Integer()
    allowed_statuses = fields.List(fields.String())
    may_work_on = fields.Boolean(metadata={"description": "Whether the token may write to it"})


class CaseListArgs(PageArgs):
    status = fields.String(load_default="open", validate=one_of(CASE_STATUS_FILTERS))
    category = Id()
    department = Id()
    lead = Id()
    received_from = Day()
    received_to = Day()
    sort = fields.String(load_default="received_desc", validate=one_of(CASE_SORTS))


class MessageSchema(Schema):
    id = fields.Integer()
    author_kind = fields.String(metadata={"description": "submitter, official or system"})
    author = fields.Nested(Named, allow_none=True)
    is_internal = fields.Boolean()
    channel = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


class MessageCreateSchema(Schema):
    body = Text(form_limit(PublicReplyForm.body), minimum=1, required=True)
    internal = Flag(
        load_default=False,
        metadata={"description": "An internal note (true) or a reply to the business owner"},
    )
    then_status = fields.String(
        load_default=None,
        allow_none=True,
        validate=one_of([status.value for status in REPLY_TARGETS]),
        metadata={"description": "A reply may move the case on; null keeps its status"},
    )


NOTE_LIMIT = form_limit(NoteForm.body)


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=one_of(CASE_STATUSES))
    reason = Text(form_limit(StatusForm.reason), allow_none=True)
    message = Text(form_limit(StatusForm.message), allow_none=True)


# --- Companies ---------------------------------------------------------------------------------


def company_form(name: str) -> int:
    return form_limit(getattr(CompanyForm, name))


class CompanySchema(Schema):
    id = fields.Integer()
    org_number = fields.String(metadata={"description": "A sole trader's personnummer masked"})
    is_personal = fields.Boolean(metadata={"description": "A sole trader (personnummer)"})
    name = fields.String()
    legal_form = fields.String(allow_none=True)
    street_address = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    municipality_code = fields.String(allow_none=True)
    registered_on = fields.Date(allow_none=True)
    status = fields.String()
    deregistered_on = fields.Date(allow_none=True)
    description = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    size_class = fields.String(allow_none=True)
    employee_count = fields.Integer(allow_none=True)
    sni_codes = fields.List(fields.String())
    tags = fields.List(fields.String())
    merged_into_id = fields.Integer(allow_none=True)
    updated_at = fields.DateTime()


class CompanyListArgs(PageArgs):
    q = Text(100, metadata={"description": "Org number (or its first digits) or words"})
    section = fields.String(validate=one_of("ABCDEFGHIJKLMNOPQRSTU"))
    size_class = fields.String(validate=one_of(SIZE_CLASSES))
    municipality = fields.String(
        validate=validate.Regexp(r"^[0-9]{4}$", error=_l("Fyra siffror, till exempel 1441."))
    )
    tag = Text(60)
    status = fields.String(validate=one_of([status.value for status in CompanyStatus]))
    sort = fields.String(load_default="name", validate=one_of(list(COMPANY_SORTS)))


class CompanyWriteSchema(Schema):
    """The company form's fields (lotsen.companies.forms.CompanyForm)."""

    org_number = Text(company_form("org_number"))
    name = Text(company_form("name"))
    legal_form = Text(20, allow_none=True)
    street_address = Text(company_form("street_address"), allow_none=True)
    postal_code = Text(company_form("postal_code"), allow_none=True)
    town = Text(company_form("town"), allow_none=True)
    municipality_code = Text(company_form("municipality_code"), allow_none=True)
    registered_on = Day(allow_none=True)
    status = fields.String(validate=one_of([status.value for status in CompanyStatus]))
    deregistered_on = Day(allow_none=True)
    deregistration_reason = Text(company_form("deregistration_reason"), allow_none=True)
    description = Text(company_form("description"), allow_none=True)
    website = Text(company_form("website"), allow_none=True)
    notes = Text(company_form("description"), allow_none=True)
    size_class = fields.String(allow_none=True, validate=one_of(SIZE_CLASSES))
    employee_count = Count(10_000_000, allow_none=True, strict=True)
    employee_count_on = Day(allow_none=True)
    employee_count_source = Text(company_form("employee_count_source"), allow_none=True)
    advertising_blocked = Flag()
    sni_codes = fields.List(Text(10), validate=list_length(20))
    tags = fields.List(Text(60), validate=list_length(20))


class CompanyCreateSchema(CompanyWriteSchema):
    org_number = Text(company_form("org_number"), required=True)
    name = Text(company_form("name"), required=True)


# --- Visits and follow-ups -----------------------------------------------------------------------


class FollowUpSchema(Schema):
    id = fields.Integer()
    visit_id = fields.Integer()
    text = fields.String()
    owner = fields.Nested(Named, allow_none=True)
    due_on = fields.Date()
    done_at = fields.DateTime(allow_none=True)
    case_id = fields.Integer(allow_none=True)


class TopicSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    tags = fields.List(fields.String())
    areas = fields.List(fields.Nested(Named))


class VisitSummarySchema(Schema):
    id = fields.Integer()
    company = fields.Nested(Named)
    starts_at = fields.DateTime()
    purpose = fields.String()


class VisitSchema(VisitSummarySchema):
    guests = fields.String()
    notes = fields.String()
    needs = fields.List(fields.String())
    employees_now = fields.Integer(allow_none=True)
    employees_in_three_years = fields.Integer(allow_none=True)
    participants = fields.List(fields.Nested(Named))
    topics = fields.List(fields.Nested(TopicSchema))
    follow_ups = fields.List(fields.Nested(FollowUpSchema))


class VisitListArgs(PageArgs):
    company = Id()
    starts_from = Day()
    starts_to = Day()


class VisitCreateSchema(Schema):
    company_id = Id(required=True, strict=True)
    starts_at = Moment(required=True)
    purpose = Text(300, minimum=1, required=True)
    participant_ids = fields.List(Id(strict=True), load_default=list, validate=list_length(50))
    guests = Text(2000, load_default="")
    notes = Text(10000, load_default="")
    needs = fields.List(
        fields.String(validate=one_of([need.value for need in Need])),
        load_default=list,
        validate=list_length(len(Need)),
    )
    employees_now = Count(10_000_000, allow_none=True, strict=True)
    employees_in_three_years = Count(10_000_000, allow_none=True, strict=True)


class FollowUpListArgs(PageArgs):
    owner = Id()
    open = Flag(in_query=True, metadata={"description": "true: not done yet; false: done"})


class FollowUpCreateSchema(Schema):
    text = Text(2000, minimum=1, required=True)
    owner_id = Id(required=True, strict=True)
    due_on = Day(required=True)


# --- Dashboard figures and survey results ------------------------------------------------------


class FigureArgs(Schema):
    date_from = Day(metadata={"description": "Default: 1 January this year"})
    date_to = Day(metadata={"description": "Default: 31 December this year"})
    category = Id()
    department = Id()
    lead = Id()
    channel = fields.String(validate=one_of([channel.value for channel in Channel]))


class SpreadSchema(Schema):
    median = fields.Float(allow_none=True)
    p90 = fields.Float(allow_none=True)


class CountsSchema(Schema):
    received = fields.Integer()
    resolved = fields.Integer()
    open = fields.Integer()
    resolved_with_margin = fields.Integer()
    within_target = fields.Integer()
    within_target_share = fields.Float(allow_none=True)


class SummarySchema(CountsSchema):
    first_response_hours = fields.Nested(SpreadSchema)
    handling_hours = fields.Nested(SpreadSchema)
    handling_days = fields.Nested(SpreadSchema)
    calendar_days = fields.Nested(SpreadSchema)
    backlog = fields.List(fields.Dict(), metadata={"description": "Open cases by age"})


class GroupFiguresSchema(CountsSchema):
    id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    handling_days = fields.Nested(SpreadSchema)


class MonthSchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    received = fields.Integer()
    resolved = fields.Integer()
    median_handling_days = fields.Float(allow_none=True)
    p90_handling_days = fields.Float(allow_none=True)


class FiguresSchema(Schema):
    date_from = fields.Date()
    date_to = fields.Date()
    summary = fields.Nested(SummarySchema)
    by_department = fields.List(fields.Nested(GroupFiguresSchema))
    by_category = fields.List(fields.Nested(GroupFiguresSchema))
    trend = fields.List(fields.Nested(MonthSchema))


class SurveyArgs(Schema):
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100, error=_l("Ett år från {min} till {max}.")),
        metadata={"description": "Default: this year"},
    )
    grouping = fields.String(load_default="category", validate=one_of(GROUPINGS))


class SurveyGroupSchema(Schema):
    name = fields.String()
    invited = fields.Integer()
    answered = fields.Integer()
    hidden = fields.Boolean(metadata={"description": "Fewer answers than min_answers"})
    nki = fields.Float(allow_none=True)
    factors = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


class SurveyResultsSchema(Schema):
    year = fields.Integer()
    grouping = fields.String()
    min_answers = fields.Integer()
    total = fields.Nested(SurveyGroupSchema)
    groups = fields.List(fields.Nested(SurveyGroupSchema))
