"""Read-side queries of the team: my contributions, the case panel, meetings and agendas.

Nothing here writes; the writes live in contributions, coordinated_answer, handover, meetings
and company_meetings.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lotsen.accounts.models import Role, User, UserRole
from lotsen.cases.models import Case
from lotsen.cases.queries import name_only
from lotsen.extensions import db
from lotsen.pagination import Page, SortKey, paginate_by
from lotsen.team.models import (
    AgendaItem,
    CaseContribution,
    ContributionState,
    Meeting,
    MeetingKind,
    MeetingSeries,
)
from lotsen.timekeeping.calendar import local_today
from lotsen.triage.queries import away_until


def contribution_counts(user) -> dict[str, int]:
    """How many of the user's contributions are in each state, in one query."""
    rows = db.session.execute(
        select(CaseContribution.state, func.count())
        .where(CaseContribution.contributor_id == user.id)
        .group_by(CaseContribution.state)
    ).all()
    counts = {state.value: 0 for state in ContributionState}
    counts.update({state: number for state, number in rows})
    return counts


def my_contributions(user, state: str, cursor: str | None, per_page: int) -> Page:
    """The user's contributions in `state`: open ones soonest due first, others latest first."""
    query = (
        select(CaseContribution)
        .where(CaseContribution.contributor_id == user.id, CaseContribution.state == state)
        .options(selectinload(CaseContribution.case))
    )
    descending = state != ContributionState.REQUESTED
    keys = [
        SortKey(CaseContribution.due_on, descending=descending),
        SortKey(CaseContribution.id, descending=descending),
    ]
    return paginate_by(query, keys, cursor, per_page)


def team_members() -> list[User]:
    """Active officials and coordinators, by name (their departments loaded)."""
    working = UserRole.role.in_([Role.OFFICIAL.value, Role.COORDINATOR.value])
    return list(
        db.session.scalars(
            select(User)
            .where(User.active, User.role_rows.any(working))
            .order_by(User.name, User.id)
        )
    )


def member_choices(exclude_id: int | None = None) -> list[tuple[int, str]]:
    """Team members for a picker, each with departments and, if away today, until when (the
    absences the triage queue shows)."""
    members = [user for user in team_members() if user.id != exclude_id]
    away = away_until(user.id for user in members)
    choices = []
    for user in members:
        departments = ", ".join(d.name for d in user.departments)
        label = f"{user.name} ({departments})" if departments else user.name
        if user.id in away:
            label += " · " + _("frånvarande t.o.m. %(day)s", day=away[user.id].isoformat())
        choices.append((user.id, label))
    return choices


def upcoming_meetings(today: date, limit: int = 20) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.on_date >= today)
            .order_by(Meeting.on_date, Meeting.start_time, Meeting.id)
            .limit(limit)
        )
    )


def past_meetings(today: date, cursor: str | None, per_page: int) -> Page:
    query = select(Meeting).where(Meeting.on_date < today)
    keys = [SortKey(Meeting.on_date, descending=True), SortKey(Meeting.id, descending=True)]
    return paginate_by(query, keys, cursor, per_page)


def all_series() -> list[MeetingSeries]:
    return list(db.session.scalars(select(MeetingSeries).order_by(MeetingSeries.name)))


@dataclass
class AgendaEntry:
    item: AgendaItem
    open_contributions: list[CaseContribution] = field(default_factory=list)


def agenda_of(meeting: Meeting) -> list[AgendaEntry]:
    """The meeting's agenda with each case (lead, department, category joined) and its open
    contributions: three queries whatever the length of the agenda."""
    items = list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .options(selectinload(AgendaItem.case))
            .order_by(AgendaItem.id)
        )
    )
    case_ids = [item.case_id for item in items]
    open_ones: dict[int, list[CaseContribution]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        for contribution in db.session.scalars(
            select(CaseContribution)
            .where(
                CaseContribution.case_id.in_(case_ids),
                CaseContribution.state == ContributionState.REQUESTED,
            )
            .order_by(CaseContribution.due_on, CaseContribution.id)
        ):
            open_ones[contribution.case_id].append(contribution)
    return [AgendaEntry(item, open_ones[item.case_id]) for item in items]


def company_meetings_of(case: Case, today: date) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.case_id == case.id,
                Meeting.kind == MeetingKind.COMPANY,
                Meeting.on_date >= today,
            )
            .order_by(Meeting.on_date, Meeting.start_time)
        )
    )


def case_contributions(case: Case) -> list[CaseContribution]:
    """Every contribution of the case, in the order they were asked for."""
    return list(
        db.session.scalars(
            select(CaseContribution)
            .where(CaseContribution.case_id == case.id)
            .options(
                name_only(CaseContribution.contributor), name_only(CaseContribution.requested_by)
            )
            .order_by(CaseContribution.id)
        )
    )


def next_team_meeting(today: date | None = None) -> Meeting | None:
    """The earliest team meeting on or after `today` (default: today in Stockholm)."""
    today = today or local_today()
    return db.session.scalars(
        select(Meeting)
        .where(Meeting.kind == MeetingKind.TEAM, Meeting.on_date >= today)
        .order_by(Meeting.on_date, Meeting.start_time, Meeting.id)
        .limit(1)
    ).first()


def waiting_agenda_item(case: Case, today: date | None = None) -> AgendaItem | None:
    """The case's agenda item for an upcoming meeting (or waiting for one), if any."""
    today = today or local_today()
    return db.session.scalars(
        select(AgendaItem)
        .outerjoin(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(
            AgendaItem.case_id == case.id,
            AgendaItem.outcome_at.is_(None),
            (AgendaItem.meeting_id.is_(None)) | (Meeting.on_date >= today),
        )
        .order_by(AgendaItem.id.desc())
        .limit(1)
    ).first()
