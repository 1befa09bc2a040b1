"""The managers' dashboard: figures from SQL aggregates, filters, drill-down, permissions."""

from datetime import date

import pytest

from lotsen.accounts.models import Role
from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.reports import queries
from lotsen.reports.queries import ReportFilters
from tests.factories import CategoryFactory, DepartmentFactory
from tests.reports.helpers import case_with_figures, python_percentile
from tests.timekeeping.helpers import local

HANDLING = [120, 600, 45, 3000, 960, 480, 1500, 75, 2400, 330, 7]
FIRST_RESPONSE = [30, 5, 240, 90, 600, 15, 60, 480, 120, 1, 45]
CALENDAR_DAYS = [1, 3, 0, 9, 4, 2, 6, 0, 8, 2, 1]


def year_2026(**kwargs) -> ReportFilters:
    return ReportFilters(date(2026, 1, 1), date(2026, 12, 31), **kwargs)


@pytest.fixture
def known_cases(app):
    category = CategoryFactory()
    for day, values in enumerate(zip(HANDLING, FIRST_RESPONSE, CALENDAR_DAYS, strict=True)):
        handling, first, days = values
        case_with_figures(
            category,
            local(2026, 3, 2 + day, 10),
            handling_minutes=handling,
            first_response_minutes=first,
            calendar_days=days,
            resolution_margin_minutes=1000 - handling,
        )
    return category


def test_median_and_p90_agree_with_python(known_cases):
    summary = queries.summary(year_2026())

    for share, attribute in ((0.5, "median"), (0.9, "p90")):
        expected_handling = python_percentile(HANDLING, share) / 60
        assert getattr(summary.handling_hours, attribute) == pytest.approx(expected_handling)
        expected_first = python_percentile(FIRST_RESPONSE, share) / 60
        assert getattr(summary.first_response_hours, attribute) == pytest.approx(expected_first)
        expected_days = python_percentile(CALENDAR_DAYS, share)
        assert getattr(summary.calendar_days, attribute) == pytest.approx(expected_days)
        expected_working_days = python_percentile(HANDLING, share) / 540
        assert getattr(summary.handling_days, attribute) == pytest.approx(expected_working_days)


def test_counts_and_share_within_target(known_cases):
    summary = queries.summary(year_2026())

    assert (summary.received, summary.resolved, summary.open) == (11, 11, 0)
    within = sum(1 for minutes in HANDLING if minutes <= 1000)
    assert summary.within_target_share == pytest.approx(within / 11)


def test_percentile_of_an_even_number_interpolates(app):
    category = CategoryFactory()
    for day, minutes in enumerate([60, 120, 240, 600]):
        case_with_figures(category, local(2026, 5, 4 + day, 9), handling_minutes=minutes)

    spread = queries.summary(year_2026()).handling_hours

    assert spread.median == pytest.approx(3.0)  # halfway between 2 and 4 hours
    assert spread.p90 == pytest.approx(python_percentile([60, 120, 240, 600], 0.9) / 60)


def test_filters_and_period_select_the_cases(app):
    wanted, other = CategoryFactory(), CategoryFactory()
    case_with_figures(wanted, local(2026, 2, 3, 9), handling_minutes=100)
    case_with_figures(wanted, local(2026, 2, 4, 9), status="in_progress", handling_minutes=50)
    case_with_figures(other, local(2026, 2, 5, 9), handling_minutes=900)
    case_with_figures(wanted, local(2025, 12, 31, 23, 30), handling_minutes=5000)

    summary = queries.summary(year_2026(category_id=wanted.id))

    assert (summary.received, summary.resolved, summary.open) == (2, 1, 1)
    assert summary.handling_hours.median == pytest.approx(100 / 60)
    assert queries.summary(year_2026()).received == 3


def test_backlog_buckets_open_cases_by_working_age(app):
    category = CategoryFactory()
    for day, minutes in enumerate([0, 2 * 540, 3 * 540, 25 * 540]):
        case_with_figures(
            category, local(2026, 4, 6 + day, 9), status="in_progress", handling_minutes=minutes
        )

    backlog = {label: number for label, number, *_ in queries.summary(year_2026()).backlog}

    assert backlog == {"0–2": 2, "3–5": 1, "6–10": 0, "11–20": 0, ">20": 1}


def test_monthly_trend_and_tables(app):
    department = DepartmentFactory(name="Bygglov")
    category = CategoryFactory(name="Lokaler")
    case_with_figures(category, local(2026, 1, 31, 23, 30), handling_minutes=540)
    case_with_figures(category, local(2026, 2, 2, 9), status="new", handling_minutes=10)
    for case in db.session.query(Case):
        case.department_id = department.id
    db.session.commit()

    trend = queries.monthly_trend(year_2026())
    assert len(trend) == 12
    assert [(m.received, m.resolved) for m in trend[:3]] == [(1, 1), (1, 0), (0, 0)]
    assert trend[0].received == 1  # 23:30 local on 31 January is still January
    departments = queries.by_department(year_2026())
    assert [(row.name, row.received, row.open) for row in departments] == [("Bygglov", 2, 1)]
    categories = queries.by_category(year_2026())
    assert [(row.name, row.received) for row in categories] == [("Lokaler", 2)]


def test_dashboard_shows_figures_with_drill_down_links(client, login, known_cases):
    login(Role.MANAGER)

    response = client.get("/rapporter/?date_from=2026-01-01&date_to=2026-12-31")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Rapporter" in html
    assert "<svg" in html and "<table" in html
    link = "/arenden/?status=resolved&amp;received_from=2026-01-01&amp;received_to=2026-12-31"
    assert link in html
    assert f"category={known_cases.id}" in html


def test_drill_down_link_lists_the_resolved_cases(client, login, known_cases):
    login(Role.MANAGER)

    html = client.get(
        "/arenden/?status=resolved&received_from=2026-01-01&received_to=2026-12-31"
    ).get_data(as_text=True)

    assert html.count("LOTS-") >= 11


def test_dashboard_empty_state_and_bad_dates(client, login):
    login(Role.ADMIN)

    html = client.get("/rapporter/?date_from=nonsense&category=x&lead=%27").get_data(as_text=True)

    assert "Det finns inga ärenden" in html
    assert "Skriv datumet som ÅÅÅÅ-MM-DD." in html


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.COORDINATOR])
def test_officials_may_not_see_reports(client, login, role):
    login(role)

    for url in ("/rapporter/", "/rapporter/arsrapport", "/rapporter/export/arenden.csv"):
        assert client.get(url).status_code == 403


def test_yearly_report_is_printable(client, login, known_cases):
    login(Role.MANAGER)

    html = client.get("/rapporter/arsrapport?year=2026").get_data(as_text=True)

    assert "Årsrapport 2026" in html
    assert "<svg" in html
    assert client.get("/rapporter/arsrapport?year=99999").status_code == 404


def test_admins_get_exports_but_no_links_to_the_case_list_they_cannot_read(
    client, login, known_cases
):
    login(Role.ADMIN)

    html = client.get("/rapporter/?date_from=2026-01-01&date_to=2026-12-31").get_data(as_text=True)

    assert "/arenden/?" not in html
    assert "/rapporter/export/kategorier.xlsx" in html


def test_far_off_or_reversed_dates_do_not_break_the_dashboard(client, login, known_cases):
    login(Role.MANAGER)

    for query in (
        "date_from=0001-01-01&date_to=9999-12-31",
        "date_from=2026-12-31&date_to=2026-01-01",
    ):
        assert client.get(f"/rapporter/?{query}").status_code == 200
        assert client.get(f"/rapporter/export/arenden.xlsx?{query}").status_code == 200


def test_monthly_medians_agree_with_python(app):
    category = CategoryFactory()
    march = [45, 600, 600, 1500, 7, 330]  # an even count with a repeated value
    april = [960, 75, 2400]
    for day, minutes in enumerate(march):
        case_with_figures(category, local(2026, 3, 2 + day, 10), handling_minutes=minutes)
    for day, minutes in enumerate(april):
        case_with_figures(category, local(2026, 4, 6 + day, 10), handling_minutes=minutes)
    case_with_figures(category, local(2026, 4, 20, 10), status="in_progress", handling_minutes=1)

    trend = {month.first_day.month: month for month in queries.monthly_trend(year_2026())}

    assert trend[3].median_handling_days == pytest.approx(python_percentile(march, 0.5) / 540)
    assert trend[4].median_handling_days == pytest.approx(python_percentile(april, 0.5) / 540)
    assert (trend[4].received, trend[4].resolved) == (4, 3)
    assert trend[5].median_handling_days is None


def test_percentiles_from_a_histogram_match_percentile_cont():
    values = [3, 3, 3, 8, 8, 10, 15, 15, 15, 15, 40]
    histogram = sorted((value, values.count(value)) for value in set(values))

    for share in (0.0, 0.1, 0.5, 0.75, 0.9, 1.0):
        expected = python_percentile(values, share)
        assert queries.histogram_percentiles(histogram, (share,)) == [pytest.approx(expected)]
    assert queries.histogram_percentiles([], (0.5,)) == [None]


def test_dashboard_queries_agree_with_the_single_figure_queries(app):
    first, second = CategoryFactory(name="Övrigt"), CategoryFactory(name="Bygglov")
    department = DepartmentFactory(name="Miljö och hälsa")
    for day, minutes in enumerate([45, 600, 1500, 330]):
        case_with_figures(first, local(2026, 1, 12 + day, 10), handling_minutes=minutes)
    case_with_figures(second, local(2026, 2, 2, 10), status="in_progress", handling_minutes=10)
    case_with_figures(second, local(2026, 2, 3, 10), handling_minutes=900)
    db.session.query(Case).filter(Case.category_id == second.id).update(
        {"department_id": department.id}
    )
    db.session.commit()

    summary, trend = queries.key_figures(year_2026())
    departments, categories = queries.tables(year_2026())

    assert summary == queries.summary(year_2026())
    assert trend == queries.monthly_trend(year_2026())
    assert departments == queries.by_department(year_2026())
    assert categories == queries.by_category(year_2026())
    assert [(row.name, row.received) for row in departments] == [("Miljö och hälsa", 2), (None, 4)]


def test_dashboard_counts_pending_and_overdue_requests_for_a_decision(app, client, login):
    from datetime import timedelta

    from lotsen.cases import services
    from lotsen.db_types import utcnow
    from tests.cases.helpers import open_case_directly

    today = utcnow().date()
    category = CategoryFactory()
    first, _token = open_case_directly(category, received_at=local(2025, 1, 7, 9))
    second, _token = open_case_directly(category, received_at=local(2025, 1, 8, 9))
    open_case_directly(category, received_at=local(2025, 1, 9, 9))
    services.record_decision_request(
        db.session.get(Case, first.id), None, today - timedelta(days=40), today
    )
    services.record_decision_request(db.session.get(Case, second.id), None, today, today)
    db.session.commit()
    assert queries.decision_requests(today) == queries.DecisionRequests(pending=2, overdue=1)

    login(Role.MANAGER)
    page = client.get("/rapporter/").get_data(as_text=True)
    assert "Begäran om avgörande (förvaltningslagen 12 §)" in page
    assert "2 ärenden där företaget har begärt ett avgörande, varav 1 där fyra veckor" in page


def test_median_and_p90_per_department_category_and_month_agree_with_python(app):
    """Percentiles per group: percentile_cont on PostgreSQL, histograms on SQLite."""
    premises, permits = CategoryFactory(name="Lokaler"), CategoryFactory(name="Tillstånd")
    building = DepartmentFactory(name="Bygglov")
    premises_minutes = [45, 600, 600, 1500, 7, 330]  # March
    permits_minutes = [960, 75, 2400]  # April
    for day, minutes in enumerate(premises_minutes):
        case_with_figures(
            premises,
            local(2026, 3, 2 + day, 10),
            handling_minutes=minutes,
            attributes={"department_id": building.id},
        )
    for day, minutes in enumerate(permits_minutes):
        case_with_figures(permits, local(2026, 4, 6 + day, 10), handling_minutes=minutes)
    case_with_figures(permits, local(2026, 4, 20, 10), status="in_progress", handling_minutes=1)

    def expected(values):
        return (python_percentile(values, 0.5) / 540, python_percentile(values, 0.9) / 540)

    departments, categories = queries.tables(year_2026())
    trend = {month.first_day.month: month for month in queries.monthly_trend(year_2026())}

    spreads = {row.name: (row.handling_days.median, row.handling_days.p90) for row in departments}
    assert spreads == {
        "Bygglov": pytest.approx(expected(premises_minutes)),
        None: pytest.approx(expected(permits_minutes)),
    }
    spreads = {row.name: (row.handling_days.median, row.handling_days.p90) for row in categories}
    assert spreads == {
        "Lokaler": pytest.approx(expected(premises_minutes)),
        "Tillstånd": pytest.approx(expected(permits_minutes)),
    }
    march, april = trend[3], trend[4]
    assert (march.median_handling_days, march.p90_handling_days) == pytest.approx(
        expected(premises_minutes)
    )
    assert (april.median_handling_days, april.p90_handling_days) == pytest.approx(
        expected(permits_minutes)
    )
    assert trend[5].p90_handling_days is None
    assert departments == queries.by_department(year_2026())
    assert categories == queries.by_category(year_2026())
    summary, key_trend = queries.key_figures(year_2026())
    assert key_trend == queries.monthly_trend(year_2026())


def test_dashboard_shows_p90_per_month_and_percentiles_per_group(client, login, known_cases):
    login(Role.MANAGER)

    html = client.get("/rapporter/?date_from=2026-01-01&date_to=2026-12-31").get_data(as_text=True)

    assert html.count("90:e percentilen handläggningstid (arbetsdagar)") == 3  # month, 2 tables
    p90 = python_percentile(HANDLING, 0.9) / 540
    assert f"{p90:.1f}".replace(".", ",") in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-12-31&date_to=2026-01-01", "Slutdatumet är före startdatumet."),
        ("date_from=0001-01-01&date_to=2026-12-31", "Välj ett datum mellan 1970 och 2999."),
        ("date_from=2026-02-30&date_to=2026-12-31", "Skriv datumet som ÅÅÅÅ-MM-DD."),
    ],
)
def test_a_reversed_or_malformed_period_is_reported_and_the_typed_values_stay(
    client, login, known_cases, query, message
):
    login(Role.MANAGER)

    html = client.get(f"/rapporter/?{query}").get_data(as_text=True)

    assert message in html
    assert 'aria-invalid="true"' in html
    assert "Perioden kunde inte användas." in html
    typed_from, typed_to = (part.split("=")[1] for part in query.split("&"))
    assert f'value="{typed_from}"' in html
    assert f'value="{typed_to}"' in html


def test_a_valid_period_has_no_error(client, login, known_cases):
    login(Role.MANAGER)

    html = client.get("/rapporter/?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)

    assert "Perioden kunde inte användas." not in html
    assert "Ärenden som kom in 2026-03-01 – 2026-03-31." in html
