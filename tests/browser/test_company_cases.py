"""The cases on a company's page in a real browser, checked with axe-core."""

import pytest
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from tests.cases.test_query_counts import company_with_cases
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_company_page_with_cases_has_no_accessibility_violations(
    app, live_server, page, axe, browser_login
):
    company = company_with_cases(22, "Norrlands Bageri AB")
    official = UserFactory(roles=[Role.OFFICIAL])
    browser_login(page, live_server, official)

    page.goto(live_server(f"/foretag/{company.id}"))
    expect(page.locator("#company-cases-heading")).to_have_text("Ärenden (22)")
    rows = page.locator("#company-cases-heading + .table-scroll tbody tr")
    expect(rows).to_have_count(20)
    expect(rows.last).to_contain_text("fråga 2")
    axe(page)

    page.get_by_role("link", name="Nästa sida").click()
    expect(page.get_by_role("cell", name="Norrlands Bageri AB: fråga 0")).to_be_visible()
    axe(page)
