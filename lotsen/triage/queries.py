"""Read side of triage: the queue, the view counts, absences, routing overview, and who can lead,
who is away and how loaded each official is (what suggestions and assignment weigh).

Every list is keyset-paginated over an index; counts are capped (COUNT over a LIMITed subquery),
so no page grows with the number of cases kept.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, g
from sqlalchemy import func, inspect, literal, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from lotsen.accounts.models import Department, Role, User, UserRole, user_departments
from lotsen.cases.access import LEAD_ROLES
from lotsen.cases.models import Case, CaseStatus, Category
from lotsen.cases.workflow import OPEN_STATUSES
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.notifications.models import Notification
from lotsen.pagination import Page, paginate
from lotsen.team.models import CaseContribution, ContributionState
from lotsen.timekeeping.calendar import local_today, working_minutes
from lotsen.timekeeping.models import Clock
from lotsen.triage.models import (
    Absence,
    DepartmentAutoAssignment,
    RoutingRule,
    SavedFilter,
    user_categories,
)

OPEN = sorted(OPEN_STATUSES)
COUNT_CAP = 999  # "999+" beyond this: a count never scans more than this many index entries


def with_figures(query):
    figures = inspect(Case).relationships["figures"].class_attribute  # a backref
    return query.options(selectinload(figures))


# --- The triage queue -----------------------------------------------------------------------


def triage_query(department_id: int | None = None):
    """New cases nobody leads yet (index ix_cases_status_received or the department one)."""
    query = select(Case).where(Case.status == CaseStatus.NEW, Case.lead_id.is_(None))
    if department_id:
        query = query.where(Case.department_id == department_id)
    return query


def triage_page(cursor: str | None, per_page: int, department_id: int | None = None) -> Page:
    """The triage queue, oldest first."""
    return paginate(
        with_figures(triage_query(department_id)), Case.received_at, Case.id, cursor, per_page
    )


@dataclass(frozen=True)
class Countdown:
    """The next service target of an open case: which, when, and working minutes left."""

    target: str  # first_response | resolution
    due_at: datetime
    minutes_left: int  # negative when late
    paused: bool
    state: str  # ok | at_risk | breached (as the escalation reads the figures)


def countdown(case: Case, calendar, now: datetime | None = None) -> Countdown | None:
    """Read from the stored figures (timekeeping): first reply if none yet, else resolution."""
    figures = case.figures
    if figures is None:
        return None
    now = now or utcnow()
    if case.first_response_at is None and figures.first_response_due_at is not None:
        target, due_at = "first_response", figures.first_response_due_at
        target_minutes = figures.first_response_target_minutes
    elif figures.resolution_due_at is not None:
        target, due_at = "resolution", figures.resolution_due_at
        target_minutes = figures.resolution_target_minutes
    else:
        return None
    if due_at >= now:
        left = working_minutes(now, due_at, calendar)
    else:
        left = -working_minutes(due_at, now, calendar)
    share = float(current_app.config["ESCALATION_AT_RISK_SHARE"])
    if left < 0:
        state = "breached"
    elif left <= target_minutes * (1 - share):
        state = "at_risk"
    else:
        state = "ok"
    return Countdown(target, due_at, left, figures.clock == Clock.PAUSED, state)


# --- Counts for the navigation ------------------------------------------------------------


def capped_count(query) -> object:
    """A scalar subquery counting at most COUNT_CAP + 1 rows of `query`."""
    limited = query.with_only_columns(literal(1)).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(limited).scalar_subquery()


def open_cases():
    return select(Case.id).where(Case.status.in_(OPEN))


def view_counts(user) -> dict[str, int]:
    """Counts of the case views and notifications for `user`, in one query."""
    department_ids = [d.id for d in user.departments]
    columns = {
        "mine": capped_count(open_cases().where(Case.lead_id == user.id)),
        "department": capped_count(open_cases().where(Case.department_id.in_(department_ids))),
        "all": capped_count(open_cases()),
        "triage": capped_count(triage_query()),
        "unread": capped_count(
            select(Notification.id).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        ),
        "contributions": capped_count(open_contributions_of(user)),
    }
    row = db.session.execute(select(*(c.label(name) for name, c in columns.items()))).one()
    return dict(row._mapping)


def open_contributions_of(user):
    """The contributions `user` still has to answer."""
    return select(CaseContribution.id).where(
        CaseContribution.contributor_id == user.id,
        CaseContribution.state == ContributionState.REQUESTED,
    )


def cached_view_counts(user) -> dict[str, int]:
    """view_counts once per request: the navigation and the page share it."""
    counts = g.get("triage_view_counts")
    if counts is None:
        counts = view_counts(user)
        g.triage_view_counts = counts
    return counts


def nav_counts(user) -> dict[str, int]:
    """Badges of the main navigation, by endpoint."""
    if user is None or not user.is_authenticated:
        return {}
    try:
        counts = cached_view_counts(user)
    except SQLAlchemyError:  # an error page for a broken database must still render
        current_app.logger.warning("navigation counts unavailable", exc_info=True)
        return {}
    badges = {
        "triage.notifications": counts["unread"],
        "team.my_contributions": counts["contributions"],
    }
    if user.has_role(Role.COORDINATOR, Role.ADMIN):
        badges["triage.queue"] = counts["triage"]
    return badges


def format_count(number: int) -> str:
    return f"{COUNT_CAP}+" if number > COUNT_CAP else str(number)


# --- Absences, saved filters -----------------------------------------------


def absences_of(user) -> list[Absence]:
    """Current and coming absences of `user`, soonest first."""
    return list(
        db.session.scalars(
            select(Absence)
            .where(Absence.user_id == user.id, Absence.ends_on >= local_today())
            .order_by(Absence.starts_on, Absence.id)
        )
    )


def current_and_coming_absences() -> list[Absence]:
    """Every absence not yet over (index ix_absences_ends_on), soonest first."""
    return list(
        db.session.scalars(
            select(Absence)
            .where(Absence.ends_on >= local_today())
            .order_by(Absence.starts_on, Absence.id)
        )
    )


def saved_filters_of(user):

    return list(
        db.session.scalars(
            select(SavedFilter).where(SavedFilter.user_id == user.id).order_by(SavedFilter.name)
        )
    )


def handled_category_ids(user) -> list[int]:
    return sorted(categories_handled([user.id])[user.id])


# --- Routing overview (admin) --------------------------------------------------------------


def routing_overview() -> list[tuple[Category, RoutingRule | None]]:
    """Every category with its routing rule (None if it has none), by sort order."""
    rows = db.session.execute(
        select(Category, RoutingRule)
        .outerjoin(RoutingRule, RoutingRule.category_id == Category.id)
        .order_by(Category.sort_order, Category.name)
    ).all()
    return [(category, rule) for category, rule in rows]


def departments_with_auto_assignment() -> list[tuple[Department, DepartmentAutoAssignment | None]]:
    rows = db.session.execute(
        select(Department, DepartmentAutoAssignment)
        .outerjoin(
            DepartmentAutoAssignment, DepartmentAutoAssignment.department_id == Department.id
        )
        .where(Department.active)
        .order_by(Department.name)
    ).all()
    return [(department, setting) for department, setting in rows]


def active_departments() -> list[Department]:
    return list(
        db.session.scalars(select(Department).where(Department.active).order_by(Department.name))
    )


# --- Who can lead, who is away, how loaded ------------------------------------------------


# --- Who can lead, who is away, how loaded ------------------------------------------------------


def lead_candidates() -> list[User]:
    """Every active official or coordinator, by name (roles and departments eagerly loaded)."""
    has_lead_role = select(UserRole.user_id).where(UserRole.role.in_([r.value for r in LEAD_ROLES]))
    return list(
        db.session.scalars(
            select(User).where(User.active, User.id.in_(has_lead_role)).order_by(User.name, User.id)
        )
    )


def absent_user_ids(day: date | None = None, user_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of the users away on `day` (default today)."""
    day = day or local_today()
    query = select(Absence.user_id).where(Absence.starts_on <= day, Absence.ends_on >= day)
    if user_ids is not None:
        query = query.where(Absence.user_id.in_(list(user_ids)))
    return set(db.session.scalars(query))


def away_until(user_ids: Iterable[int], day: date | None = None) -> dict[int, date]:
    """The users away on `day` (default today), each with the last day of that absence."""
    day = day or local_today()
    rows = db.session.execute(
        select(Absence.user_id, func.max(Absence.ends_on))
        .where(
            Absence.starts_on <= day, Absence.ends_on >= day, Absence.user_id.in_(list(user_ids))
        )
        .group_by(Absence.user_id)
    )
    return dict(rows.all())


def is_absent(user: User, day: date | None = None) -> bool:
    return user.id in absent_user_ids(day, [user.id])


def open_case_counts(user_ids: Sequence[int]) -> dict[int, int]:
    """Open cases led by each user, in one grouped query (index ix_cases_lead_status)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Case.lead_id, func.count())
        .where(Case.lead_id.in_(list(user_ids)), Case.status.in_(OPEN))
        .group_by(Case.lead_id)
    )
    return dict(rows.all())


def open_contribution_counts(user_ids: Sequence[int]) -> dict[int, int]:
    """Open contributions (delsvar asked of them, not yet done or declined) per user."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(CaseContribution.contributor_id, func.count())
        .where(
            CaseContribution.contributor_id.in_(list(user_ids)),
            CaseContribution.state == ContributionState.REQUESTED,
        )
        .group_by(CaseContribution.contributor_id)
    )
    return dict(rows.all())


def workloads(user_ids: Sequence[int]) -> dict[int, int]:
    """Open items on each user's desk: open cases as lead + open contributions. Two queries."""
    cases = open_case_counts(user_ids)
    contributions = open_contribution_counts(user_ids)
    return {uid: cases.get(uid, 0) + contributions.get(uid, 0) for uid in user_ids}


def categories_handled(user_ids: Sequence[int]) -> dict[int, set[int]]:
    handled: dict[int, set[int]] = {uid: set() for uid in user_ids}
    if user_ids:
        rows = db.session.execute(
            select(user_categories.c.user_id, user_categories.c.category_id).where(
                user_categories.c.user_id.in_(list(user_ids))
            )
        )
        for user_id, category_id in rows:
            handled[user_id].add(category_id)
    return handled


def rules_for(category_ids: Iterable[int]) -> dict[int, RoutingRule]:
    ids = sorted(set(category_ids))
    if not ids:
        return {}
    rows = db.session.scalars(select(RoutingRule).where(RoutingRule.category_id.in_(ids)))
    return {rule.category_id: rule for rule in rows}


def auto_assignment_of(department_id: int) -> DepartmentAutoAssignment | None:
    return db.session.get(DepartmentAutoAssignment, department_id)


def available_members(department_id: int, day: date | None = None) -> list[User]:
    """Active officials and coordinators of the department who are not away, by id."""
    members = select(user_departments.c.user_id).where(
        user_departments.c.department_id == department_id
    )
    member_ids = set(db.session.scalars(members))
    users = [u for u in lead_candidates() if u.id in member_ids]
    away = absent_user_ids(day, [u.id for u in users])
    return sorted((u for u in users if u.id not in away), key=lambda u: u.id)
