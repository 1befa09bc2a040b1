"""Reading the calendar rules from configuration and the database."""

import json
from datetime import date, datetime, timedelta

from flask import current_app, g
from sqlalchemy import select

from lotsen.extensions import db
from lotsen.settings import Setting
from lotsen.timekeeping.calendar import (
    DEFAULT_OFFICE_HOURS,
    STOCKHOLM,
    OfficeHours,
    Span,
    WorkingCalendar,
    as_utc,
    parse_office_hours,
)
from lotsen.timekeeping.models import ClosedDay, ShortenedDay

OFFICE_HOURS_SETTING = "office_hours"
CALENDAR_CACHE = "_working_calendar"


def configured_office_hours() -> dict:
    """Office hours as raw {weekday: [(start, end), …]}: the admin's setting if saved, else the
    OFFICE_HOURS configuration."""
    row = db.session.get(Setting, OFFICE_HOURS_SETTING)
    if row is not None and row.value:
        return {
            int(day): [tuple(span) for span in spans]
            for day, spans in json.loads(row.value).items()
        }
    return current_app.config.get("OFFICE_HOURS") or DEFAULT_OFFICE_HOURS


def working_day_minutes() -> int:
    """Length of the longest regular working day, to express working minutes as days."""
    hours = parse_office_hours(configured_office_hours())
    lengths = [
        sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
            for start, end in windows
        )
        for windows in hours.values()
    ]
    return max(lengths, default=480) or 480


def office_hours_are_customised() -> bool:
    row = db.session.get(Setting, OFFICE_HOURS_SETTING)
    return row is not None and bool(row.value)


def build_calendar() -> WorkingCalendar:
    """A calendar from the configuration and every exception row (they are few)."""
    return WorkingCalendar.from_config(
        office_hours=configured_office_hours(),
        closed_days=db.session.scalars(select(ClosedDay.day)),
        shortened_days=dict(
            db.session.execute(select(ShortenedDay.day, ShortenedDay.closes_at)).all()
        ),
    )


def current_calendar() -> WorkingCalendar:
    """The calendar, built once per request (or CLI command) and kept on `g`."""
    calendar = g.get(CALENDAR_CACHE)
    if calendar is None:
        calendar = build_calendar()
        setattr(g, CALENDAR_CACHE, calendar)
    return calendar


def forget_current_calendar() -> None:
    """Drop the cached calendar after its rules changed."""
    g.pop(CALENDAR_CACHE, None)


def exceptions_in(model, year: int) -> list:
    """The ClosedDay or ShortenedDay rows of one year, by date."""
    return list(
        db.session.scalars(
            select(model)
            .where(model.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(model.day)
        )
    )


# --- The app's calendar (used by the public pages) -------------------------------------------


def office_hours() -> OfficeHours:
    return current_calendar().office_hours


def is_working_day(day: date) -> bool:
    return current_calendar().is_working_day(day)


def opening_spans(day: date) -> list[Span]:
    """The office's open periods on `day`, as aware local datetimes."""
    return current_calendar().local_spans(day)


def is_open(at: datetime) -> bool:
    local = at.astimezone(STOCKHOLM)
    return any(start <= local < end for start, end in opening_spans(local.date()))


def next_opening(at: datetime) -> datetime:
    """When the office next opens at or after `at` (at itself if it is open now)."""
    calendar = current_calendar()
    at = as_utc(at)
    day = at.astimezone(STOCKHOLM).date()
    for offset in range(0, 366):
        for start, end in calendar.spans(day + timedelta(days=offset)):
            if at < end:
                return max(start, at)
    raise ValueError("no office hours configured in the next year")
