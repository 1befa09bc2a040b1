"""The strategy pages in a real browser, checked with axe-core."""

import pytest
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from lotsen.extensions import db
from lotsen.programme.queries import all_areas
from lotsen.strategy import services
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.browser


def test_strategy_pages_have_no_accessibility_violations(
    app, live_server, page, axe, browser_login
):
    services.load_demo_strategy()
    admin = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    browser_login(page, live_server, admin)
    page.goto(live_server("/strategi/"))
    expect(page.locator("h1")).to_have_text("Näringslivsstrategi")
    axe(page)
    area = all_areas()[0]
    page.goto(live_server(f"/strategi/omraden/{area.id}"))
    page.locator("#name").fill("")
    page.locator("#name").press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    axe(page)
    page.goto(live_server("/strategi/matt/ny"))
    axe(page)


def test_strategy_dashboard_and_yearly_section_have_no_accessibility_violations(
    app, live_server, page, axe, browser_login
):
    from datetime import UTC, datetime, timedelta

    from lotsen.visits import services as visits
    from tests.cases.helpers import open_case_directly
    from tests.companies.helpers import make_company

    services.load_demo_strategy()
    now = datetime.now(UTC)
    company = make_company(name="Floda Trä AB", size_class="20-49", employee_count=28)
    manager = UserFactory(roles=[Role.MANAGER])
    for days, needs in ((400, ["land"]), (200, ["recruitment", "land"]), (20, ["premises"])):
        data = visits.VisitData(
            company=company,
            starts_at=now - timedelta(days=days),
            purpose="Årligt företagsbesök",
            needs=needs,
            employees_now=30 + days // 100,
            employees_in_three_years=40,
        )
        visit = visits.save_visit(None, None, data)
        visits.add_topic(None, visit, "Behöver mark", [all_areas()[3]], ["mark"])
    follow_up = visits.add_follow_up(
        None, visit, "Skicka lista över tomter", manager, now.date() - timedelta(days=3)
    )
    db.session.commit()
    open_case_directly(CategoryFactory(name="Mark och etablering"))
    browser_login(page, live_server, manager)
    page.goto(live_server("/strategi/oversikt"))
    expect(page.locator("h1")).to_have_text("Strategiöversikt")
    expect(page.locator("#visits-figure svg")).to_be_visible()
    axe(page)
    page.locator("#grouping").select_option("month")
    page.locator("#date_from").fill("2020-01-01")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator("#jobs-caption")).to_have_text("Rapporterade anställda per månad")
    axe(page)
    page.get_by_role("link", name="Skicka lista över tomter").click()
    expect(page.locator(f"#follow-up-{follow_up.id}")).to_be_visible()
    page.goto(live_server(f"/rapporter/arsrapport?year={now.year}"))
    expect(page.locator("#strategy-year-heading")).to_be_visible()
    axe(page)
