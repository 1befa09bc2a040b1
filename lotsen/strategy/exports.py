"""The strategy dashboard's tables as export rows (lotsen.exports writes them as CSV or XLSX)."""

from collections.abc import Callable, Iterator
from datetime import datetime

from flask_babel import gettext as _

from lotsen.strategy import queries
from lotsen.strategy.queries import DashboardFilters
from lotsen.timekeeping.calendar import local_today


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def visit_rows(filters: DashboardFilters, now: datetime) -> Iterator[list]:
    yield [_("Period"), _("Genomförda besök"), _("Planerade besök"), _("Mål för perioden")]
    for row in queries.visits_per_period(filters, now):
        yield [row.period.label, row.done, row.planned, rounded(row.target)]


def area_rows(filters: DashboardFilters, now: datetime) -> Iterator[list]:
    yield [_("Strategiområde"), *(period.label for period in filters.periods), _("Totalt")]
    for area in queries.topics_per_area(filters, now):
        yield [area.name, *area.counts, area.total]


def need_rows(filters: DashboardFilters, now: datetime) -> Iterator[list]:
    yield [_("Behov"), _("Antal besök")]
    for row in queries.common_needs(filters, now):
        yield [row.label, row.visits]


def jobs_rows(filters: DashboardFilters, now: datetime) -> Iterator[list]:
    yield [
        _("Period"),
        _("Per dag"),
        _("Rapporterade anställda"),
        _("Företag med uppgift"),
        _("Förändring sedan basåret"),
        _("Målbana"),
    ]
    figures = queries.jobs(filters, local_today(now))
    for row in figures.trend:
        yield [
            row.label,
            row.point.as_of.isoformat(),
            row.point.employees,
            row.point.companies,
            row.change if figures.baseline else None,
            rounded(row.expected_change, 0),
        ]


def category_rows(filters: DashboardFilters, now: datetime) -> Iterator[list]:
    yield [_("Kategori"), _("Inkomna ärenden"), _("Öppna")]
    for row in queries.cases_per_category(filters):
        yield [row.name or _("Utan kategori"), row.received, row.open]


def follow_up_rows(filters: DashboardFilters, now: datetime) -> Iterator[list]:
    yield [_("Senast"), _("Uppföljning"), _("Ansvarig"), _("Företag"), _("Besök")]
    for follow_up in queries.overdue_follow_ups(local_today(now), limit=None):
        visit = follow_up.visit
        yield [
            follow_up.due_on.isoformat(),
            follow_up.text,
            follow_up.owner.name,
            visit.company.name,
            visit.starts_at.astimezone(queries.STOCKHOLM).date().isoformat(),
        ]


EXPORTS: dict[str, Callable[[DashboardFilters, datetime], Iterator[list]]] = {
    "besok": visit_rows,
    "omraden": area_rows,
    "behov": need_rows,
    "jobb": jobs_rows,
    "kategorier": category_rows,
    "uppfoljningar": follow_up_rows,
}
