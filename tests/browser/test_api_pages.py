"""The API-token pages and the API reference in a real browser: axe, keyboard, 375 px."""

import pytest
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from tests.browser.test_phone_layout import horizontal_overflow, phone_page
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_an_admin_issues_and_revokes_a_token_on_accessible_pages(
    app, live_server, page, axe, browser_login
):
    admin = UserFactory(roles=[Role.ADMIN], name="Ada Admin")
    account = UserFactory(roles=[Role.COORDINATOR], name="Integrationskonto E-tjänst")
    browser_login(page, live_server, admin)
    page.goto(live_server("/admin/api-nycklar/"))
    expect(page.locator("h1")).to_have_text("API-nycklar")
    axe(page)
    page.get_by_role("link", name="Ny nyckel").click()
    page.get_by_role("button", name="Skapa nyckel").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe(page)
    page.get_by_label("Integrationens namn").fill("E-tjänsteplattformen")
    page.get_by_label("Agerar som").select_option(label=f"{account.name} ({account.email})")
    page.get_by_label("cases:create", exact=False).check()
    page.get_by_role("button", name="Skapa nyckel").click()
    expect(page.locator("h1")).to_have_text("API-nyckeln är skapad")
    secret = page.locator("#secret").inner_text()
    assert secret.startswith("lotsen_")
    axe(page)
    page.get_by_role("link", name="Till nyckelns sida").click()
    expect(page.locator("h1")).to_have_text("E-tjänsteplattformen")
    axe(page)
    page.get_by_role("button", name="Återkalla nyckeln").click()
    expect(page.locator(".flash-success")).to_contain_text("återkallad")
    axe(page)


def test_the_reference_page_is_accessible_and_fits_a_phone(app, live_server, page, axe, browser):
    page.goto(live_server("/integrationer/api"))
    expect(page.locator("h1")).to_have_text("API-referens")
    expect(page.locator("#createCase")).to_contain_text("/api/v1/cases")
    axe(page)
    phone = phone_page(browser)
    phone.goto(live_server("/integrationer/api"))
    assert horizontal_overflow(phone) == 0
    phone.context.close()
