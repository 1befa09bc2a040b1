"""Reading the calendar rules from configuration and the database.

The calendar is built once per process and kept until it changes (building it reads three
tables and parses the office hours; a public submission should not pay for that). Whether it
changed is seen from the settings, which a request reads once anyway (lotsen.settings): the office
hours are a setting, and every change of a closed or shortened day writes a new random
`calendar_version` (timekeeping/hooks.py does that on any flush that touches those tables, in
the same transaction). Another process sees the new version on its next request and rebuilds;
a rolled-back change leaves a version nobody reads again. A closed day written with raw SQL,
around the ORM, must write a new version too.
"""

import json
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from lotsen.extensions import db
from lotsen.settings import forget_stored_settings, stored_settings
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
CALENDAR_VERSION_SETTING = "calendar_version"
CALENDAR_CACHE = "lotsen_working_calendar"


def configured_office_hours(settings: dict[str, str] | None = None) -> dict:
    """Office hours as raw {weekday: [(start, end), …]}: the admin's setting if saved, else the
    OFFICE_HOURS configuration."""
    value = (settings if settings is not None else stored_settings()).get(OFFICE_HOURS_SETTING)
    if value:
        return {
            int(day): [tuple(span) for span in spans] for day, spans in json.loads(value).items()
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
    return bool(stored_settings().get(OFFICE_HOURS_SETTING))


def build_calendar(settings: dict[str, str] | None = None) -> WorkingCalendar:
    """A calendar from the configuration and every exception row (they are few)."""
    return WorkingCalendar.from_config(
        office_hours=configured_office_hours(settings),
        closed_days=db.session.scalars(select(ClosedDay.day)),
        shortened_days=dict(
            db.session.execute(select(ShortenedDay.day, ShortenedDay.closes_at)).all()
        ),
    )


def calendar_key(settings: dict[str, str]) -> tuple[str, str]:
    """What the cached calendar is valid for: the exceptions' version and the office hours."""
    return settings.get(CALENDAR_VERSION_SETTING, ""), settings.get(OFFICE_HOURS_SETTING, "")


def current_calendar() -> WorkingCalendar:
    """The calendar, built once per process (per app) and rebuilt when its key changes.

    Costs no statement of its own: the key comes from the settings the request reads once."""
    settings = stored_settings()
    key = calendar_key(settings)
    cached = current_app.extensions.get(CALENDAR_CACHE)
    if cached is not None and cached[0] == key:
        return cached[1]
    calendar = build_calendar(settings)
    current_app.extensions[CALENDAR_CACHE] = (key, calendar)
    return calendar


def forget_current_calendar() -> None:
    """Drop the cached calendar after its rules changed in this transaction."""
    current_app.extensions.pop(CALENDAR_CACHE, None)
    forget_stored_settings()


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
