"""The visit pages in a real browser, checked with axe-core."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from lotsen.extensions import db
from lotsen.programme.queries import all_areas
from lotsen.strategy import services as strategy
from lotsen.visits import services
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.browser


def test_visit_pages_have_no_accessibility_violations(app, live_server, page, axe, browser_login):
    strategy.load_demo_strategy()
    official = UserFactory(roles=[Role.OFFICIAL])
    CategoryFactory(name="Mark och lokaler")
    company = make_company(name="Stenkullens Åkeri AB", size_class="20-49")
    make_company(name="Gråbo Verkstad AB", size_class="50-99")
    data = services.VisitData(
        company=company,
        starts_at=datetime.now(UTC) - timedelta(days=20),
        purpose="Expansionsplaner",
        participants=[official],
        needs=["land"],
    )
    visit = services.save_visit(official, None, data)
    services.add_topic(official, visit, "Behöver mark", all_areas()[:1], ["mark"])
    services.add_follow_up(
        official, visit, "Ta fram tomter", official, datetime.now(UTC).date() - timedelta(days=3)
    )
    db.session.commit()
    browser_login(page, live_server, official)
    expect(page.locator("#tile-follow-ups")).to_be_visible()
    axe(page)
    page.goto(live_server("/besok/"))
    expect(page.locator("h1")).to_have_text("Företagsbesök")
    axe(page)
    page.goto(live_server(f"/besok/{visit.id}"))
    axe(page)
    page.goto(live_server("/besok/nytt"))
    page.locator("#purpose").fill("Dialog")
    page.locator("#purpose").press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#purpose")).to_have_value("Dialog")
    axe(page)
    page.goto(live_server(f"/foretag/{company.id}"))
    axe(page)
