"""Read-side queries for cases: lists, timelines, counts."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lotsen.cases.models import Case, CaseEvent, CaseStatus, Message
from lotsen.extensions import db
from lotsen.pagination import paginate
from lotsen.timekeeping.calendar import STOCKHOLM


def public_messages(case: Case) -> list[Message]:
    """What the business owner sees: every non-internal message, oldest first."""
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.case_id == case.id, Message.is_internal.is_(False))
            .order_by(Message.id)
        )
    )


def case_timeline(case: Case) -> list[tuple[str, object]]:
    """Messages and events of a case in time order, as ("message"|"event", row) pairs."""
    messages = db.session.scalars(
        select(Message).where(Message.case_id == case.id).order_by(Message.id)
    ).all()
    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.not_in(MESSAGE_EVENT_KINDS))
        .order_by(CaseEvent.id)
    ).all()
    items = [("message", m) for m in messages] + [("event", e) for e in events]
    return sorted(items, key=lambda item: (item[1].created_at, item[0] == "message"))


MESSAGE_EVENT_KINDS = ("reply", "note", "submitter_reply")


@dataclass
class CaseFilters:
    search: str = ""
    status: str = "open"
    category_id: int | None = None
    department_id: int | None = None
    lead_id: int | None = None
    channel: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    sort: str = "received_desc"


OPEN = [CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING]
SORTS = {
    "received_desc": (Case.received_at, True),
    "received_asc": (Case.received_at, False),
    "updated_desc": (Case.updated_at, True),
}


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), STOCKHOLM)


def search_condition(text: str):
    text = text.strip()
    like = f"%{text.lower()}%"
    digits = "".join(ch for ch in text if ch.isdigit())
    conditions = [
        Case.number == text.upper(),
        func.lower(Case.subject).like(like),
        func.lower(Case.company_name).like(like),
        Case.submitter_email == text.lower(),
    ]
    if len(digits) in (10, 12):
        conditions.append(Case.org_number.in_([digits, digits[-10:]]))
    if text.upper().startswith("LOTS-"):
        conditions.append(Case.number.like(f"{text.upper()}%"))
    return or_(*conditions)


def filtered_cases(filters: CaseFilters):
    query = select(Case).options(selectinload(Case.category))
    if filters.status == "open":
        query = query.where(Case.status.in_(OPEN))
    elif filters.status and filters.status != "all":
        query = query.where(Case.status == filters.status)
    if filters.search:
        query = query.where(search_condition(filters.search))
    if filters.category_id:
        query = query.where(Case.category_id == filters.category_id)
    if filters.department_id:
        query = query.where(Case.department_id == filters.department_id)
    if filters.lead_id:
        query = query.where(Case.lead_id == filters.lead_id)
    if filters.channel:
        query = query.where(Case.channel == filters.channel)
    if filters.received_from:
        query = query.where(Case.received_at >= local_midnight(filters.received_from))
    if filters.received_to:
        day_after = filters.received_to + timedelta(days=1)
        query = query.where(Case.received_at < local_midnight(day_after))
    return query


def case_page(filters: CaseFilters, cursor: str | None, per_page: int):
    column, descending = SORTS.get(filters.sort, SORTS["received_desc"])
    return paginate(filtered_cases(filters), column, Case.id, cursor, per_page, descending)


def open_case_counts() -> dict[str, int]:
    """Number of open cases per status, in one query."""
    rows = db.session.execute(
        select(Case.status, func.count()).where(Case.status.in_(OPEN)).group_by(Case.status)
    ).all()
    counts = {status.value: 0 for status in OPEN}
    counts.update({status: number for status, number in rows})
    return counts


def my_open_cases(user, limit: int = 10) -> list[Case]:
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.lead_id == user.id, Case.status.in_(OPEN))
            .order_by(Case.received_at, Case.id)
            .limit(limit)
        )
    )
