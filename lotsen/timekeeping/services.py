"""Every write about working time: the figures stored per case and the calendar exceptions.

The figures of a case are recomputed automatically when a transaction that touched the case
(a new CaseEvent, or a change to the case row) commits: see timekeeping/hooks.py. Call
`recompute_case_figures` directly only when you need the figures before the commit.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm.util import identity_key

from lotsen.audit.models import AuditEvent
from lotsen.audit.services import record
from lotsen.cases import workflow
from lotsen.cases.models import Case, CaseEvent, CaseStatus, Category
from lotsen.db_types import utcnow
from lotsen.domain_errors import DomainError
from lotsen.extensions import db
from lotsen.settings import Setting
from lotsen.timekeeping.calendar import STOCKHOLM, WorkingCalendar, parse_office_hours
from lotsen.timekeeping.figures import CaseClockInput, StatusChange, compute_figures
from lotsen.timekeeping.models import CaseFigures, ClosedDay, ShortenedDay
from lotsen.timekeeping.queries import (
    OFFICE_HOURS_SETTING,
    configured_office_hours,
    current_calendar,
    forget_current_calendar,
)

STATUS_EVENT_KINDS = ("status", "reopened")
OPEN_STATUSES = tuple(sorted(workflow.OPEN_STATUSES))
CLOCK_COLUMNS = (
    Case.id,
    Case.status,
    Case.received_at,
    Case.first_response_at,
    Case.answered_at,
    Case.closed_at,
    Case.updated_at,
    Category.target_first_response_hours,
    Category.target_resolution_days,
)


class CalendarError(DomainError):
    """A calendar rule was broken; the message is for the user (Swedish), `field` names the
    form field it belongs to."""

    def __init__(self, message: str, field: str = "day"):
        super().__init__(message)
        self.field = field


# --- Figures per case ------------------------------------------------------------------------


def status_changes(events, current_status: str, fallback_at: datetime) -> list[StatusChange]:
    """The status changes from (created_at, to_status) event rows, in order.

    If the events do not end in the case's current status (a case imported or written without
    events), one change to it at `fallback_at` is added so the figures still follow the status.
    """
    changes = [StatusChange(at, str(to_status)) for at, to_status in events]
    last = changes[-1].to_status if changes else CaseStatus.NEW.value
    if last != str(current_status):
        changes.append(StatusChange(fallback_at, str(current_status)))
    return changes


class ClockRow(NamedTuple):
    """What the figures of one case are computed from (a Case, or a row of CLOCK_COLUMNS)."""

    id: int
    status: str
    received_at: datetime
    first_response_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime | None
    target_first_response_hours: int
    target_resolution_days: int

    @classmethod
    def of(cls, case: Case) -> "ClockRow":
        # By id, not case.category: that relationship is stale after category_id was changed.
        category = db.session.get(Category, case.category_id)
        return cls(
            case.id,
            case.status,
            case.received_at,
            case.first_response_at,
            case.answered_at,
            case.closed_at,
            case.updated_at,
            category.target_first_response_hours,
            category.target_resolution_days,
        )

    @property
    def fallback_time(self) -> datetime:
        """When a status change missing from the events most likely happened."""
        if self.status == CaseStatus.CLOSED and self.closed_at is not None:
            return self.closed_at
        return self.answered_at or self.updated_at or self.received_at


def clock_input(row: ClockRow, events) -> CaseClockInput:
    return CaseClockInput(
        received_at=row.received_at,
        first_response_at=row.first_response_at,
        changes=status_changes(events, row.status, row.fallback_time),
        first_response_target_hours=row.target_first_response_hours,
        resolution_target_days=row.target_resolution_days,
    )


def status_events_of(case_ids) -> dict[int, list]:
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.created_at, CaseEvent.to_status)
        .where(
            CaseEvent.case_id.in_(case_ids),
            CaseEvent.kind.in_(STATUS_EVENT_KINDS),
            CaseEvent.to_status.is_not(None),
        )
        .order_by(CaseEvent.case_id, CaseEvent.id)
    )
    events = defaultdict(list)
    for case_id, created_at, to_status in rows:
        events[case_id].append((created_at, to_status))
    return events


def locked_figures(case_ids) -> dict[int, CaseFigures]:
    """The stored figures rows, locked until commit on PostgreSQL so that concurrent
    recomputations of one case follow each other (the later one sees the earlier's events)."""
    rows = db.session.scalars(
        select(CaseFigures).where(CaseFigures.case_id.in_(case_ids)).with_for_update()
    )
    return {row.case_id: row for row in rows}


def store_figures(case_id: int, existing: CaseFigures | None, values) -> CaseFigures:
    figures = existing or CaseFigures(case_id=case_id)
    for column in fields(values):  # not asdict(): it deep-copies every datetime
        setattr(figures, column.name, getattr(values, column.name))
    if existing is None:
        db.session.add(figures)
    return figures


def recompute_case_figures(
    case: Case, calendar: WorkingCalendar | None = None, now: datetime | None = None
) -> CaseFigures:
    """Compute and store the working-time figures of `case` as of `now` (default: now).

    Flushes first so that events added in this transaction count. The rules are described in
    lotsen/timekeeping/figures.py.
    """
    db.session.flush()
    return recompute_rows([ClockRow.of(case)], calendar, now)[case.id]


def recompute_rows(
    rows: list[ClockRow],
    calendar: WorkingCalendar | None = None,
    now: datetime | None = None,
    known_events: dict[int, list] | None = None,
) -> dict[int, CaseFigures]:
    """Recompute and store the figures of a batch of cases: three queries for the batch.

    `known_events` ({case id: [(created_at, to_status), …]}) is for cases created in this
    transaction (see hooks.py): their status events are all known and no other transaction can
    have stored their figures, so neither is read from the database (an INSERT is all it costs).
    """
    calendar = calendar or current_calendar()
    now = now or utcnow()
    ids = [row.id for row in rows]
    if known_events is None:
        existing = locked_figures(ids)
        events = status_events_of(ids)
    else:
        existing = figures_in_session(ids)
        events = known_events
    stored = {}
    for row in rows:
        values = compute_figures(clock_input(row, events.get(row.id, [])), calendar, now)
        stored[row.id] = store_figures(row.id, existing.get(row.id), values)
    db.session.flush()
    return stored


def figures_in_session(case_ids) -> dict[int, CaseFigures]:
    """The figures rows of cases created in this transaction: only this session can hold one."""
    found = {}
    for case_id in case_ids:
        row = db.session.identity_map.get(identity_key(CaseFigures, case_id))
        if row is not None:
            found[case_id] = row
    return found


def recompute_figures_in_batches(
    batch_size: int = 1000, where=None, calendar=None, now=None
) -> Iterator[int]:
    """Recompute every case (or those matching `where`), batch by batch in id order.

    Yields the number of cases done after each batch has been flushed; the caller may commit,
    report progress and empty the session (db.session.expunge_all()) between batches to keep
    memory flat. Rows are streamed by keyset on the case id, never all loaded at once.
    """
    calendar = calendar or current_calendar()
    now = now or utcnow()
    last_id, done = 0, 0
    while True:
        query = select(*CLOCK_COLUMNS).join(Category, Case.category_id == Category.id)
        if where is not None:
            query = query.where(where)
        rows = [
            ClockRow(*row)
            for row in db.session.execute(
                query.where(Case.id > last_id).order_by(Case.id).limit(batch_size)
            )
        ]
        if not rows:
            return
        recompute_rows(rows, calendar, now)
        done += len(rows)
        last_id = rows[-1].id
        yield done


def count_cases(where=None) -> int:
    query = select(func.count()).select_from(Case)
    if where is not None:
        query = query.where(where)
    return db.session.scalar(query)


def cases_touching(day: date):
    """A condition for the cases whose clock may have run on the local `day`: received before
    its end and still open, or changed since it began."""
    start = datetime.combine(day, time(0), STOCKHOLM).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), STOCKHOLM).astimezone(UTC)
    return (Case.received_at < end) & or_(Case.status.in_(OPEN_STATUSES), Case.updated_at >= start)


class Recomputed(NamedTuple):
    """What a calendar change did to the stored figures."""

    cases: int  # recomputed now, in the same transaction
    deferred: int  # finished cases left for `flask lotsen recompute-figures`


def recompute_after_calendar_change(where) -> Recomputed:
    """Recompute the affected cases with the new rules, in this transaction.

    A web request should not recompute a whole archive (a closed day years back touches every
    case changed since): above CALENDAR_RECOMPUTE_LIMIT affected cases only the open ones,
    whose due times matter now, are recomputed and the rest is left for the command.
    """
    forget_current_calendar()
    return recompute_now_or_later(where)


def recompute_now_or_later(where) -> Recomputed:
    """Recompute the cases matching `where` in this transaction, batch by batch (keyset on the
    case id, three queries per batch); above CALENDAR_RECOMPUTE_LIMIT only the open ones, and
    the finished rest is left for `flask lotsen recompute-figures`."""
    affected = count_cases(where)
    if affected > current_app.config["CALENDAR_RECOMPUTE_LIMIT"]:
        where = where & Case.status.in_(OPEN_STATUSES)
    done = max(recompute_figures_in_batches(where=where), default=0)
    return Recomputed(done, affected - done)


def recompute_after_target_change(category_id: int) -> Recomputed:
    """Recompute the due times and margins of a category's cases after its service targets
    changed (the new targets are read from the flushed category row)."""
    db.session.flush()
    return recompute_now_or_later(Case.category_id == category_id)


# --- Calendar exceptions ---------------------------------------------------------------------


def check_day_is_free(day: date) -> None:
    if db.session.scalar(select(ClosedDay.id).where(ClosedDay.day == day)) is not None:
        raise CalendarError(_("Dagen är redan inlagd som stängd dag."))
    if db.session.scalar(select(ShortenedDay.id).where(ShortenedDay.day == day)) is not None:
        raise CalendarError(_("Dagen är redan inlagd som kortad dag."))


def check_regular_working_day(day: date) -> None:
    calendar = current_calendar()
    holiday = calendar.holiday_name(day)
    if holiday is not None:
        raise CalendarError(_("Dagen är redan en helgdag (%(name)s).", name=holiday))
    if day.weekday() not in calendar.office_hours:
        raise CalendarError(_("Kontoret har redan stängt den veckodagen."))


def add_closed_day(actor, day: date, reason: str) -> tuple[ClosedDay, Recomputed]:
    """Close the office on `day` and recompute the figures of the cases that day affects."""
    check_day_is_free(day)
    check_regular_working_day(day)
    closed = ClosedDay(day=day, reason=reason.strip())
    db.session.add(closed)
    db.session.flush()
    record(
        actor,
        "closed_days.created",
        closed,
        f"Stängd dag {day.isoformat()}: {closed.reason}",
        {"day": [None, day.isoformat()], "reason": [None, closed.reason]},
    )
    return closed, recompute_after_calendar_change(cases_touching(day))


def add_shortened_day(
    actor, day: date, closes_at: time, reason: str
) -> tuple[ShortenedDay, Recomputed]:
    """Close the office early on `day` and recompute the cases that day affects."""
    check_day_is_free(day)
    check_regular_working_day(day)
    spans = current_calendar().office_hours[day.weekday()]
    opens, closes = spans[0][0], spans[-1][1]
    if not opens < closes_at < closes:
        raise CalendarError(
            _(
                "Välj en tid mellan %(opens)s och %(closes)s, när kontoret har öppet. "
                "Lägg in en stängd dag om kontoret inte öppnar alls.",
                opens=opens.strftime("%H:%M"),
                closes=closes.strftime("%H:%M"),
            ),
            field="closes_at",
        )
    shortened = ShortenedDay(day=day, closes_at=closes_at, reason=reason.strip())
    db.session.add(shortened)
    db.session.flush()
    record(
        actor,
        "shortened_days.created",
        shortened,
        f"Kortad dag {day.isoformat()} till {closes_at.strftime('%H:%M')}: {shortened.reason}",
        {
            "day": [None, day.isoformat()],
            "closes_at": [None, closes_at.strftime("%H:%M")],
            "reason": [None, shortened.reason],
        },
    )
    return shortened, recompute_after_calendar_change(cases_touching(day))


def delete_exception(actor, exception: ClosedDay | ShortenedDay) -> Recomputed:
    """Remove a closed or shortened day and recompute the cases that day affects."""
    kind = "Stängd dag" if isinstance(exception, ClosedDay) else "Kortad dag"
    day = exception.day
    record(
        actor,
        f"{exception.__tablename__}.deleted",
        exception,
        f"{kind} {day.isoformat()} borttagen ({exception.reason})",
        {"day": [day.isoformat(), None]},
    )
    db.session.delete(exception)
    db.session.flush()
    return recompute_after_calendar_change(cases_touching(day))


# --- Office hours ----------------------------------------------------------------------------


def serialise_office_hours(hours: dict) -> dict[str, list[list[str]]]:
    return {
        str(day): [[start.strftime("%H:%M"), end.strftime("%H:%M")] for start, end in spans]
        for day, spans in sorted(parse_office_hours(hours).items())
    }


def save_office_hours(actor, hours: dict) -> dict:
    """Store the office hours ({weekday: [(start, end), …]}) as an admin setting, audit the
    change and recompute the open cases (their due times). Finished cases keep their figures
    until `flask lotsen recompute-figures` is run."""
    try:
        new = serialise_office_hours(hours)
    except ValueError as error:
        raise CalendarError(_("Kontorstiderna är ogiltiga."), field="monday") from error
    if not new:
        raise CalendarError(_("Ange öppettider för minst en veckodag."), field="monday")
    old = serialise_office_hours(configured_office_hours())
    if new == old:
        return {}
    row = db.session.get(Setting, OFFICE_HOURS_SETTING) or Setting(key=OFFICE_HOURS_SETTING)
    row.value = json.dumps(new)
    db.session.add(row)
    changes = {"office_hours": [old, new]}
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor is not None else None,
            action="settings.updated",
            object_type="settings",
            summary="Kontorstider ändrade",
            changes=changes,
        )
    )
    db.session.flush()
    recompute_after_calendar_change(Case.status.in_(OPEN_STATUSES))
    return changes
