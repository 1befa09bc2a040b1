"""The managers' figures, computed in SQL over cases JOIN case_figures.

Every figure is about the cases *received* in the period (local dates, Europe/Stockholm) that
match the filters. Durations come from the stored working-time figures (whole minutes).

Percentiles use the definition of PostgreSQL's `percentile_cont`: with the n values sorted,
the p-th percentile sits at rank r = p·(n − 1) and is interpolated linearly between the values
at ranks floor(r) and ceil(r). PostgreSQL computes it with `percentile_cont(p) WITHIN GROUP
(ORDER BY …)`, every percentile of the key figures in the same query as the counts. SQLite has
no such function; there one GROUP BY per duration returns its histogram (each distinct value
with its count; durations are whole minutes or days, so there are a few thousand at most, not
one row per case) and the two values around rank r are found by walking the cumulative counts.
That is exact and, measured on a million cases, about three times faster than sorting the
values with a window function (`bench/bench_dashboard.py`).

Query count per dashboard (`key_figures` and `tables`): PostgreSQL 2 (GROUPING SETS: the key
figures with the monthly trend, and both tables, each with its median and p90 handling time),
SQLite 10 (counts with the backlog, three histograms, trend counts and histogram, and per table
its counts and one histogram grouped by department or category).
"""

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import groupby

from sqlalchemy import and_, case, func, literal, literal_column, select, tuple_

from lotsen.accounts.models import Department, Role
from lotsen.cases.models import Case, CaseStatus, Category
from lotsen.cases.queries import AGE_BUCKETS, age_bucket_expression
from lotsen.extensions import db
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.timekeeping.models import CaseFigures
from lotsen.timekeeping.queries import working_day_minutes

# Who reads the dashboard's figures (its page, exports, yearly report, and the API's figures).
REPORT_READER_ROLES = (Role.MANAGER, Role.ADMIN)
RESOLVED = (CaseStatus.ANSWERED.value, CaseStatus.CLOSED.value)
OPEN = (
    CaseStatus.NEW.value,
    CaseStatus.ASSIGNED.value,
    CaseStatus.IN_PROGRESS.value,
    CaseStatus.WAITING.value,
)


# (label, lowest age in working days, highest age or None)
@dataclass
class ReportFilters:
    date_from: date
    date_to: date
    category_id: int | None = None
    department_id: int | None = None
    lead_id: int | None = None
    channel: str | None = None

    def case_list_args(self) -> dict:
        """Query-string arguments of the officials' case list showing the same cases."""
        args = {
            "received_from": self.date_from.isoformat(),
            "received_to": self.date_to.isoformat(),
            "category": self.category_id,
            "department": self.department_id,
            "lead": self.lead_id,
            "channel": self.channel,
        }
        return {key: value for key, value in args.items() if value not in (None, "")}


def default_period(today: date) -> tuple[date, date]:
    return date(today.year, 1, 1), date(today.year, 12, 31)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), STOCKHOLM)


def period_conditions(filters: ReportFilters) -> list:
    conditions = [
        Case.received_at >= local_midnight(filters.date_from),
        Case.received_at < local_midnight(filters.date_to + timedelta(days=1)),
    ]
    if filters.category_id:
        conditions.append(Case.category_id == filters.category_id)
    if filters.department_id:
        conditions.append(Case.department_id == filters.department_id)
    if filters.lead_id:
        conditions.append(Case.lead_id == filters.lead_id)
    if filters.channel:
        conditions.append(Case.channel == filters.channel)
    return conditions


# --- Percentiles ------------------------------------------------------------------------------

SHARES = (0.5, 0.9)


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def interpolate(lower: float, upper: float, fraction: float) -> float:
    return lower + (upper - lower) * fraction


def histogram_percentiles(histogram, shares=SHARES) -> list[float | None]:
    """Percentiles (as percentile_cont) of the values described by `histogram`: (value, count)
    pairs sorted by value."""
    values, cumulative, total = [], [], 0
    for value, count in histogram:
        total += count
        values.append(float(value))
        cumulative.append(total)  # the values up to here fill ranks 0 … total − 1
    if not total:
        return [None for _share in shares]
    results = []
    for share in shares:
        rank = share * (total - 1)
        lowest = math.floor(rank)
        lower = values[bisect_right(cumulative, lowest)]
        upper = values[bisect_right(cumulative, min(lowest + 1, total - 1))]
        results.append(interpolate(lower, upper, rank - lowest))
    return results


def figures_join(*columns):
    return select(*columns).select_from(Case).join(CaseFigures, CaseFigures.case_id == Case.id)


def histogram(expression, conditions: list, *groups) -> list:
    """(group…, value, count) of the non-null values of `expression`, sorted by group and
    value: one aggregate row per distinct value, not one per case."""
    value = expression.label("value")
    return db.session.execute(
        figures_join(*groups, value, func.count())
        .where(*conditions, expression.is_not(None))
        .group_by(*groups, value)
        .order_by(*groups, value)
    ).all()


@dataclass
class Spread:
    """Median and 90th percentile of one duration, in the unit shown."""

    median: float | None
    p90: float | None


def spread(values: list[float | None], divisor: float = 1) -> Spread:
    return Spread(*(None if value is None else value / divisor for value in values))


def percentile_cont(share: float, column, condition=None):
    """PostgreSQL's percentile_cont(share) of `column`, over the rows matching `condition`."""
    aggregate = func.percentile_cont(share).within_group(column.asc())
    return aggregate if condition is None else aggregate.filter(condition)


def percentile_columns(columns: list[tuple]) -> list:
    """percentile_cont(p) of each (column, condition) for each p in SHARES (PostgreSQL)."""
    return [
        percentile_cont(share, column, condition)
        for column, condition in columns
        for share in SHARES
    ]


# --- Key figures ------------------------------------------------------------------------------


@dataclass
class Summary:
    received: int
    resolved: int
    open: int
    resolved_with_margin: int
    within_target: int
    first_response_hours: Spread
    handling_hours: Spread
    handling_days: Spread
    calendar_days: Spread
    backlog: list[tuple[str, int, int, int | None]] = field(default_factory=list)

    @property
    def within_target_share(self) -> float | None:
        if not self.resolved_with_margin:
            return None
        return self.within_target / self.resolved_with_margin


def is_resolved():
    return Case.status.in_(RESOLVED)


def counts_columns():
    resolved = is_resolved()
    margin = CaseFigures.resolution_margin_minutes
    return (
        func.count(Case.id),
        func.count(case((resolved, 1))),
        func.count(case((Case.status.in_(OPEN), 1))),
        func.count(case((and_(resolved, margin.is_not(None)), 1))),
        func.count(case((and_(resolved, margin >= 0), 1))),
    )


def counted_cases(*columns):
    return (
        select(*columns)
        .select_from(Case)
        .join(CaseFigures, CaseFigures.case_id == Case.id, isouter=True)
    )


def durations() -> list[tuple]:
    """(column, extra condition): first-response minutes of every case, handling minutes and
    calendar days of the resolved cases."""
    return [
        (CaseFigures.first_response_minutes, None),
        (CaseFigures.handling_minutes, is_resolved()),
        (CaseFigures.calendar_days, is_resolved()),
    ]


def only_when(conditions: list, condition) -> list:
    return conditions if condition is None else [*conditions, condition]


def backlog_columns(day_minutes: int) -> list:
    """The number of open cases (with figures) in each age bucket, as aggregate columns."""
    bucket = age_bucket_expression(day_minutes)
    counted = and_(Case.status.in_(OPEN), CaseFigures.case_id.is_not(None))
    return [
        func.count(case((and_(counted, bucket == index), 1))) for index in range(len(AGE_BUCKETS))
    ]


SUMMARY_COUNTS = 5 + len(AGE_BUCKETS)  # counts_columns, then backlog_columns


def summary_of(row, percentiles: list, day_minutes: int) -> Summary:
    """A Summary from a row starting with counts_columns and backlog_columns, and the
    percentiles (median, p90) of first response, handling and calendar days, in minutes."""
    first_response, handling, days = (
        [None if value is None else float(value) for value in pair] for pair in percentiles
    )
    backlog = [
        (label, row[5 + index], lowest, highest)
        for index, (label, lowest, highest) in enumerate(AGE_BUCKETS)
    ]
    return Summary(
        *row[:5],
        first_response_hours=spread(first_response, 60),
        handling_hours=spread(handling, 60),
        handling_days=spread(handling, day_minutes),
        calendar_days=spread(days),
        backlog=backlog,
    )


def pairs(values) -> list:
    return [values[i : i + 2] for i in range(0, len(values), 2)]


def summary(filters: ReportFilters) -> Summary:
    """Every key figure of the dashboard for the cases received in the period."""
    return key_figures(filters, with_trend=False)[0]


def key_figures(filters: ReportFilters, with_trend: bool = True) -> tuple[Summary, list]:
    """The key figures and (unless not wanted) the monthly trend of the period.

    PostgreSQL: one query, GROUP BY GROUPING SETS ((), (month)), so the cases are read once.
    SQLite: the counts, one histogram per duration, then the trend (see monthly_trend)."""
    conditions = period_conditions(filters)
    day = working_day_minutes()
    columns = [*counts_columns(), *backlog_columns(day)]
    months = months_of(filters.date_from, filters.date_to) if with_trend else []
    if not is_postgresql():
        row = db.session.execute(counted_cases(*columns).where(*conditions)).one()
        percentiles = [
            histogram_percentiles(histogram(column, only_when(conditions, condition)))
            for column, condition in durations()
        ]
        return summary_of(row, percentiles, day), monthly_trend(filters) if months else []
    columns += percentile_columns(durations())
    if not months or len(months) > MAX_MONTHS:
        row = db.session.execute(counted_cases(*columns).where(*conditions)).one()
        return summary_of(row, pairs(row[SUMMARY_COUNTS:]), day), []
    month = local_month_expression()
    rows = db.session.execute(
        counted_cases(func.grouping(month), month, *columns)
        .where(*conditions)
        .group_by(func.grouping_sets(tuple_(), month))
    ).all()
    total = next(row[2:] for row in rows if row[0] == 1)
    # Per month: received, resolved and the median and p90 of the handling minutes (the 3rd
    # and 4th percentile columns).
    handling = 2 + SUMMARY_COUNTS + 2
    per_month = {
        (row[1].year, row[1].month): (row[2], row[3], row[handling], row[handling + 1])
        for row in rows
        if row[0] == 0
    }
    trend = [
        month_figures(first, last, per_month.get((first.year, first.month)), day)
        for first, last in months
    ]
    return summary_of(total, pairs(total[SUMMARY_COUNTS:]), day), trend


def month_figures(first: date, last: date, numbers, day_minutes: int) -> "Month":
    received, resolved, median, p90 = numbers or (0, 0, None, None)
    days = spread([None if value is None else float(value) for value in (median, p90)], day_minutes)
    return Month(first, last, received, resolved, days.median, days.p90)


# --- Trend and tables -------------------------------------------------------------------------


@dataclass
class Month:
    first_day: date
    last_day: date
    received: int
    resolved: int
    median_handling_days: float | None
    p90_handling_days: float | None = None


def months_of(first: date, last: date) -> list[tuple[date, date]]:
    months, start = [], date(first.year, first.month, 1)
    while start <= last:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        months.append((max(start, first), min(following - timedelta(days=1), last)))
        start = following
    return months


def month_index_expression(months: list[tuple[date, date]]):
    """The index of the local month a case was received in: exact on every backend, because
    the month boundaries (local midnight, DST-aware) are computed here, not in SQL. A balanced
    tree of CASEs, so a row costs log2(months) comparisons, not one per month."""

    def index_between(low: int, high: int):
        if low == high:
            return literal(low)
        middle = (low + high) // 2
        first_day_after = months[middle][1] + timedelta(days=1)
        return case(
            (Case.received_at < local_midnight(first_day_after), index_between(low, middle)),
            else_=index_between(middle + 1, high),
        )

    return index_between(0, len(months) - 1)


def local_month_expression():
    """The first moment of the local month of receipt (PostgreSQL: a naive local timestamp)."""
    # Constants as SQL literals, not bound parameters: GROUP BY GROUPING SETS must repeat the
    # expression exactly, and two sets of placeholders ($1 vs $3) would not match.
    zone = literal_column(f"'{STOCKHOLM.key}'")
    return func.date_trunc(literal_column("'month'"), func.timezone(zone, Case.received_at))


MAX_MONTHS = 240


def monthly_trend(filters: ReportFilters) -> list[Month]:
    """Received, resolved (so far) and median handling days per month of receipt."""
    months = months_of(filters.date_from, filters.date_to)
    if not months or len(months) > MAX_MONTHS:
        return []
    conditions = period_conditions(filters)
    received, resolved = func.count(Case.id), func.count(case((is_resolved(), 1)))
    if is_postgresql():
        month = local_month_expression().label("month")
        handling = percentile_columns([(CaseFigures.handling_minutes, is_resolved())])
        rows = db.session.execute(
            counted_cases(month, received, resolved, *handling).where(*conditions).group_by(month)
        ).all()
        starts = {(first.year, first.month): index for index, (first, _last) in enumerate(months)}
        numbers = {starts[row[0].year, row[0].month]: row[1:] for row in rows}
    else:
        index = month_index_expression(months).label("month")
        rows = db.session.execute(
            select(index, received, resolved).where(*conditions).group_by(index)
        ).all()
        spreads = grouped_percentiles(conditions, index)
        numbers = {row[0]: (row[1], row[2], *spreads.get(row[0], (None, None))) for row in rows}
    day = working_day_minutes()
    return [
        month_figures(first, last, numbers.get(position), day)
        for position, (first, last) in enumerate(months)
    ]


def grouped_percentiles(conditions: list, key) -> dict:
    """SQLite: {key: [median, p90]} of the handling minutes of the resolved cases, from one
    histogram per group (one query for every group)."""
    handling = histogram(CaseFigures.handling_minutes, [*conditions, is_resolved()], key)
    return {
        position: histogram_percentiles([row[1:] for row in group])
        for position, group in groupby(handling, key=lambda row: row[0])
    }


@dataclass
class GroupRow:
    id: int | None
    name: str
    received: int
    resolved: int
    open: int
    resolved_with_margin: int
    within_target: int
    # Median and p90 of the handling time of the resolved cases, in working days
    handling_days: Spread = field(default_factory=lambda: Spread(None, None))

    @property
    def within_target_share(self) -> float | None:
        if not self.resolved_with_margin:
            return None
        return self.within_target / self.resolved_with_margin

    @property
    def missed_target(self) -> int:
        """Resolved cases past their target (the rest of the within-target share)."""
        return self.resolved_with_margin - self.within_target


def group_row(key, name, counts, percentiles, day_minutes: int) -> GroupRow:
    values = [None if value is None else float(value) for value in percentiles]
    return GroupRow(key, name, *counts, handling_days=spread(values, day_minutes))


HANDLING_PERCENTILES = 2  # columns after counts_columns on PostgreSQL: median, p90


def grouped(filters: ReportFilters, key, name, join_target, join_on) -> list[GroupRow]:
    conditions = period_conditions(filters)
    day = working_day_minutes()
    columns = [*counts_columns()]
    if is_postgresql():
        columns += percentile_columns([(CaseFigures.handling_minutes, is_resolved())])
    rows = db.session.execute(
        counted_cases(key, name, *columns)
        .join(join_target, join_on, isouter=True)
        .where(*conditions)
        .group_by(key, name)
        .order_by(name)
    ).all()
    if is_postgresql():
        return [group_row(row[0], row[1], row[2:7], row[7:9], day) for row in rows]
    spreads = grouped_percentiles(conditions, key)
    return [
        group_row(row[0], row[1], row[2:7], spreads.get(row[0], (None, None)), day) for row in rows
    ]


def by_department(filters: ReportFilters) -> list[GroupRow]:
    """Counts per department (cases without a department last, named "")."""
    rows = grouped(
        filters,
        Case.department_id,
        Department.name,
        Department,
        Department.id == Case.department_id,
    )
    return sorted(rows, key=lambda row: (row.name is None, row.name or ""))


def by_category(filters: ReportFilters) -> list[GroupRow]:
    return grouped(
        filters, Case.category_id, Category.name, Category, Category.id == Case.category_id
    )


def tables(filters: ReportFilters) -> tuple[list[GroupRow], list[GroupRow]]:
    """by_department and by_category; on PostgreSQL in one query (GROUPING SETS)."""
    if not is_postgresql():
        return by_department(filters), by_category(filters)
    keys = (Case.department_id, Department.name, Case.category_id, Category.name)
    which = func.grouping(Case.department_id, Case.category_id)
    handling = percentile_columns([(CaseFigures.handling_minutes, is_resolved())])
    rows = db.session.execute(
        counted_cases(which, *keys)
        .add_columns(*counts_columns(), *handling)
        .join(Department, Department.id == Case.department_id, isouter=True)
        .join(Category, Category.id == Case.category_id, isouter=True)
        .where(*period_conditions(filters))
        .group_by(func.grouping_sets(tuple_(keys[0], keys[1]), tuple_(keys[2], keys[3])))
        .order_by(which, Department.name, Category.name)
    ).all()
    # grouping(department, category) is 1 (0b01) on the department rows, 2 on the category rows
    day = working_day_minutes()
    departments = [
        group_row(row[1], row[2], row[5:10], row[10:12], day) for row in rows if row[0] == 1
    ]
    categories = [
        group_row(row[3], row[4], row[5:10], row[10:12], day) for row in rows if row[0] == 2
    ]
    return (
        sorted(departments, key=lambda row: (row.name is None, row.name or "")),
        categories,  # by name, as by_category
    )


# --- The underlying case list (exports) -------------------------------------------------------


CASE_LIST_COLUMNS = (
    Case.number,
    Case.received_at,
    Case.status,
    Case.channel,
    Category.name,
    Department.name,
    CaseFigures.first_response_minutes,
    CaseFigures.handling_minutes,
    CaseFigures.paused_minutes,
    CaseFigures.calendar_days,
    CaseFigures.resolution_margin_minutes,
)


def case_rows(filters: ReportFilters, batch: int = 1000):
    """The cases behind the figures, streamed in batches (never all in memory at once)."""
    query = (
        select(*CASE_LIST_COLUMNS)
        .select_from(Case)
        .join(Category, Category.id == Case.category_id)
        .join(Department, Department.id == Case.department_id, isouter=True)
        .join(CaseFigures, CaseFigures.case_id == Case.id, isouter=True)
        .where(*period_conditions(filters))
        .order_by(Case.received_at, Case.id)
        .execution_options(yield_per=batch)
    )
    yield from db.session.execute(query)


@dataclass
class DecisionRequests:
    """Open cases whose company has asked for a decision (förvaltningslagen 12 §)."""

    pending: int
    overdue: int  # the four weeks have ended


def decision_requests(today: date) -> DecisionRequests:
    """Pending requests for a decision now (not per period), over ix_cases_decision_due."""
    pending = Case.decision_due_on.is_not(None)
    row = db.session.execute(
        select(
            func.count(),
            func.count().filter(Case.decision_due_on < today),
        ).where(pending, Case.status.in_(OPEN))
    ).one()
    return DecisionRequests(pending=row[0], overdue=row[1])
