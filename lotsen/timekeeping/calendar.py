"""The working calendar and working-time arithmetic.

The rules are local to Europe/Stockholm: office hours per weekday (split windows allowed, e.g. a
lunch break), Swedish public holidays plus the de facto closed days (midsommarafton, julafton,
nyårsafton), and the exceptions an admin sets (extra closed days, shortened days).

`WorkingCalendar` holds those rules; it is built once per process (see `current_calendar`) and
passed to the pure functions `working_minutes`, `add_working_minutes`, `calendar_days` and
`resolution_deadline`, which never touch the database. Datetimes may come in any timezone; they
are compared as instants, and every opening span is turned into a UTC interval, so a day of 23
or 25 hours (the last Sundays of March and October) is measured correctly.

Speed: the calendar keeps per-year prefix sums of working minutes per day, so the working time
between two instants months apart costs two partial days and a subtraction, and adding working
time is a bisection, not a walk minute by minute (or even day by day).
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from lotsen.db_types import utcnow

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEFAULT_OFFICE_HOURS = {weekday: [("08:00", "17:00")] for weekday in range(5)}
ONE_MINUTE = timedelta(minutes=1)
# add_working_minutes gives up after this many years without enough working time.
MAX_SEARCH_YEARS = 20

OfficeHours = dict[int, tuple[tuple[time, time], ...]]
Span = tuple[datetime, datetime]


def local_today(now: datetime | None = None) -> date:
    """Today's date in Stockholm (at `now`, else at the current time, which tests may set)."""
    return (now or utcnow()).astimezone(STOCKHOLM).date()


@lru_cache(maxsize=128)
def swedish_holidays(year: int, language: str = "sv") -> dict:
    """{date: name} of the public holidays and de facto closed days of `year` ("sv" names, or
    "en_US")."""
    return dict(
        holidays.country_holidays(
            "SE", years=year, categories=("public", "de_facto"), language=language
        )
    )


def parse_office_hours(configured: dict) -> OfficeHours:
    """{weekday: [("08:00", "12:00"), ("13:00", "17:00")]} → times, sorted, keys as ints.

    Raises ValueError for a malformed time, an empty or reversed window, or overlapping windows.
    """
    parsed: OfficeHours = {}
    for weekday, spans in configured.items():
        day = int(weekday)
        if not 0 <= day <= 6:
            raise ValueError(f"weekday {weekday!r} is not 0 (Monday) … 6 (Sunday)")
        windows = sorted((to_time(start), to_time(end)) for start, end in spans)
        for (start, end), following in zip(windows, [*windows[1:], None], strict=True):
            if start >= end:
                raise ValueError(f"office hours {start}–{end} end before they start")
            if following is not None and following[0] < end:
                raise ValueError(f"office hours {start}–{end} overlap the next window")
        if windows:
            parsed[day] = tuple(windows)
    return parsed


def to_time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


@dataclass(frozen=True, eq=False)
class WorkingCalendar:
    """Office hours, holidays and admin-set exceptions; answers questions about days.

    Build it with `WorkingCalendar.from_config(...)` (or `current_calendar()` in the app). The
    caches inside make repeated questions cheap; the rules themselves never change after
    construction.
    """

    office_hours: OfficeHours
    closed_days: frozenset[date] = frozenset()
    shortened_days: dict[date, time] = field(default_factory=dict)
    timezone: ZoneInfo = STOCKHOLM
    _spans: dict = field(default_factory=dict, init=False, repr=False)
    _year_prefix: dict = field(default_factory=dict, init=False, repr=False)
    _deadlines: dict = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_config(
        cls,
        office_hours: dict | None = None,
        closed_days=(),
        shortened_days: dict | None = None,
    ) -> "WorkingCalendar":
        return cls(
            office_hours=parse_office_hours(office_hours or DEFAULT_OFFICE_HOURS),
            closed_days=frozenset(closed_days),
            shortened_days={day: to_time(at) for day, at in (shortened_days or {}).items()},
        )

    # --- Days ---------------------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        return swedish_holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return bool(self.spans(day))

    def is_regular_working_day(self, day: date) -> bool:
        """A weekday with office hours that is not a public holiday (admin exceptions aside)."""
        return day.weekday() in self.office_hours and self.holiday_name(day) is None

    def spans(self, day: date) -> tuple[Span, ...]:
        """The open periods of `day` as UTC intervals (empty on a closed day)."""
        cached = self._spans.get(day)
        if cached is None:
            cached = self._spans[day] = tuple(
                (start.astimezone(UTC), end.astimezone(UTC)) for start, end in self.local_spans(day)
            )
        return cached

    def local_spans(self, day: date) -> list[Span]:
        """The open periods of `day` as aware Europe/Stockholm datetimes."""
        if not self.is_regular_working_day(day) or day in self.closed_days:
            return []
        closes_early = self.shortened_days.get(day)
        spans = []
        for start, end in self.office_hours[day.weekday()]:
            if closes_early is not None:
                end = min(end, closes_early)
            if start < end:
                spans.append(
                    (
                        datetime.combine(day, start, self.timezone),
                        datetime.combine(day, end, self.timezone),
                    )
                )
        return spans

    def day_minutes(self, day: date) -> int:
        return sum((end - start) // ONE_MINUTE for start, end in self.spans(day))

    @property
    def normal_day_minutes(self) -> int:
        """The length of a normal working day (the most common weekday length), e.g. 540."""
        lengths = [
            sum(
                (datetime.combine(date.min, end) - datetime.combine(date.min, start)) // ONE_MINUTE
                for start, end in spans
            )
            for spans in self.office_hours.values()
        ]
        return max(lengths, key=lambda length: (lengths.count(length), length), default=0)

    # --- Prefix sums --------------------------------------------------------------------------

    def prefix(self, year: int) -> list[int]:
        """Working minutes of `year` before each day: prefix[i] = minutes in days 0 … i-1."""
        cached = self._year_prefix.get(year)
        if cached is None:
            cached = [0]
            day = date(year, 1, 1)
            while day.year == year:
                cached.append(cached[-1] + self.day_minutes(day))
                day += timedelta(days=1)
            self._year_prefix[year] = cached
        return cached

    def minutes_of_whole_days(self, first: date, stop: date) -> int:
        """Working minutes in the whole days first, …, stop - 1 day."""
        if stop <= first:
            return 0
        if first.year == stop.year:
            table = self.prefix(first.year)
            return table[day_index(stop)] - table[day_index(first)]
        total = self.prefix(first.year)[-1] - self.prefix(first.year)[day_index(first)]
        for year in range(first.year + 1, stop.year):
            total += self.prefix(year)[-1]
        return total + self.prefix(stop.year)[day_index(stop)]

    def day_reaching(self, first: date, needed: timedelta) -> tuple[date, timedelta]:
        """The day (from `first` on) during which `needed` working time (> 0) runs out, and how
        much of it is left to use on that day."""
        year = first.year
        index = day_index(first)
        while True:
            table = self.prefix(year)
            rest_of_year = (table[-1] - table[index]) * ONE_MINUTE
            if needed <= rest_of_year:
                break
            needed -= rest_of_year
            year += 1
            index = 0
            if year > first.year + MAX_SEARCH_YEARS:
                raise ValueError(f"no working time within {MAX_SEARCH_YEARS} years of {first}")
        target = table[index] + needed / ONE_MINUTE
        stop = bisect_left(table, target, lo=index + 1)
        used_before = (table[stop - 1] - table[index]) * ONE_MINUTE
        return date(year, 1, 1) + timedelta(days=stop - 1), needed - used_before

    # --- Deadlines ----------------------------------------------------------------------------

    def end_of_working_day_after(self, day: date, count: int) -> datetime | None:
        """Closing time (UTC) of the `count`-th working day after `day`; count 0 is `day` itself
        (None if `day` is not a working day)."""
        key = (day, count)
        if key not in self._deadlines:
            self._deadlines[key] = self._find_end_of_working_day(day, count)
        return self._deadlines[key]

    def _find_end_of_working_day(self, day: date, count: int) -> datetime | None:
        if count <= 0:
            spans = self.spans(day)
            return spans[-1][1] if spans else None
        found = 0
        limit = day + timedelta(days=366 * MAX_SEARCH_YEARS)
        while found < count:
            day += timedelta(days=1)
            if day > limit:
                raise ValueError(f"no {count} working days within {MAX_SEARCH_YEARS} years")
            found += self.is_working_day(day)
        return self.spans(day)[-1][1]


def day_index(day: date) -> int:
    return day.timetuple().tm_yday - 1


# --- Working-time arithmetic -----------------------------------------------------------------


def working_time(start: datetime, end: datetime, calendar: WorkingCalendar) -> timedelta:
    """Working time between two aware instants (zero if end is not after start)."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        return timedelta(0)
    first_day = start.astimezone(calendar.timezone).date()
    last_day = end.astimezone(calendar.timezone).date()
    total = overlap(calendar.spans(first_day), start, end)
    if last_day != first_day:
        middle = calendar.minutes_of_whole_days(first_day + timedelta(days=1), last_day)
        total += middle * ONE_MINUTE + overlap(calendar.spans(last_day), start, end)
    return total


def working_minutes(start: datetime, end: datetime, calendar: WorkingCalendar) -> int:
    """Whole working minutes between two aware instants (0 if end is not after start).

    Seconds are summed first and the total is rounded down, so 16:59:30 → 17:00 is 0 minutes.
    """
    return working_time(start, end, calendar) // ONE_MINUTE


def add_working_minutes(start: datetime, minutes: int, calendar: WorkingCalendar) -> datetime:
    """The instant (UTC) when `minutes` of working time have passed since `start`.

    Time that runs out exactly at a closing time gives that closing time (Friday 17:00), not the
    next opening. Adding 0 minutes returns `start` itself.
    """
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    start = as_utc(start)
    remaining = minutes * ONE_MINUTE
    if not remaining:
        return start
    day = start.astimezone(calendar.timezone).date()
    due, remaining = consume_spans(calendar.spans(day), start, remaining)
    if due is not None:
        return due
    day, remaining = calendar.day_reaching(day + timedelta(days=1), remaining)
    due, _rest = consume_spans(calendar.spans(day), start, remaining)
    return due


def consume_spans(spans, start: datetime, remaining: timedelta):
    """Use `remaining` working time in `spans` from `start`: (due, None) or (None, still left)."""
    for span_start, span_end in spans:
        if span_end <= start:
            continue
        begin = max(span_start, start)
        available = span_end - begin
        if remaining <= available:
            return begin + remaining, None
        remaining -= available
    return None, remaining


def calendar_days(start: datetime, end: datetime, timezone: ZoneInfo = STOCKHOLM) -> int:
    """Calendar days between the local dates of two instants (Thursday → Monday is 4); ≥ 0."""
    days = (end.astimezone(timezone).date() - start.astimezone(timezone).date()).days
    return max(days, 0)


def resolution_deadline(received_at: datetime, days: int, calendar: WorkingCalendar) -> datetime:
    """ "Resolved within N working days": the closing time of the N-th working day after the day
    of receipt. A case received on Monday (at any hour) with N = 2 is due on Wednesday at
    closing time; one received on Saturday with N = 1 on Monday at closing time."""
    day = as_utc(received_at).astimezone(calendar.timezone).date()
    deadline = calendar.end_of_working_day_after(day, days)
    return deadline if deadline is not None else as_utc(received_at)


def overlap(spans, start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    for span_start, span_end in spans:
        if span_end > start and span_start < end:
            total += min(span_end, end) - max(span_start, start)
    return total


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the working calendar")
    return moment.astimezone(UTC)
