"""The working-time figures of one case, computed from its status history. Pure: no database.

The rules
---------
* The handling clock starts when the case is received (`received_at`) and follows the status:
  it runs while the case is new, assigned or in progress; it is paused while the case waits for
  the company (waiting_for_company); it is stopped while the case is answered, closed, withdrawn
  or spam. Only office hours count (see calendar.py).
* Handling time = working time while the clock runs. A reopened case therefore counts
  received → first answered plus reopened → next answered; time spent answered or closed is
  not counted, and neither is time waiting for the company (that is the paused time).
* First response = the first public reply to the company (`first_response_at`). A case answered
  without any written reply (e.g. answered by phone) counts its first answer as the first
  response. First-response time is running time from receipt to that moment, so waiting for the
  company before the first reply does not count either.
* Targets (servicegaranti) per category: first response within N working hours = N × 60 minutes
  of running time. Resolved within N working days = by the closing time of the N-th working day
  after the day of receipt; the case's budget is the working time from receipt to that closing
  time, so without pauses the due time is exactly that closing time and every paused (or
  answered-then-reopened) working minute pushes it later by one working minute.
* Due time = the moment the running clock reaches the target. While the clock is paused it is
  projected from now (it moves later as the pause goes on); for a finished case it is where it
  stood when the clock stopped.
* Margin = target minus time used, in working minutes: positive = ahead, negative = late. For an
  open case it is the margin so far. A withdrawn or spam case has no resolution margin or due
  time, nor a first-response one if it was never answered.
* Calendar days = days between the local dates of receipt and resolution (the latest answer), or
  of receipt and now / the withdrawal for other cases.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lotsen.cases.models import CaseStatus
from lotsen.timekeeping.calendar import (
    WorkingCalendar,
    add_working_minutes,
    as_utc,
    calendar_days,
    resolution_deadline,
    working_minutes,
)
from lotsen.timekeeping.models import Clock

S = CaseStatus
RUNNING_STATUSES = frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS})
PAUSED_STATUSES = frozenset({S.WAITING})
RESOLVED_STATUSES = frozenset({S.ANSWERED, S.CLOSED})
ABANDONED_STATUSES = frozenset({S.WITHDRAWN, S.SPAM})


def clock_of(status: str) -> Clock:
    if status in RUNNING_STATUSES:
        return Clock.RUNNING
    if status in PAUSED_STATUSES:
        return Clock.PAUSED
    return Clock.STOPPED


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    to_status: str


@dataclass(frozen=True)
class CaseClockInput:
    """What the figures of a case depend on."""

    received_at: datetime
    first_response_at: datetime | None
    changes: Sequence[StatusChange]  # in the order they happened
    first_response_target_hours: int
    resolution_target_days: int


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    status: str

    @property
    def clock(self) -> Clock:
        return clock_of(self.status)


@dataclass(frozen=True)
class Figures:
    clock: str
    first_response_minutes: int | None
    handling_minutes: int
    paused_minutes: int
    calendar_days: int
    first_response_target_minutes: int
    resolution_target_minutes: int
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_margin_minutes: int | None
    resolution_margin_minutes: int | None
    computed_at: datetime


def timeline(received_at: datetime, changes: Sequence[StatusChange], now: datetime) -> list:
    """Consecutive segments from receipt to now, each with the status the case had then.

    Change times are clamped so that the timeline never runs backwards (a change stamped before
    the receipt counts from the receipt)."""
    segments = []
    start, status = as_utc(received_at), S.NEW.value
    for change in changes:
        at = max(as_utc(change.at), start)
        segments.append(Segment(start, at, status))
        start, status = at, str(change.to_status)
    segments.append(Segment(start, max(as_utc(now), start), status))
    return [segment for segment in segments[:-1] if segment.end > segment.start] + segments[-1:]


def clip(segments, end: datetime) -> list:
    """The part of the timeline before `end`."""
    return [
        Segment(segment.start, min(segment.end, end), segment.status)
        for segment in segments
        if segment.start < end
    ]


def minutes_with_clock(segments, clock: Clock, calendar: WorkingCalendar) -> int:
    return sum(
        working_minutes(segment.start, segment.end, calendar)
        for segment in segments
        if segment.clock == clock
    )


def due_at(segments, target: int, calendar: WorkingCalendar, tail_from: datetime) -> datetime:
    """When the running clock reaches `target` minutes; after the timeline ends it is assumed
    to run on from `tail_from`."""
    used = 0
    for segment in segments:
        if segment.clock != Clock.RUNNING:
            continue
        minutes = working_minutes(segment.start, segment.end, calendar)
        if used + minutes >= target:
            return add_working_minutes(segment.start, target - used, calendar)
        used += minutes
    return add_working_minutes(tail_from, target - used, calendar)


def first_response_moment(data: CaseClockInput, segments) -> datetime | None:
    if data.first_response_at is not None:
        return max(as_utc(data.first_response_at), as_utc(data.received_at))
    for segment in segments:
        if segment.status in RESOLVED_STATUSES:
            return segment.start
    return None


def compute_figures(data: CaseClockInput, calendar: WorkingCalendar, now: datetime) -> Figures:
    """All figures of one case as of `now` (see the module docstring for the rules)."""
    segments = timeline(data.received_at, data.changes, now)
    last = segments[-1]
    clock = last.clock
    stopped_at = last.start if clock == Clock.STOPPED else last.end
    abandoned = last.status in ABANDONED_STATUSES

    handling = minutes_with_clock(segments, Clock.RUNNING, calendar)
    paused = minutes_with_clock(segments, Clock.PAUSED, calendar)
    first_target = data.first_response_target_hours * 60
    received = as_utc(data.received_at)
    resolution_target = working_minutes(
        received, resolution_deadline(received, data.resolution_target_days, calendar), calendar
    )

    responded_at = first_response_moment(data, segments)
    if responded_at is not None:
        before_response = clip(segments, responded_at)
        first_minutes = minutes_with_clock(before_response, Clock.RUNNING, calendar)
        first_due = due_at(before_response, first_target, calendar, responded_at)
        first_margin = first_target - first_minutes
    elif abandoned:
        first_minutes, first_due, first_margin = None, None, None
    else:
        first_minutes = None
        first_due = due_at(segments, first_target, calendar, stopped_at)
        first_margin = first_target - handling

    if abandoned:
        resolution_due, resolution_margin = None, None
    else:
        resolution_due = due_at(segments, resolution_target, calendar, stopped_at)
        resolution_margin = resolution_target - handling

    return Figures(
        clock=clock.value,
        first_response_minutes=first_minutes,
        handling_minutes=handling,
        paused_minutes=paused,
        calendar_days=calendar_days(received, stopped_at, calendar.timezone),
        first_response_target_minutes=first_target,
        resolution_target_minutes=resolution_target,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
        first_response_margin_minutes=first_margin,
        resolution_margin_minutes=resolution_margin,
        computed_at=as_utc(now),
    )
