"""Every figure on the managers' dashboard links to the case list filtered to exactly the cases
behind it: the number of cases the link lists is the figure (or the population a percentage or
a percentile is computed over). Hand-made data set; runs on SQLite and PostgreSQL."""

import html
import re
from datetime import date

import pytest

from lotsen.accounts.models import Role
from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.reports import queries
from lotsen.reports.queries import ReportFilters
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.reports.helpers import case_with_figures
from tests.timekeeping.helpers import local

DAY = 540  # working minutes of a day under the default 08–17 office hours
YEAR = "date_from=2026-01-01&date_to=2026-12-31"
YEAR_2026 = ReportFilters(date(2026, 1, 1), date(2026, 12, 31))
PERIOD = "received_from=2026-01-01&received_to=2026-12-31"


@pytest.fixture
def data_set(app):
    """Ten cases: resolved in time and late, open in three age buckets, one withdrawn, one
    outside the period; in two departments (one of them "none"), two categories, two leads and
    two channels."""
    building = DepartmentFactory(name="Bygglov")
    premises, permits = CategoryFactory(name="Lokaler"), CategoryFactory(name="Tillstånd")
    anna = UserFactory(name="Anna Lind", roles=[Role.OFFICIAL])
    erik = UserFactory(name="Erik Sjö", roles=[Role.OFFICIAL])
    rows = [
        # category, received, status, department, lead, channel, figures
        (
            premises,
            local(2026, 3, 2, 9),
            "answered",
            building,
            anna,
            "web",
            {"handling_minutes": 600, "resolution_margin_minutes": 100},
        ),
        (
            premises,
            local(2026, 3, 3, 9),
            "answered",
            building,
            erik,
            "web",
            {"handling_minutes": 3000, "resolution_margin_minutes": -200},
        ),
        (
            premises,
            local(2026, 3, 4, 9),
            "closed",
            None,
            anna,
            "phone",
            {"handling_minutes": 120, "resolution_margin_minutes": 50},
        ),
        (
            premises,
            local(2026, 4, 6, 9),
            "in_progress",
            building,
            anna,
            "web",
            {"handling_minutes": 2 * DAY, "first_response_minutes": None},
        ),
        (
            permits,
            local(2026, 4, 7, 9),
            "in_progress",
            None,
            erik,
            "web",
            {"handling_minutes": 4 * DAY},
        ),
        (
            premises,
            local(2026, 4, 8, 9),
            "waiting_for_company",
            building,
            anna,
            "phone",
            {"handling_minutes": 3 * DAY, "paused_minutes": DAY, "clock": "paused"},
        ),
        (
            permits,
            local(2026, 4, 9, 9),
            "new",
            None,
            None,
            "web",
            {"handling_minutes": 25 * DAY, "first_response_minutes": None},
        ),
        (
            permits,
            local(2026, 4, 10, 9),
            "withdrawn",
            building,
            None,
            "web",
            {"first_response_minutes": None, "resolution_margin_minutes": None},
        ),
        (
            permits,
            local(2026, 5, 4, 9),
            "answered",
            building,
            erik,
            "phone",
            {"handling_minutes": 900, "resolution_margin_minutes": 0},
        ),
        (premises, local(2025, 12, 31, 23, 30), "answered", building, anna, "web", {}),
    ]
    for category, received, status, department, lead, channel, figures in rows:
        attributes = {
            "department_id": department.id if department else None,
            "lead_id": lead.id if lead else None,
            "channel": channel,
        }
        case_with_figures(category, received, status, attributes, **figures)
    return {"building": building, "premises": premises, "anna": anna}


def drill_links(page: str) -> list[tuple[str, str]]:
    """(case-list URL, link text) of every drill-down link on a dashboard page."""
    return [
        (html.unescape(url), text)
        for url, text in re.findall(r'<a href="(/arenden/\?[^"]*)">([^<]*)</a>', page)
    ]


def listed_cases(client, url: str) -> set[int]:
    page = client.get(url)
    assert page.status_code == 200, url
    return {int(number) for number in re.findall(r'<td><a href="/arenden/(\d+)">', page.text)}


def dashboard(client, query: str) -> str:
    response = client.get(f"/rapporter/?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "extra",
    ["", "&department={building}", "&category={premises}", "&lead={anna}", "&channel=phone"],
)
def test_every_count_on_the_dashboard_lists_that_many_cases(client, login, data_set, extra):
    login(Role.MANAGER)
    ids = {name: thing.id for name, thing in data_set.items()}
    page = dashboard(client, YEAR + extra.format(**ids))

    counts = [(url, int(text)) for url, text in drill_links(page) if text.isdigit()]

    assert len(counts) > 20  # key figures, backlog buckets, months, departments, categories
    for url, number in counts:
        assert len(listed_cases(client, url)) == number, url


def test_backlog_bucket_and_department_rows_link_to_their_cases(client, login, data_set):
    login(Role.MANAGER)
    summary = queries.summary(YEAR_2026)
    backlog = {label: number for label, number, *_ in summary.backlog}
    assert backlog == {"0–2": 1, "3–5": 2, "6–10": 0, "11–20": 0, ">20": 1}
    links = dict(drill_links(dashboard(client, YEAR)))

    bucket = f"/arenden/?status=open&{PERIOD}&age=1"
    assert bucket in links and links[bucket] == "2"
    assert len(listed_cases(client, bucket)) == 2

    building = data_set["building"].id
    row = f"/arenden/?status=all&{PERIOD}&department={building}"
    assert links[row] == "6"
    assert len(listed_cases(client, row)) == 6
    without = f"/arenden/?status=open&{PERIOD}&department=none"
    assert links[without] == "2"
    assert len(listed_cases(client, without)) == 2


def test_share_and_percentiles_link_to_the_cases_they_are_computed_over(client, login, data_set):
    login(Role.MANAGER)
    summary = queries.summary(YEAR_2026)
    assert (summary.within_target, summary.resolved_with_margin) == (3, 4)
    links = {text: url for url, text in drill_links(dashboard(client, YEAR))}

    share = next(url for text, url in links.items() if text.startswith("75"))
    assert "within_target=yes" in share
    assert len(listed_cases(client, share)) == summary.within_target

    first_response = f"/arenden/?status=all&{PERIOD}&measured=first_response"
    handling = f"/arenden/?status=resolved&{PERIOD}&measured=handling"
    assert {first_response, handling} <= set(links.values())
    responded, handled = listed_cases(client, first_response), listed_cases(client, handling)
    assert (len(responded), len(handled)) == (6, 4)  # first responses; resolved with figures
    late = listed_cases(client, f"/arenden/?status=resolved&{PERIOD}&within_target=no")
    assert len(late) == 1


def test_bad_drill_down_parameters_get_swedish_messages(client, login, data_set):
    login(Role.MANAGER)

    response = client.get(
        "/arenden/?status=all&age=9&within_target=kanske&measured=x&department=abc"
        "&lead=0&received_from=0001-01-01&received_to=9999-12-31"
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("Välj ett av alternativen i listan.") == 5
    assert page.count("Välj ett datum mellan 1970 och 2999.") == 2
    assert 'aria-invalid="true"' in page
    assert len(listed_cases(client, "/arenden/?status=all&age=9")) == 10  # ignored, not a 500


def test_open_cases_show_their_due_times(client, login, data_set):
    login(Role.OFFICIAL)

    page = client.get("/arenden/?status=all&received_from=2026-01-01").get_data(as_text=True)

    found = re.findall(r'<td><a href="/arenden/(\d+)">(.*?)</tr>', page, re.S)
    rows = {int(number): row for number, row in found}
    statuses = dict(db.session.execute(db.select(Case.id, Case.status)).all())
    for case_id, row in rows.items():
        open_ = statuses[case_id] in ("new", "assigned", "in_progress", "waiting_for_company")
        assert ("Klart senast" in row) == open_, statuses[case_id]
    waiting = next(i for i, status in statuses.items() if status == "waiting_for_company")
    assert "pausad" in rows[waiting]
    new = next(i for i, status in statuses.items() if status == "new")
    assert "Första svar senast" in rows[new]


def test_a_zero_share_within_target_lists_the_cases_that_missed_it(client, login, app):
    category = CategoryFactory(name="Markfrågor")
    for day in range(3):
        case_with_figures(
            category,
            local(2026, 5, 4 + day, 9),
            handling_minutes=5000,
            resolution_margin_minutes=-500,
        )
    login(Role.MANAGER)

    links = drill_links(dashboard(client, YEAR))

    shares = [url for url, text in links if text.startswith("0") and "within_target" in url]
    assert shares  # the key figure and the category row
    for url in shares:
        assert len(listed_cases(client, url)) == 3
    missed = [url for url, text in links if "within_target=no" in url and text == "3"]
    assert missed
    assert all(len(listed_cases(client, url)) == 3 for url in missed)
