"""Read-side queries for cases: lists, timelines, counts."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, inspect, literal, or_, select
from sqlalchemy.orm import defaultload, lazyload, selectinload

from lotsen.accounts.models import User
from lotsen.cases.models import Case, CaseEvent, CaseStatus, Category, Message
from lotsen.companies.orgnr import InvalidOrgNumber, normalise_org_number
from lotsen.extensions import db
from lotsen.pagination import paginate
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.timekeeping.models import CaseFigures
from lotsen.timekeeping.queries import working_day_minutes

# Ages of open cases in working days (lowest, highest; None: no upper bound), for the case
# list's filter and the managers' backlog.
AGE_BUCKETS = (("0–2", 0, 2), ("3–5", 3, 5), ("6–10", 6, 10), ("11–20", 11, 20), (">20", 21, None))


def name_only(relationship):
    """Loader option for a related user (lead, author, actor) of whom a page shows the name:
    the roles and departments that User loads eagerly (selectin) are left to load lazily.
    Otherwise every query that meets a user not yet in the session costs two more statements,
    and a page's number of statements would depend on who wrote what."""
    return defaultload(relationship).options(lazyload(User.role_rows), lazyload(User.departments))


def active_categories() -> list[Category]:
    """The categories a new case may get, in the order the forms show them."""
    return list(
        db.session.scalars(
            select(Category).where(Category.active).order_by(Category.sort_order, Category.name)
        )
    )


def age_bucket_expression(day_minutes: int):
    """The index into AGE_BUCKETS of an open case, by working time since receipt."""
    age = CaseFigures.handling_minutes + CaseFigures.paused_minutes
    whens = [
        (age < (highest + 1) * day_minutes, literal(index))
        for index, (_label, _lowest, highest) in enumerate(AGE_BUCKETS)
        if highest is not None
    ]
    return case(*whens, else_=literal(len(AGE_BUCKETS) - 1))


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
        select(Message)
        .where(Message.case_id == case.id)
        .options(name_only(Message.author))
        .order_by(Message.id)
    ).all()
    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.not_in(MESSAGE_EVENT_KINDS))
        .options(name_only(CaseEvent.actor))
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
    # A view's scope ("my department's queue"): cases of these departments only.
    department_ids: list[int] | None = None
    # Drill-down from the managers' dashboard (lotsen.reports): the cases behind one figure.
    without_department: bool = False
    age_bucket: int | None = None  # index into AGE_BUCKETS
    within_target: bool | None = None  # resolved within (True) or past (False) the target
    measured: str | None = None  # one of MEASURES: the cases a median/p90 is computed over

    @property
    def needs_figures(self) -> bool:
        return self.age_bucket is not None or self.within_target is not None or bool(self.measured)


OPEN = [CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING]
RESOLVED = [CaseStatus.ANSWERED, CaseStatus.CLOSED]
SORTS = {
    "received_desc": (Case.received_at, True),
    "received_asc": (Case.received_at, False),
    "updated_desc": (Case.updated_at, True),
}


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), STOCKHOLM)


# The cases with a stored figure, as the dashboard's percentiles count them.
MEASURES = {
    "first_response": CaseFigures.first_response_minutes.is_not(None),
    "handling": CaseFigures.handling_minutes.is_not(None),
}


def figure_conditions(filters: CaseFilters) -> list:
    """Conditions on the stored figures (case_figures, joined by its primary key). They only
    ever narrow a list already limited by an indexed status and receipt period."""
    conditions = []
    if filters.age_bucket is not None:
        bucket = age_bucket_expression(working_day_minutes())
        conditions.append(bucket == filters.age_bucket)
    if filters.within_target is True:
        conditions.append(CaseFigures.resolution_margin_minutes >= 0)
    elif filters.within_target is False:
        conditions.append(CaseFigures.resolution_margin_minutes < 0)
    if filters.measured in MEASURES:
        conditions.append(MEASURES[filters.measured])
    return conditions


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
    try:
        conditions.append(Case.org_number == normalise_org_number(text).value)
    except InvalidOrgNumber:
        if len(digits) in (10, 12):
            conditions.append(Case.org_number.in_([digits, digits[-10:]]))
    if text.upper().startswith("LOTS-"):
        conditions.append(Case.number.like(f"{text.upper()}%"))
    return or_(*conditions)


def filtered_cases(filters: CaseFilters):
    figures = inspect(Case).relationships["figures"].class_attribute  # a backref
    query = select(Case).options(
        selectinload(Case.category), selectinload(figures), name_only(Case.lead)
    )
    if filters.status == "open":
        query = query.where(Case.status.in_(OPEN))
    elif filters.status == "resolved":
        query = query.where(Case.status.in_(RESOLVED))
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
    if filters.department_ids is not None:
        query = query.where(Case.department_id.in_(filters.department_ids))
    if filters.without_department:
        query = query.where(Case.department_id.is_(None))
    if filters.needs_figures:
        query = query.join(CaseFigures, CaseFigures.case_id == Case.id).where(
            *figure_conditions(filters)
        )
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


COMPANY_CASES_PER_PAGE = 20
COMPANY_CASES_CAP = 999  # "999+": the count never walks more index entries than this


@dataclass
class CompanyCases:
    """A page of a company's cases (newest first) and how many it has, capped."""

    page: object  # lotsen.pagination.Page of Case
    total: int  # at most COMPANY_CASES_CAP + 1

    @property
    def total_text(self) -> str:
        return f"{COMPANY_CASES_CAP}+" if self.total > COMPANY_CASES_CAP else str(self.total)


def company_cases(company_id: int, cursor: str | None = None) -> CompanyCases:
    """The company's cases for its page (the register summary: number, subject, status,
    category, lead), newest first, keyset-paginated: two queries over ix_cases_company however
    many cases the company or the table holds."""
    mine = select(Case).where(Case.company_id == company_id).options(name_only(Case.lead))
    limited = mine.with_only_columns(Case.id).limit(COMPANY_CASES_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(limited))
    page = paginate(mine, Case.received_at, Case.id, cursor, COMPANY_CASES_PER_PAGE, True)
    return CompanyCases(page, total)


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
