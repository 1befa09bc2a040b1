"""The strategy section of the yearly report: one calendar year of the dashboard's figures."""

from datetime import date, datetime

from lotsen.strategy import queries
from lotsen.timekeeping.calendar import local_today


def strategy_year(year: int, now: datetime) -> dict:
    """Visits per quarter against the target, coverage at the end of the year, topics per
    strategy area, the most common needs and the jobs figures at the end of the year."""
    filters = queries.DashboardFilters(date(year, 1, 1), date(year, 12, 31), "quarter")
    today = min(local_today(now), date(year, 12, 31))
    visits = queries.visits_per_period(filters, now)
    target = queries.visits_target()
    return {
        "year": year,
        "visits": visits,
        "visits_done": sum(row.done for row in visits),
        "visits_target": target,
        "coverage": queries.coverage_as_of(filters, now),
        "areas": sorted(
            queries.topics_per_area(filters, now), key=lambda area: (-area.total, area.name)
        ),
        "needs": queries.common_needs(filters, now)[:5],
        "jobs": queries.jobs(
            queries.DashboardFilters(filters.date_from, filters.date_to, "year"), today
        ),
    }
