"""Exports of the dashboard's tables and its case list as CSV and XLSX."""

import csv
import html
import io
import re

from openpyxl import load_workbook

from lotsen.accounts.models import Role
from tests.factories import CategoryFactory
from tests.reports.helpers import case_with_figures
from tests.timekeeping.helpers import local

PERIOD = "date_from=2026-01-01&date_to=2026-12-31"


def two_cases():
    category = CategoryFactory(name="Serveringstillstånd")
    first = case_with_figures(category, local(2026, 3, 2, 9), handling_minutes=600)
    second = case_with_figures(category, local(2026, 3, 3, 9), status="new", handling_minutes=30)
    return first, second


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_case_list_as_csv_in_swedish_local_time_and_hours(client, login):
    first, second = two_cases()
    login(Role.MANAGER)

    response = client.get(f"/rapporter/export/arenden.csv?{PERIOD}")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    header = rows[0]
    assert header[:4] == ["Nummer", "Inkom (svensk tid)", "Status", "Kanal"]
    assert "Handläggningstid (arbetstimmar)" in header  # the page's heading and unit
    assert "Handläggningstid (arbetsdagar)" in header
    assert not any("minuter" in heading for heading in header)
    column = {heading: index for index, heading in enumerate(header)}
    listed = [
        (
            row[0],
            row[column["Inkom (svensk tid)"]],
            row[column["Status"]],
            row[column["Kanal"]],
            row[column["Handläggningstid (arbetstimmar)"]],
            row[column["Handläggningstid (arbetsdagar)"]],
        )
        for row in rows[1:]
    ]
    # 09:00 in Stockholm (08:00 UTC); 600 working minutes = 10 hours = 1.1 days of 9 hours
    assert listed == [
        (first.number, "2026-03-02 09:00", "Besvarad", "Webbformulär", "10.0", "1.1"),
        (second.number, "2026-03-03 09:00", "Ny", "Webbformulär", "0.5", "0.1"),
    ]


def test_category_table_as_xlsx_has_the_pages_headings_and_units(client, login):
    two_cases()
    login(Role.ADMIN)

    response = client.get(f"/rapporter/export/kategorier.xlsx?{PERIOD}")
    page = client.get(f"/rapporter/?{PERIOD}").get_data(as_text=True)

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "Namn",
        "Inkomna",
        "Besvarade eller stängda",
        "Öppna",
        "Inom servicegarantin (%)",
        "Efter servicegarantin",
        "Median handläggningstid (arbetsdagar)",
        "90:e percentilen handläggningstid (arbetsdagar)",
    ]
    # One resolved case, within its target: 100 % (a percentage, as on the page, not a count)
    assert rows[1] == ["Serveringstillstånd", 2, 1, 1, 100, 0, 1.1, 1.1]
    categories = page[page.index('id="categories-heading"') :]
    headings = re.findall(r'<th scope="col">([^<]*)</th>', categories)
    assert [html.unescape(heading) for heading in headings] == rows[0]
    assert "100 %" in categories


def test_unknown_export_is_not_found(client, login):
    login(Role.MANAGER)

    assert client.get("/rapporter/export/hemligt.csv").status_code == 404
    assert client.get("/rapporter/export/arenden.pdf").status_code == 404
