"""Exports of the dashboard's tables and its case list as CSV and XLSX."""

import csv
import io

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


def test_case_list_as_csv(client, login):
    first, second = two_cases()
    login(Role.MANAGER)

    response = client.get(f"/rapporter/export/arenden.csv?{PERIOD}")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][0] == "Nummer"
    assert [(row[0], row[2], row[7]) for row in rows[1:]] == [
        (first.number, "answered", "600"),
        (second.number, "new", "30"),
    ]


def test_category_table_as_xlsx(client, login):
    two_cases()
    login(Role.ADMIN)

    response = client.get(f"/rapporter/export/kategorier.xlsx?{PERIOD}")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["Namn", "Inkomna", "Besvarade eller stängda", "Öppna"]
    assert rows[1] == ["Serveringstillstånd", 2, 1, 1, 1]


def test_unknown_export_is_not_found(client, login):
    login(Role.MANAGER)

    assert client.get("/rapporter/export/hemligt.csv").status_code == 404
    assert client.get("/rapporter/export/arenden.pdf").status_code == 404
