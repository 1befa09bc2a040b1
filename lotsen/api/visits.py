"""Company visits and their follow-ups through the API (lotsen.visits.services)."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lotsen.accounts.models import User
from lotsen.api.blueprint import actor, bp, current_token, requires
from lotsen.api.common import found, named, page_body, require_roles, write
from lotsen.api.schemas import (
    FollowUpCreateSchema,
    FollowUpListArgs,
    FollowUpSchema,
    VisitCreateSchema,
    VisitListArgs,
    VisitSchema,
    VisitSummarySchema,
    links_by_id,
    page_of,
)
from lotsen.api.tokens import record_api_write
from lotsen.cases.queries import local_midnight
from lotsen.companies.models import Company
from lotsen.extensions import db
from lotsen.pagination import SortKey, paginate, paginate_by
from lotsen.visits import services
from lotsen.visits.models import FollowUp, Visit

VisitPage = page_of(VisitSummarySchema, "VisitPage")
FollowUpPage = page_of(FollowUpSchema, "FollowUpPage")
FOLLOW_UP_ORDER = [SortKey(FollowUp.due_on), SortKey(FollowUp.id)]
VISIT_LINKS = links_by_id("visit_id", "getVisit", "addFollowUp")


def present_follow_up(follow_up: FollowUp) -> dict:
    return {
        "id": follow_up.id,
        "visit_id": follow_up.visit_id,
        "text": follow_up.text,
        "owner": named(follow_up.owner),
        "due_on": follow_up.due_on,
        "done_at": follow_up.done_at,
        "case_id": follow_up.case_id,
    }


def visit_summary(visit: Visit) -> dict:
    return {
        "id": visit.id,
        "company": named(visit.company),
        "starts_at": visit.starts_at,
        "purpose": visit.purpose,
    }


def present_visit(visit: Visit) -> dict:
    return {
        **visit_summary(visit),
        "guests": visit.guests,
        "notes": visit.notes,
        "needs": list(visit.needs or []),
        "employees_now": visit.employees_now,
        "employees_in_three_years": visit.employees_in_three_years,
        "participants": [named(user) for user in visit.participants],
        "topics": [
            {
                "id": topic.id,
                "text": topic.text,
                "tags": list(topic.tags or []),
                "areas": [named(area) for area in topic.areas],
            }
            for topic in visit.topics
        ],
        "follow_ups": [present_follow_up(follow_up) for follow_up in visit.follow_ups],
    }


@bp.route("/visits", methods=["GET"])
@requires("visits:read")
@bp.arguments(VisitListArgs, location="query")
@bp.response(200, VisitPage)
@bp.doc(operationId="listVisits", summary="Company visits, newest first (the visit plan)")
def list_visits(args):
    require_roles(services.VISIT_ROLES)
    query = select(Visit).options(selectinload(Visit.company))
    if args.get("company"):
        query = query.where(Visit.company_id == args["company"])
    if args.get("starts_from"):
        query = query.where(Visit.starts_at >= local_midnight(args["starts_from"]))
    if args.get("starts_to"):
        day_after = args["starts_to"] + timedelta(days=1)
        query = query.where(Visit.starts_at < local_midnight(day_after))
    page = paginate(
        query, Visit.starts_at, Visit.id, args.get("cursor"), args["limit"], descending=True
    )
    return page_body(page, visit_summary)


@bp.route("/visits/<int:visit_id>", methods=["GET"])
@requires("visits:read")
@bp.response(200, VisitSchema)
@bp.doc(operationId="getVisit", summary="One visit with its topics and follow-ups")
def get_visit(visit_id):
    require_roles(services.VISIT_ROLES)
    return present_visit(found(services.visit_with_details(visit_id)))


def active_users(ids: list[int], field: str) -> list[User]:
    users = list(db.session.scalars(select(User).where(User.id.in_(ids), User.active)))
    if len(users) != len(set(ids)):
        raise services.VisitError(_("Välj aktiva tjänstepersoner."), field=field)
    return users


@bp.route("/visits", methods=["POST"])
@requires("visits:write")
@bp.arguments(VisitCreateSchema)
@bp.response(201, VisitSchema)
@bp.doc(
    operationId="createVisit",
    summary="Plan (or record) a company visit",
    responses={201: {"links": VISIT_LINKS}},
)
def create_visit(data):
    require_roles(services.VISIT_ROLES)
    company = db.session.get(Company, data["company_id"])
    if company is None or company.is_merged:
        raise services.VisitError(_("Det finns inget sådant företag."), field="company_id")
    visit_data = services.VisitData(
        company=company,
        starts_at=data["starts_at"],
        purpose=data["purpose"],
        participants=active_users(data["participant_ids"], "participant_ids"),
        guests=data["guests"],
        notes=data["notes"],
        needs=list(data["needs"]),
        employees_now=data.get("employees_now"),
        employees_in_three_years=data.get("employees_in_three_years"),
    )
    with write():
        visit = services.save_visit(actor(), None, visit_data)
        record_api_write(current_token(), "visit_created", visit, f"Besök hos {company.name}")
        visit_id = visit.id
    return present_visit(services.visit_with_details(visit_id))


@bp.route("/follow-ups", methods=["GET"])
@requires("visits:read")
@bp.arguments(FollowUpListArgs, location="query")
@bp.response(200, FollowUpPage)
@bp.doc(operationId="listFollowUps", summary="Follow-ups of visits, by due date")
def list_follow_ups(args):
    require_roles(services.VISIT_ROLES)
    query = select(FollowUp).options(selectinload(FollowUp.owner))
    if args.get("owner"):
        query = query.where(FollowUp.owner_id == args["owner"])
    if args.get("open") is True:
        query = query.where(FollowUp.done_at.is_(None))
    elif args.get("open") is False:
        query = query.where(FollowUp.done_at.is_not(None))
    page = paginate_by(query, FOLLOW_UP_ORDER, args.get("cursor"), args["limit"])
    return page_body(page, present_follow_up)


@bp.route("/visits/<int:visit_id>/follow-ups", methods=["POST"])
@requires("visits:write")
@bp.arguments(FollowUpCreateSchema)
@bp.response(201, FollowUpSchema)
@bp.doc(operationId="addFollowUp", summary="Something to do after the visit, owned by someone")
def add_follow_up(data, visit_id):
    require_roles(services.VISIT_ROLES)
    visit = found(db.session.get(Visit, visit_id))
    (owner,) = active_users([data["owner_id"]], "owner_id")
    with write():
        follow_up = services.add_follow_up(actor(), visit, data["text"], owner, data["due_on"])
        record_api_write(current_token(), "follow_up_added", visit, "Uppföljning tillagd")
        body = present_follow_up(follow_up)
    return body
