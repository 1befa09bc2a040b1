"""The dashboard's tables and its underlying case list as export rows (lotsen.exports writes
them as CSV or XLSX)."""

from collections.abc import Iterator

from flask_babel import gettext as _

from lotsen.reports import queries
from lotsen.reports.queries import ReportFilters


def table_header() -> list[str]:
    return [
        _("Namn"),
        _("Inkomna"),
        _("Besvarade eller stängda"),
        _("Öppna"),
        _("Inom servicegarantin"),
    ]


def table_rows(rows: list[queries.GroupRow], empty_name: str) -> Iterator[list]:
    """The rows of a dashboard table; `empty_name` names the cases without a group."""
    yield table_header()
    for row in rows:
        yield [
            row.name or empty_name,
            row.received,
            row.resolved,
            row.open,
            row.within_target,
        ]


def case_header() -> list[str]:
    return [
        _("Nummer"),
        _("Inkom"),
        _("Status"),
        _("Kanal"),
        _("Kategori"),
        _("Avdelning"),
        _("Första svar (arbetsminuter)"),
        _("Handläggning (arbetsminuter)"),
        _("Pausad (arbetsminuter)"),
        _("Kalenderdagar"),
        _("Marginal mot servicegarantin (arbetsminuter)"),
    ]


def case_list(filters: ReportFilters) -> Iterator[list]:
    yield case_header()
    for row in queries.case_rows(filters):
        values = list(row)
        values[1] = values[1].isoformat(timespec="minutes")
        yield values


EXPORTS = {
    "avdelningar": lambda filters: table_rows(queries.by_department(filters), _("Utan avdelning")),
    "kategorier": lambda filters: table_rows(queries.by_category(filters), _("Utan kategori")),
    "arenden": case_list,
}
