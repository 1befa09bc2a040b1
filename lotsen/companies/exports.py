"""CSV and XLSX exports of the company list, streamed with bounded memory.

Personnummer are masked unless the viewer is an admin. Text cells that a spreadsheet would run
as a formula (=, +, -, @ first) are prefixed with an apostrophe.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook

from lotsen.companies.models import Company
from lotsen.companies.services import display_org_number
from lotsen.companies.sni import sni_title

HEADERS = [
    "Organisationsnummer",
    "Namn",
    "Juridisk form",
    "Status",
    "Gatuadress",
    "Postnummer",
    "Postort",
    "Kommunkod",
    "SNI-kod",
    "Bransch",
    "Övriga SNI-koder",
    "Storleksklass",
    "Antal anställda",
    "Registreringsdatum",
    "Taggar",
    "Webbplats",
    "Reklamspärr",
]
STATUS_TEXT = {
    "active": "Aktivt",
    "deregistered": "Avregistrerat",
    "liquidation": "Under avveckling",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header row


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def company_row(company: Company, viewer) -> list:
    primary = company.primary_sni
    others = [code.code for code in company.sni_codes if not code.is_primary]
    return [
        display_org_number(company, viewer),
        company.name,
        company.legal_form,
        STATUS_TEXT.get(company.status, company.status),
        company.street_address,
        company.postal_code,
        company.town,
        company.municipality_code,
        primary.code if primary else None,
        sni_title(primary.code) if primary else None,
        ", ".join(others) or None,
        company.size_class,
        company.employee_count,
        company.registered_on,
        ", ".join(tag.name for tag in company.tags) or None,
        company.website,
        "ja" if company.advertising_blocked else "nej",
    ]


def export_rows(companies: Iterable[Company], viewer) -> Iterator[list]:
    for company in companies:
        yield [safe_cell(value) for value in company_row(company, viewer)]


def csv_chunks(rows: Iterable[list]) -> Iterator[str]:
    """The CSV text in chunks: UTF-8 with BOM and semicolons, as Swedish Excel expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    for count, row in enumerate(rows, start=1):
        writer.writerow(["" if value is None else value for value in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(rows: Iterable[list]):
    """A temporary file holding the workbook (openpyxl write-only mode: rows are not kept)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Företag")
    sheet.append(HEADERS)
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_ROWS:
            break
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115  (closed by send_file)
    workbook.save(handle)
    handle.seek(0)
    return handle
