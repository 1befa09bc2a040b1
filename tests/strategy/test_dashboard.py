"""The strategy dashboard: figures against hand-computed data, the page, exports, yearly report."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from lotsen.accounts.models import Role
from lotsen.extensions import db
from lotsen.programme.queries import all_areas
from lotsen.strategy import queries
from lotsen.strategy import services as strategy
from lotsen.visits import services as visits
from tests.cases.helpers import open_case_directly
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory, UserFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
TODAY = date(2026, 6, 15)


def local(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def visit(company, starts_at, **values):
    data = visits.VisitData(company=company, starts_at=starts_at, purpose="Besök", **values)
    made = visits.save_visit(None, None, data)
    db.session.commit()
    return made


def load_lerum():
    strategy.load_demo_strategy()
    db.session.commit()


def area(name_start: str):
    return next(a for a in all_areas() if a.name.startswith(name_start))


# --- Coverage ---------------------------------------------------------------------------------


def test_coverage_is_the_share_of_larger_companies_visited_in_the_last_24_months(app):
    recent = make_company(name="A", size_class="20-49")
    also_recent = make_company(name="B", size_class="10-19")
    long_ago = make_company(name="C", size_class="50-99")
    make_company(name="D", employee_count=25)  # no size class, but 25 employees
    small = make_company(name="Liten", size_class="5-9")
    closed = make_company(name="Avregistrerad", size_class="20-49", status="deregistered")
    visit(recent, NOW - timedelta(days=30))
    visit(also_recent, NOW - timedelta(days=700))
    visit(long_ago, NOW - timedelta(days=913))  # 30 months ago
    visit(small, NOW - timedelta(days=10))
    visit(closed, NOW - timedelta(days=10))
    visit(long_ago, NOW + timedelta(days=10))  # planned: not yet a visit
    filters = queries.DashboardFilters(date(2026, 1, 1), date(2026, 12, 31))
    coverage = queries.coverage_as_of(filters, NOW)
    # Four active companies with ten or more employees; A and B were visited in 24 months.
    assert (coverage.visited, coverage.total) == (2, 4)
    assert coverage.share == 0.5
    # At the end of 2024 only B's visit (2024-07) lies within the 24 months before.
    earlier = queries.coverage_as_of(
        queries.DashboardFilters(date(2024, 1, 1), date(2024, 12, 31)), NOW
    )
    assert (earlier.visited, earlier.total) == (2, 4)  # B (2024-07) and C (2023-12)


# --- Visits against the target ----------------------------------------------------------------


def test_visits_are_counted_per_local_period_against_the_target(app):
    load_lerum()  # visits_per_year: 80
    company = make_company()
    visit(company, local(2026, 1, 20))
    visit(company, local(2026, 3, 31, 23, 30))  # still the first quarter in Stockholm
    visit(company, local(2026, 4, 1, 0, 30))  # 2026-03-31 22:30 UTC, but the second quarter
    visit(company, local(2026, 6, 1))
    visit(company, local(2026, 9, 1))  # planned (after NOW)
    visit(company, local(2025, 12, 31, 23, 59))  # outside the period
    filters = queries.DashboardFilters(date(2026, 1, 1), date(2026, 12, 31), "quarter")
    rows = queries.visits_per_period(filters, NOW)
    assert [(r.period.label, r.done, r.planned, r.target) for r in rows] == [
        ("2026 K1", 2, 0, 20),
        ("2026 K2", 2, 0, 20),
        ("2026 K3", 0, 1, 20),
        ("2026 K4", 0, 0, 20),
    ]
    assert rows[0].share_of_target == 0.1
    months = queries.visits_per_period(
        queries.DashboardFilters(date(2026, 3, 5), date(2026, 4, 2), "month"), NOW
    )
    assert [(r.period.label, r.done, round(r.target, 2)) for r in months] == [
        ("2026-03", 1, 6.67),
        ("2026-04", 1, 6.67),
    ]
    years = queries.visits_per_period(
        queries.DashboardFilters(date(2025, 1, 1), date(2026, 12, 31), "year"), NOW
    )
    assert [(r.period.label, r.done, r.planned, r.target) for r in years] == [
        ("2025", 1, 0, 80),
        ("2026", 4, 1, 80),
    ]


def test_a_long_period_by_month_is_shown_by_year():
    filters = queries.DashboardFilters(date(2000, 1, 1), date(2026, 12, 31), "month")
    assert filters.grouping == "year" and len(filters.periods) == 27


# --- Topics and needs ---------------------------------------------------------------------------


def test_topics_are_counted_per_strategy_area_and_period(app):
    load_lerum()
    company = make_company()
    skills, climate, land = (
        area("Kompetensförsörjning"),
        area("Företagsklimat"),
        area("Markberedskap"),
    )
    first = visit(company, local(2026, 2, 1))
    visits.add_topic(None, first, "Svårt att rekrytera", [skills], [])
    visits.add_topic(None, first, "Bygglov tar tid", [climate, land], [])
    second = visit(company, local(2026, 5, 1))
    visits.add_topic(None, second, "Praktikplatser", [skills], [])
    visits.add_topic(None, second, "Ingen strategikoppling", [], ["övrigt"])
    planned = visit(company, local(2026, 8, 1))
    visits.add_topic(None, planned, "Planerat ämne", [skills], [])
    db.session.commit()
    filters = queries.DashboardFilters(date(2026, 1, 1), date(2026, 6, 30), "quarter")
    rows = {row.name: row.counts for row in queries.topics_per_area(filters, NOW)}
    assert rows["Kompetensförsörjning"] == [1, 1]
    assert rows["Företagsklimat"] == [1, 0]
    assert rows["Markberedskap och fysisk planering"] == [1, 0]
    assert rows["Innovationskraft"] == [0, 0]
    assert len(rows) == 6


def test_the_most_common_needs_come_first(app):
    company = make_company()
    visit(company, local(2026, 2, 1), needs=["land", "recruitment"])
    visit(company, local(2026, 3, 1), needs=["recruitment"])
    visit(company, local(2026, 4, 1), needs=["recruitment", "premises", "land"])
    visit(company, local(2026, 5, 1), needs=[])
    visit(company, local(2025, 5, 1), needs=["broadband"])  # before the period
    visit(company, local(2026, 9, 1), needs=["broadband"])  # planned
    filters = queries.DashboardFilters(date(2026, 1, 1), date(2026, 12, 31))
    needs = queries.common_needs(filters, NOW)
    assert [(row.need.value, row.visits) for row in needs] == [
        ("recruitment", 3),
        ("land", 2),
        ("premises", 1),
    ]
    assert needs[0].label == "Rekrytering och kompetens"


# --- Jobs ---------------------------------------------------------------------------------------


def jobs_data():
    """Registry figures and visits; the expected sums are worked out in the test."""
    load_lerum()  # new_jobs: baseline 0 in 2021, +2 500 by 2035
    census = date(2021, 11, 1)
    x = make_company(name="X", employee_count=40, employee_count_on=census)
    y = make_company(name="Y", employee_count=10, employee_count_on=census)
    z = make_company(name="Z")
    w = make_company(name="W", employee_count=100, employee_count_on=date(2025, 11, 1))
    visit(x, local(2024, 5, 10), employees_now=55, employees_in_three_years=70)
    visit(x, local(2026, 9, 1), employees_now=99)  # planned: not reported yet
    visit(y, local(2023, 3, 1), employees_now=12)
    visit(y, local(2025, 9, 1), employees_now=9, employees_in_three_years=15)
    visit(z, local(2024, 2, 1), employees_now=20)
    visit(w, local(2025, 11, 1), employees_now=95)  # same day as the registry: the visit wins


def test_reported_employees_are_the_latest_figure_per_company_from_visits_and_registry(app):
    jobs_data()
    filters = queries.DashboardFilters(date(2023, 1, 1), date(2026, 12, 31), "year")
    jobs = queries.jobs(filters, TODAY)
    # End of 2021: X 40 + Y 10 (registry).
    assert (jobs.baseline.employees, jobs.baseline.companies) == (50, 2)
    assert [
        (row.label, row.point.employees, row.point.companies, row.change) for row in jobs.trend
    ] == [
        ("2023", 52, 2, 2),  # X 40, Y 12
        ("2024", 87, 3, 37),  # X 55, Y 12, Z 20
        ("2025", 179, 4, 129),  # X 55, Y 9, Z 20, W 95
        ("2026", 179, 4, 129),  # up to today; the planned visit does not count
    ]
    assert jobs.trend[-1].point.as_of == TODAY
    assert (jobs.latest.employees, jobs.change, jobs.target_level) == (179, 129, 2550)
    # The straight path: 2 500 over 2021-12-31 … 2035-12-31 (5 113 days); 1 627 days gone.
    assert jobs.expected_change == pytest.approx(2500 * 1627 / 5113)
    assert jobs.trend[0].expected_change == pytest.approx(2500 * 730 / 5113)
    # Latest visits with both figures: X +15 (55 → 70), Y +6 (9 → 15).
    assert (jobs.planned_growth, jobs.planned_companies) == (21, 2)


def test_jobs_without_a_target_show_the_reported_figures_only(app):
    company = make_company(employee_count=12, employee_count_on=date(2024, 1, 1))
    visit(company, local(2025, 1, 1), employees_now=14)
    jobs = queries.jobs(
        queries.DashboardFilters(date(2025, 1, 1), date(2025, 12, 31), "year"), TODAY
    )
    assert jobs.target is None and jobs.baseline is None and jobs.change is None
    assert [(row.point.employees, row.point.companies) for row in jobs.trend] == [(14, 1)]


# --- Overdue follow-ups and cases ---------------------------------------------------------------


def test_overdue_follow_ups_of_every_owner_are_listed_oldest_first(app):
    company = make_company(name="Gråbo Bageri AB")
    made = visit(company, local(2026, 5, 1))
    first, second = UserFactory(name="Anna"), UserFactory(name="Bertil")
    visits.add_follow_up(None, made, "Senare", first, date(2026, 6, 10))
    visits.add_follow_up(None, made, "Äldst", second, date(2026, 5, 20))
    visits.add_follow_up(None, made, "Inte försenad", first, date(2026, 6, 15))
    done = visits.add_follow_up(None, made, "Klar", first, date(2026, 5, 1))
    visits.complete_follow_up(None, done)
    db.session.commit()
    overdue = queries.overdue_follow_ups(TODAY)
    assert [f.text for f in overdue] == ["Äldst", "Senare"]
    assert queries.overdue_follow_ups_count(TODAY) == 2


# --- The page and its exports -----------------------------------------------------------------


def dashboard_data():
    load_lerum()
    now = datetime.now(UTC)
    company = make_company(name="Floda Trä AB", size_class="20-49")
    made = visit(company, now - timedelta(days=20), needs=["premises"], employees_now=30)
    visits.add_topic(None, made, "Behöver större lokal", [area("Markberedskap")], [])
    owner = UserFactory(name="Karin Lindqvist")
    visits.add_follow_up(
        None, made, "Skicka lista över lediga lokaler", owner, now.date() - timedelta(days=5)
    )
    db.session.commit()
    open_case_directly(
        CategoryFactory(name="Bygglov och lokaler"), received_at=now - timedelta(days=3)
    )


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER, Role.ADMIN])
def test_the_team_sees_the_dashboard(client, login, role):
    dashboard_data()
    login(role)
    page = client.get("/strategi/oversikt").get_data(as_text=True)
    for text in (
        "Strategiöversikt",
        "Företagsbesök mot målet",
        "Floda Trä AB",
        "Skicka lista över lediga lokaler",
        "Lokaler",
        "Markberedskap och fysisk planering",
        "Bygglov och lokaler",
        "<figcaption>",
        "1 av 1 aktiva företag med minst tio anställda",
    ):
        assert text in page, text


def test_the_dashboard_asks_for_a_log_in(client):
    response = client.get("/strategi/oversikt")
    assert response.status_code == 302 and "/konto/logga-in" in response.headers["Location"]
    assert client.get("/strategi/oversikt/export/besok.csv").status_code == 302


def test_odd_filters_fall_back_to_the_default_period(client, login):
    login(Role.OFFICIAL)
    for query in (
        "?date_from=igår&grouping=vecka",
        "?date_from=0001-01-01&date_to=9999-12-31",
        "?date_from=2026-12-31&date_to=2020-01-01&grouping=month",
    ):
        response = client.get(f"/strategi/oversikt{query}")
        assert response.status_code == 200, query
    page = client.get("/strategi/oversikt?date_from=igår").get_data(as_text=True)
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in page
    assert client.get("/strategi/oversikt/export/hemligt.csv").status_code == 404
    assert client.get("/strategi/oversikt/export/besok.pdf").status_code == 404


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_dashboard_tables_export_as_csv_and_xlsx(client, login):
    load_lerum()
    company = make_company(
        name="Stenkullens Åkeri AB", employee_count=20, employee_count_on=date(2021, 11, 1)
    )
    visit(company, local(2025, 2, 3), needs=["transport", "land"], employees_now=24)
    visit(company, local(2025, 8, 3), needs=["transport"])
    login(Role.OFFICIAL)
    period = "date_from=2025-01-01&date_to=2025-12-31&grouping=quarter"
    response = client.get(f"/strategi/oversikt/export/besok.csv?{period}")
    assert response.status_code == 200
    assert (
        'filename="lotsen-strategi-besok-2025-01-01-2025-12-31.csv"'
        in response.headers["Content-Disposition"]
    )
    assert read_csv(response) == [
        ["Period", "Genomförda besök", "Planerade besök", "Mål för perioden"],
        ["2025 K1", "1", "0", "20.0"],
        ["2025 K2", "0", "0", "20.0"],
        ["2025 K3", "1", "0", "20.0"],
        ["2025 K4", "0", "0", "20.0"],
    ]
    needs = read_csv(client.get(f"/strategi/oversikt/export/behov.csv?{period}"))
    assert needs[1:] == [["Transporter och kollektivtrafik", "2"], ["Mark", "1"]]
    jobs = read_csv(
        client.get(
            "/strategi/oversikt/export/jobb.csv?date_from=2025-01-01&date_to=2025-12-31&grouping=year"
        )
    )
    assert jobs[1][:5] == ["2025", "2025-12-31", "24", "1", "4"]
    areas = read_csv(client.get(f"/strategi/oversikt/export/omraden.csv?{period}"))
    assert areas[0] == ["Strategiområde", "2025 K1", "2025 K2", "2025 K3", "2025 K4", "Totalt"]
    assert len(areas) == 7
    xlsx = client.get(f"/strategi/oversikt/export/besok.xlsx?{period}")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert [cell.value for cell in sheet[2]] == ["2025 K1", 1, 0, 20.0]


def test_the_yearly_report_has_a_strategy_section(client, login):
    load_lerum()
    company = make_company(name="Lerum Precision AB", size_class="50-99")
    visit(company, local(2025, 3, 3), needs=["recruitment"], employees_now=60)
    login(Role.MANAGER)
    page = client.get("/rapporter/arsrapport?year=2025").get_data(as_text=True)
    assert "Företagsbesök och näringslivsstrategin 2025" in page
    assert "Rekrytering och kompetens" in page and "2025 K1" in page
