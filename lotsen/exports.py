"""The one writer of every CSV and XLSX export: formula guard, row cap, streaming.

Each domain turns its data into rows (lists of cells, the header row first); this module writes
them. Whatever a row holds, the file a person opens in a spreadsheet never runs it:

- **Formula guard.** A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
  return would be read as a formula (`=HYPERLINK(...)`, DDE). It is written with an apostrophe
  first, which spreadsheets show as text (OWASP's advice on CSV injection). Numbers, dates and
  empty cells are written as they are.
- **Row cap.** An XLSX sheet holds at most 1,048,576 rows (Excel's limit). A longer export stops
  one row short of it and ends with a row saying so; CSV has no cap of its own.
- **Streaming.** CSV is produced a few hundred rows at a time while the response is sent; XLSX
  is written by openpyxl's write-only mode into a temporary file, so memory stays flat however
  many rows there are.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from flask import Response, send_file, stream_with_context
from flask_babel import gettext as _
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576  # rows in one Excel sheet, the header included
CSV_CHUNK_ROWS = 500
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"


def download(rows: Iterable[Iterable], fmt: str, filename: str, title: str) -> Response:
    """The export as an attachment: `fmt` is "csv" (streamed) or "xlsx"; `filename` has no
    extension; `title` names the XLSX sheet. `rows` is read lazily, once."""
    if fmt == "csv":
        response = Response(stream_with_context(csv_chunks(rows)), mimetype=CSV_MIMETYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        return send_file(
            xlsx_file(rows, title),
            mimetype=XLSX_MIMETYPE,
            as_attachment=True,
            download_name=f"{filename}.xlsx",
        )
    raise ValueError(f"unknown export format {fmt!r}")


def safe_cell(value):
    """`value` as a spreadsheet will show it: text that would run as a formula gets an
    apostrophe first; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable) -> list:
    return [safe_cell(value) for value in row]


def csv_chunks(rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text a few hundred rows at a time: UTF-8 with a byte-order mark, semicolons and
    CRLF line ends, as Swedish Excel expects. Every cell passes the formula guard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    for number, row in enumerate(rows, start=1):
        writer.writerow(["" if value is None else value for value in safe_row(row)])
        if number % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(rows: Iterable[Iterable], title: str, max_rows: int = XLSX_MAX_ROWS):
    """A temporary file holding the workbook (the caller's send_file closes it).

    Every cell passes the formula guard. After `max_rows - 1` rows the export stops and its last
    row says that it was cut short, so nobody mistakes a partial file for the whole list.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sanitised_title(title))
    for number, row in enumerate(rows, start=1):
        if number >= max_rows:
            sheet.append([_("Exporten är avkortad efter %(count)d rader.", count=max_rows - 1)])
            break
        sheet.append(safe_row(row))
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (send_file closes it)
    workbook.save(spooled)
    spooled.seek(0)
    return spooled


def sanitised_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return cleaned[:31] or "Export"
