"""The yearly report as a PDF: printed by WeasyPrint from the web report's HTML, tagged (PDF/UA-1),
with the year's figures, charts, the strategy section and Swedish text."""

import io

import pytest
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from lotsen.accounts.models import Role
from tests.factories import CategoryFactory, DepartmentFactory
from tests.reports.helpers import case_with_figures
from tests.timekeeping.helpers import local

# Handling minutes of the resolved cases: median 540 min = 9.0 working hours = 1.0 working day.
HANDLING = [60, 300, 540, 1080, 2160]


@pytest.fixture
def year_2025(app):
    category = CategoryFactory(name="Bygglov och lokaler för små företag")
    department = DepartmentFactory(name="Miljö och hälsoskydd")
    for day, minutes in enumerate(HANDLING):
        case_with_figures(
            category,
            local(2025, 3, 3 + day, 10),
            attributes={"department_id": department.id},
            handling_minutes=minutes,
            first_response_minutes=120,
            resolution_margin_minutes=1000 - minutes,
        )
    case_with_figures(category, local(2025, 11, 4, 10), status="in_progress")
    case_with_figures(category, local(2024, 12, 30, 10), handling_minutes=99999)  # other year
    return category


def pdf_text(data: bytes) -> str:
    """The text of every page, whitespace (line breaks inside tables) collapsed to spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_yearly_report_downloads_as_a_pdf_with_the_years_figures(client, login, year_2025):
    login(Role.MANAGER)

    response = client.get("/rapporter/arsrapport.pdf?year=2025")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=arsrapport-2025.pdf"
    assert response.data.startswith(b"%PDF-")
    text = pdf_text(response.data)
    assert "Årsrapport 2025" in text
    assert "Svarstider och handläggningstider" in text
    assert "Miljö och hälsoskydd" in text  # the table per department
    assert "Bygglov och lokaler för små företag" in text  # å, ä and ö survive
    assert "Inkomna ärenden 6" in text  # five resolved and one open case in 2025
    assert "Besvarade eller stängda 5" in text
    assert "Handläggningstid (arbetstimmar) 9,0" in text  # the median, 540 minutes
    assert "Handläggningstid (arbetsdagar) 1,0" in text
    assert "Första svar (arbetstimmar) 2,0 2,0" in text
    assert "2025-03 5 5 1,0" in text  # the month's row in the table under the charts
    assert "2025-11 1 0 –" in text
    assert "Besvarade inom servicegarantin 60 %" in text  # 3 of 5 within 1000 minutes


def test_yearly_report_pdf_has_charts(client, login, year_2025):
    login(Role.MANAGER)

    text = pdf_text(client.get("/rapporter/arsrapport.pdf?year=2025").data)

    assert "Inkomna och besvarade ärenden per månad" in text
    assert "Median handläggningstid per månad (arbetsdagar)" in text
    assert "Inkomna ärenden per kategori" in text


def test_yearly_report_links_to_the_pdf(client, login, year_2025):
    login(Role.MANAGER)

    html = client.get("/rapporter/arsrapport?year=2025").get_data(as_text=True)

    assert 'href="/rapporter/arsrapport.pdf?year=2025"' in html


def test_empty_year_still_gives_a_pdf(client, login):
    login(Role.ADMIN)

    response = client.get("/rapporter/arsrapport.pdf?year=2019")

    assert response.status_code == 200
    assert "Det finns inga ärenden för året." in pdf_text(response.data)


def test_pdf_in_english(client, login, year_2025):
    login(Role.MANAGER)
    client.submit("/sprak", {"language": "en", "next": "/"}, page_url="/")

    text = pdf_text(client.get("/rapporter/arsrapport.pdf?year=2025").data)

    assert "Response and handling times" in text


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.COORDINATOR])
def test_officials_may_not_download_the_pdf(client, login, role):
    login(role)

    assert client.get("/rapporter/arsrapport.pdf?year=2025").status_code == 403


def test_year_out_of_range_is_not_found(client, login):
    login(Role.MANAGER)

    assert client.get("/rapporter/arsrapport.pdf?year=1066").status_code == 404


def test_yearly_report_pdf_is_tagged_for_accessibility(client, login, year_2025):
    login(Role.MANAGER)

    reader = PdfReader(io.BytesIO(client.get("/rapporter/arsrapport.pdf?year=2025").data))

    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "sv"
    assert "Årsrapport 2025" in str(reader.metadata.title)


def test_yearly_report_pdf_and_page_have_the_strategy_section(client, login, year_2025):
    login(Role.MANAGER)

    text = pdf_text(client.get("/rapporter/arsrapport.pdf?year=2025").data)
    page = client.get("/rapporter/arsrapport?year=2025").get_data(as_text=True)

    for document in (text, page):
        assert "Företagsbesök och näringslivsstrategin 2025" in document
        assert "Företagsbesök per kvartal" in document


def test_a_year_whose_cases_are_all_open_gives_a_valid_pdf(client, login):
    category = CategoryFactory(name="Mark")
    for day in range(3):
        case_with_figures(category, local(2024, 5, 6 + day, 10), status="in_progress")
    login(Role.MANAGER)

    response = client.get("/rapporter/arsrapport.pdf?year=2024")

    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Årsrapport 2024" in text
    assert "Inkomna ärenden 3" in text
    assert "Besvarade eller stängda 0" in text
