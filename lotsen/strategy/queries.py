"""The strategy dashboard's figures. Every count and sum is aggregated in SQL (GROUP BY).

Periods are local calendar periods (Europe/Stockholm). Their boundaries are computed here and
passed to SQL as a CASE expression over the timestamp, so that grouping is exact and the same on
SQLite and PostgreSQL (the pattern of `lotsen.reports.queries.month_index_expression`).

Jobs: every company's employee count as of a day is the latest figure known on that day, from
a visit ("employees now") or from the company registry (employee count and the day it refers
to); a visit wins over a registry figure of the same day. The reported total is the sum of those
latest figures. The change since the baseline is the reported total now minus the reported total
at the end of the baseline year of the "new_jobs" target, compared with the target value (for
Lerum +2 500 by 2035) and with the straight path from the baseline year to the target year.
A company that reports for the first time adds its whole head count, so the figure is a signal,
not official employment statistics.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import Date, and_, case, cast, func, literal, select, true, union_all
from sqlalchemy.orm import selectinload

from lotsen.companies.models import Company
from lotsen.extensions import db
from lotsen.programme.models import StrategyTarget
from lotsen.programme.queries import all_areas
from lotsen.reports import queries as report_queries
from lotsen.strategy.services import target_by_key
from lotsen.timekeeping.calendar import STOCKHOLM, local_today
from lotsen.visits.models import FollowUp, Need, Visit, VisitTopic, visit_topic_areas
from lotsen.visits.services import coverage

GROUPINGS = ("month", "quarter", "year")
PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
MAX_PERIODS = 120
JOBS_TARGET_KEY = "new_jobs"
VISITS_TARGET_KEY = "visits_per_year"


# --- Periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    grouping: str

    @property
    def label(self) -> str:
        if self.grouping == "year":
            return str(self.first_day.year)
        if self.grouping == "quarter":
            quarter = (self.first_day.month - 1) // 3 + 1
            return _("%(year)s K%(quarter)s", year=self.first_day.year, quarter=quarter)
        return self.first_day.strftime("%Y-%m")


def period_start(day: date, grouping: str) -> date:
    if grouping == "year":
        return date(day.year, 1, 1)
    if grouping == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, day.month, 1)


def next_period_start(start: date, grouping: str) -> date:
    months = 12 // PERIODS_PER_YEAR[grouping]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def periods_of(first: date, last: date, grouping: str) -> list[Period]:
    """Whole calendar periods (months, quarters or years) covering first … last."""
    periods, start = [], period_start(first, grouping)
    while start <= last:
        following = next_period_start(start, grouping)
        periods.append(Period(start, following - timedelta(days=1), grouping))
        start = following
    return periods


@dataclass
class DashboardFilters:
    date_from: date
    date_to: date
    grouping: str = "quarter"

    def __post_init__(self):
        if self.grouping not in GROUPINGS:
            self.grouping = "quarter"
        if self.date_from > self.date_to:
            self.date_from, self.date_to = self.date_to, self.date_from
        # Too many months or quarters for a chart: show years instead.
        if len(periods_of(self.date_from, self.date_to, self.grouping)) > MAX_PERIODS:
            self.grouping = "year"

    @property
    def periods(self) -> list[Period]:
        return periods_of(self.date_from, self.date_to, self.grouping)

    @property
    def first_day(self) -> date:
        return self.periods[0].first_day

    @property
    def last_day(self) -> date:
        return self.periods[-1].last_day

    def args(self) -> dict:
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "grouping": self.grouping,
        }


def default_filters(today: date) -> DashboardFilters:
    """The last three calendar years, by quarter."""
    return DashboardFilters(date(today.year - 2, 1, 1), date(today.year, 12, 31), "quarter")


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), STOCKHOLM)


def in_periods(column, periods: list[Period]):
    return and_(
        column >= local_midnight(periods[0].first_day),
        column < local_midnight(periods[-1].last_day + timedelta(days=1)),
    )


def period_index(column, periods: list[Period]):
    """The index into `periods` of the local period a timestamp falls in."""
    whens = [
        (column < local_midnight(period.last_day + timedelta(days=1)), literal(index))
        for index, period in enumerate(periods[:-1])
    ]
    if not whens:
        return literal(0)
    return case(*whens, else_=literal(len(periods) - 1))


# --- Visits against the target ----------------------------------------------------------------


@dataclass
class PeriodVisits:
    period: Period
    done: int
    planned: int
    target: float | None

    @property
    def share_of_target(self) -> float | None:
        return self.done / self.target if self.target else None


def visits_target() -> StrategyTarget | None:
    return target_by_key(VISITS_TARGET_KEY)


def visits_per_period(filters: DashboardFilters, now: datetime) -> list[PeriodVisits]:
    """Visits made (and still planned) per period, with the share of the yearly visit target
    that falls on one period."""
    periods = filters.periods
    index = period_index(Visit.starts_at, periods).label("period")
    rows = db.session.execute(
        select(
            index,
            func.count(case((Visit.starts_at <= now, 1))),
            func.count(case((Visit.starts_at > now, 1))),
        )
        .where(in_periods(Visit.starts_at, periods))
        .group_by(index)
    ).all()
    counts = {int(row[0]): (row[1], row[2]) for row in rows}
    target = visits_target()
    per_period = target.target_value / PERIODS_PER_YEAR[filters.grouping] if target else None
    return [
        PeriodVisits(period, *counts.get(position, (0, 0)), target=per_period)
        for position, period in enumerate(periods)
    ]


# --- Coverage -----------------------------------------------------------------------------------


@dataclass
class Coverage:
    as_of: datetime
    visited: int
    total: int

    @property
    def share(self) -> float | None:
        return self.visited / self.total if self.total else None


def coverage_as_of(filters: DashboardFilters, now: datetime) -> Coverage:
    """Coverage at the end of the chosen period, or now when the period has not ended."""
    end = local_midnight(filters.last_day + timedelta(days=1)) - timedelta(microseconds=1)
    as_of = min(end, now)
    return Coverage(as_of, *coverage(as_of))


# --- Topics per strategy area -----------------------------------------------------------------


@dataclass
class AreaTopics:
    area_id: int
    name: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


def topics_per_area(filters: DashboardFilters, now: datetime) -> list[AreaTopics]:
    """How many topics raised at visits were tagged with each strategy area, per period."""
    periods = filters.periods
    index = period_index(Visit.starts_at, periods).label("period")
    area_id = visit_topic_areas.c.area_id
    rows = db.session.execute(
        select(area_id, index, func.count())
        .select_from(VisitTopic)
        .join(Visit, Visit.id == VisitTopic.visit_id)
        .join(visit_topic_areas, visit_topic_areas.c.topic_id == VisitTopic.id)
        .where(in_periods(Visit.starts_at, periods), Visit.starts_at <= now)
        .group_by(area_id, index)
    ).all()
    counts = {(row[0], int(row[1])): row[2] for row in rows}
    return [
        AreaTopics(area.id, area.name, [counts.get((area.id, i), 0) for i in range(len(periods))])
        for area in all_areas()
    ]


# --- Needs --------------------------------------------------------------------------------------


@dataclass
class NeedCount:
    need: Need
    visits: int

    @property
    def label(self) -> str:
        return self.need.label


def needs_elements():
    """One row per need in a visit's JSON list of needs (json_each / json_array_elements_text)."""
    if db.engine.dialect.name == "postgresql":
        return func.json_array_elements_text(Visit.needs).table_valued("value")
    return func.json_each(Visit.needs).table_valued("value")


def common_needs(filters: DashboardFilters, now: datetime) -> list[NeedCount]:
    """The needs companies mentioned at visits in the period, most common first."""
    element = needs_elements()
    need = element.c.value
    number = func.count()
    rows = db.session.execute(
        select(need, number)
        .select_from(Visit)
        .join(element, true())
        .where(in_periods(Visit.starts_at, filters.periods), Visit.starts_at <= now)
        .group_by(need)
        .order_by(number.desc(), need)
    ).all()
    known = {item.value for item in Need}
    return [NeedCount(Need(value), visits) for value, visits in rows if value in known]


# --- Overdue follow-ups -------------------------------------------------------------------------


def overdue_follow_ups_count(today: date) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(FollowUp)
        .where(FollowUp.done_at.is_(None), FollowUp.due_on < today)
    )


def overdue_follow_ups(today: date, limit: int | None = 50) -> list[FollowUp]:
    """Every owner's open follow-ups past their due date, the oldest first."""
    query = (
        select(FollowUp)
        .where(FollowUp.done_at.is_(None), FollowUp.due_on < today)
        .options(
            selectinload(FollowUp.owner),
            selectinload(FollowUp.visit).selectinload(Visit.company),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


# --- Jobs ---------------------------------------------------------------------------------------


def local_day(column):
    """The local calendar day of a timestamp. On SQLite the UTC day: visits take place in
    daytime, when the UTC day is the local day."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("Europe/Stockholm", column), Date)
    return func.date(column)


def employee_reports():
    """(company_id, reported_on, employees, preference) from visits and the registry."""
    from_visits = (
        select(
            Visit.company_id.label("company_id"),
            local_day(Visit.starts_at).label("reported_on"),
            Visit.employees_now.label("employees"),
            literal(1).label("preference"),
        )
        .join(Company, Company.id == Visit.company_id)
        .where(Visit.employees_now.is_not(None), Company.merged_into_id.is_(None))
    )
    from_registry = select(
        Company.id,
        Company.employee_count_on,
        Company.employee_count,
        literal(0),
    ).where(
        Company.employee_count.is_not(None),
        Company.employee_count_on.is_not(None),
        Company.merged_into_id.is_(None),
    )
    return union_all(from_visits, from_registry).subquery("reports")


@dataclass
class JobsPoint:
    as_of: date
    employees: int
    companies: int


def reported_employees(days: list[date]) -> list[JobsPoint]:
    """For each day: the sum over companies of their latest employee count known on that day,
    and how many companies have one."""
    if not days:
        return []
    points = union_all(
        *(
            select(literal(index).label("point"), literal(day, Date).label("as_of"))
            for index, day in enumerate(days)
        )
    ).subquery("points")
    reports = employee_reports()
    latest_first = func.row_number().over(
        partition_by=(points.c.point, reports.c.company_id),
        order_by=(reports.c.reported_on.desc(), reports.c.preference.desc()),
    )
    ranked = (
        select(points.c.point, reports.c.employees, latest_first.label("rank"))
        .select_from(points)
        .join(reports, reports.c.reported_on <= points.c.as_of)
        .subquery("ranked")
    )
    rows = db.session.execute(
        select(ranked.c.point, func.sum(ranked.c.employees), func.count())
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.point)
    ).all()
    totals = {int(point): (int(employees or 0), companies) for point, employees, companies in rows}
    return [JobsPoint(day, *totals.get(index, (0, 0))) for index, day in enumerate(days)]


@dataclass
class JobsTrendPoint:
    label: str
    point: JobsPoint
    change: int
    expected_change: float | None


@dataclass
class Jobs:
    target: StrategyTarget | None
    baseline: JobsPoint | None
    latest: JobsPoint
    trend: list[JobsTrendPoint]
    planned_growth: int
    planned_companies: int

    @property
    def change(self) -> int | None:
        return None if self.baseline is None else self.latest.employees - self.baseline.employees

    @property
    def expected_change(self) -> float | None:
        return expected_change(self.target, self.latest.as_of)

    @property
    def target_level(self) -> int | None:
        if self.baseline is None or self.target is None:
            return None
        return self.baseline.employees + target_change(self.target)


def target_change(target: StrategyTarget) -> int:
    """How much the target asks for beyond its baseline (for Lerum's new jobs: 2 500)."""
    return target.target_value - (target.baseline or 0)


def expected_change(target: StrategyTarget | None, day: date) -> float | None:
    """The change the straight path from the end of the baseline year to the end of the target
    year asks for by `day`."""
    if target is None or target.baseline_year is None:
        return None
    start = date(target.baseline_year, 12, 31)
    end = date(target.target_year, 12, 31)
    if end <= start:
        return float(target_change(target))
    fraction = (day - start).days / (end - start).days
    return target_change(target) * min(max(fraction, 0.0), 1.0)


def planned_growth() -> tuple[int, int]:
    """(jobs, companies): expected in three years minus employees now, summed over each
    company's latest visit that recorded both figures."""
    latest_first = func.row_number().over(
        partition_by=Visit.company_id, order_by=(Visit.starts_at.desc(), Visit.id.desc())
    )
    latest = (
        select(
            (Visit.employees_in_three_years - Visit.employees_now).label("growth"),
            latest_first.label("rank"),
        )
        .where(Visit.employees_now.is_not(None), Visit.employees_in_three_years.is_not(None))
        .subquery()
    )
    growth, companies = db.session.execute(
        select(func.sum(latest.c.growth), func.count()).where(latest.c.rank == 1)
    ).one()
    return int(growth or 0), companies


def jobs(filters: DashboardFilters, today: date) -> Jobs:
    """Reported employees at the end of each period (up to today) against the jobs target."""
    target = target_by_key(JOBS_TARGET_KEY)
    periods = [period for period in filters.periods if period.first_day <= today]
    ends = [min(period.last_day, today) for period in periods]
    days = list(ends)
    if target is not None and target.baseline_year is not None:
        days.append(date(target.baseline_year, 12, 31))
    days.append(today)
    figures = reported_employees(days)
    latest = figures[-1]
    baseline = figures[len(ends)] if len(figures) == len(ends) + 2 else None
    trend = [
        JobsTrendPoint(
            period.label,
            point,
            point.employees - baseline.employees if baseline else 0,
            expected_change(target, point.as_of),
        )
        for period, point in zip(periods, figures[: len(ends)], strict=True)
    ]
    return Jobs(target, baseline, latest, trend, *planned_growth())


# --- Cases per category (what companies struggle with) -------------------------------------


def cases_per_category(filters: DashboardFilters) -> list[report_queries.GroupRow]:
    """Cases received in the period per category, most first (the reports' own query)."""
    rows = report_queries.by_category(
        report_queries.ReportFilters(filters.first_day, filters.last_day)
    )
    return sorted(rows, key=lambda row: (-row.received, row.name or ""))


# --- Everything on the page -------------------------------------------------------------------


def dashboard(filters: DashboardFilters, now: datetime) -> dict:
    today = local_today(now)
    visits = visits_per_period(filters, now)
    return {
        "filters": filters,
        "visits": visits,
        "visits_target": visits_target(),
        "visits_done": sum(row.done for row in visits),
        "coverage": coverage_as_of(filters, now),
        "areas": topics_per_area(filters, now),
        "needs": common_needs(filters, now),
        "jobs": jobs(filters, today),
        "categories": cases_per_category(filters),
        "overdue": overdue_follow_ups(today),
        "overdue_count": overdue_follow_ups_count(today),
    }
