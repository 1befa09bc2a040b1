"""The dashboard's tables and its underlying case list as CSV and XLSX, streamed."""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _
from openpyxl import Workbook

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


def csv_chunks(rows: Iterable[list]) -> Iterator[str]:
    """CSV text a few rows at a time, with a byte-order mark so that Excel reads UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    for number, row in enumerate(rows, start=1):
        writer.writerow(["" if value is None else value for value in row])
        if number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(rows: Iterable[list], title: str):
    """A spooled temporary file holding the workbook (openpyxl write_only: flat memory)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append(row)
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (send_file closes it)
    workbook.save(spooled)
    spooled.seek(0)
    return spooled
