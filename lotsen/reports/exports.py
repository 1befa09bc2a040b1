"""The dashboard's tables and its underlying case list as export rows (lotsen.exports writes
them as CSV or XLSX)."""

from collections.abc import Iterator

from flask_babel import gettext as _

from lotsen.cases.models import CaseStatus, Channel
from lotsen.reports import queries
from lotsen.reports.queries import ReportFilters
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.timekeeping.queries import working_day_minutes


def table_header() -> list[str]:
    """The columns of the dashboard's department and category tables, on the page and in the
    exports alike (same headings, same units)."""
    return [
        _("Namn"),
        _("Inkomna"),
        _("Besvarade eller stängda"),
        _("Öppna"),
        _("Inom servicegarantin (%)"),
        _("Efter servicegarantin"),
        _("Median handläggningstid (arbetsdagar)"),
        _("90:e percentilen handläggningstid (arbetsdagar)"),
    ]


def rounded(value: float | None, digits: int = 1) -> float | None:
    """As the page shows it (the `decimal` filter): one decimal, nothing when there is none."""
    return None if value is None else round(value, digits)


def percentage(share: float | None) -> int | None:
    """As the page shows it (the `percent` filter): a whole percentage."""
    return None if share is None else round(share * 100)


def table_rows(rows: list[queries.GroupRow], empty_name: str) -> Iterator[list]:
    """The rows of a dashboard table; `empty_name` names the cases without a group."""
    yield table_header()
    for row in rows:
        yield [
            row.name or empty_name,
            row.received,
            row.resolved,
            row.open,
            percentage(row.within_target_share),
            row.missed_target,
            rounded(row.handling_days.median),
            rounded(row.handling_days.p90),
        ]


def case_header() -> list[str]:
    return [
        _("Nummer"),
        _("Inkom (svensk tid)"),
        _("Status"),
        _("Kanal"),
        _("Kategori"),
        _("Avdelning"),
        _("Första svar (arbetstimmar)"),
        _("Handläggningstid (arbetstimmar)"),
        _("Handläggningstid (arbetsdagar)"),
        _("Handläggningstid (kalenderdagar)"),
        _("Väntat på företaget (arbetstimmar)"),
        _("Inom servicegarantin"),
        _("Marginal mot servicegarantin (arbetstimmar)"),
    ]


def label_of(enum_type, value: str | None) -> str | None:
    """The Swedish name of a status or channel (the stored value if it is unknown)."""
    try:
        return enum_type(value).label
    except ValueError:
        return value


def hours(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def case_list(filters: ReportFilters) -> Iterator[list]:
    """The cases behind the figures: local times, Swedish names, hours and days."""
    yield case_header()
    day = working_day_minutes()
    resolved = set(queries.RESOLVED)
    for row in queries.case_rows(filters):
        (number, received_at, status, channel, category, department) = row[:6]
        first_response, handling, paused, calendar_days, margin = row[6:]
        within = None
        if status in resolved and margin is not None:
            within = _("Ja") if margin >= 0 else _("Nej")
        yield [
            number,
            received_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
            label_of(CaseStatus, status),
            label_of(Channel, channel),
            category,
            department,
            hours(first_response),
            hours(handling),
            None if handling is None else round(handling / day, 1),
            calendar_days,
            hours(paused),
            within,
            hours(margin),
        ]


EXPORTS = {
    "avdelningar": lambda filters: table_rows(queries.by_department(filters), _("Utan avdelning")),
    "kategorier": lambda filters: table_rows(queries.by_category(filters), _("Utan kategori")),
    "arenden": case_list,
}
