"""The dashboard, the yearly report and the delay-notice form in a real browser, checked by axe."""

import pytest
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from lotsen.reports.delay.services import local_today
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.reports.helpers import case_with_figures
from tests.timekeeping.helpers import local

pytestmark = pytest.mark.browser


def some_cases():
    category = CategoryFactory(name="Bygglov för verksamhet")
    DepartmentFactory(name="Stadsbyggnad")
    year = local_today().year
    for day, minutes in enumerate([60, 540, 1200]):
        case_with_figures(category, local(year, 3, 2 + day, 9), handling_minutes=minutes)
    case_with_figures(category, local(year, 3, 9, 9), status="in_progress")


def test_dashboard_has_no_accessibility_violations(app, live_server, page, axe, browser_login):
    some_cases()
    browser_login(page, live_server, UserFactory(roles=[Role.MANAGER]))

    page.goto(live_server("/rapporter/"))

    expect(page.get_by_role("heading", name="Rapporter", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Inkomna och besvarade ärenden per månad")).to_be_visible()
    axe(page)
    page.goto(live_server(f"/rapporter/arsrapport?year={local_today().year}"))
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner som PDF").click()
    assert download.value.suggested_filename == f"arsrapport-{local_today().year}.pdf"


def test_empty_dashboard_has_no_accessibility_violations(
    app, live_server, page, axe, browser_login
):
    browser_login(page, live_server, UserFactory(roles=[Role.ADMIN]))

    page.goto(live_server("/rapporter/?date_from=fel"))

    expect(page.get_by_text("Det finns inga ärenden")).to_be_visible()
    axe(page)


def test_drill_down_to_the_case_list_has_no_accessibility_violations(
    app, live_server, page, axe, browser_login
):
    some_cases()
    browser_login(page, live_server, UserFactory(roles=[Role.MANAGER]))
    page.goto(live_server("/rapporter/"))

    backlog = page.get_by_role("region", name="Öppna ärenden efter ålder i arbetsdagar")
    backlog.get_by_role("link", name="1").first.click()

    expect(page.get_by_role("heading", name="Ärenden", level=1)).to_be_visible()
    expect(page.get_by_label("Ålder (arbetsdagar)")).to_be_visible()
    expect(page.get_by_text("Klart senast")).to_be_visible()
    axe(page)
    page.goto(live_server("/arenden/?age=9&within_target=kanske&received_from=0001-01-01"))
    expect(page.get_by_text("Välj ett av alternativen i listan.").first).to_be_visible()
    axe(page)


def test_a_reversed_period_is_reported_next_to_the_field_with_the_typed_dates(
    app, live_server, page, axe, browser_login
):
    some_cases()
    browser_login(page, live_server, UserFactory(roles=[Role.MANAGER]))
    page.goto(live_server("/rapporter/"))

    page.get_by_label("Inkom från").fill("2026-12-31")
    page.get_by_label("Inkom till").fill("2026-01-01")
    page.get_by_role("button", name="Visa").click()

    expect(page.get_by_text("Slutdatumet är före startdatumet.")).to_be_visible()
    expect(page.get_by_label("Inkom från")).to_have_value("2026-12-31")
    expect(page.get_by_label("Inkom till")).to_have_value("2026-01-01")
    expect(page.get_by_label("Inkom till")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Perioden kunde inte användas.")
    axe(page)


def test_clicking_a_zero_share_within_target_lists_the_cases_that_missed_it(
    app, live_server, page, axe, browser_login
):
    category = CategoryFactory(name="Markfrågor")
    year = local_today().year
    late = [
        case_with_figures(
            category,
            local(year, 2, 2 + day, 9),
            handling_minutes=6000,
            resolution_margin_minutes=-600,
        )
        for day in range(2)
    ]
    browser_login(page, live_server, UserFactory(roles=[Role.MANAGER]))
    page.goto(live_server("/rapporter/"))

    figure = page.locator(".key-figures div", has_text="Besvarade inom servicegarantin")
    figure.get_by_role("link", name="0 %").click()

    expect(page.get_by_role("heading", name="Ärenden", level=1)).to_be_visible()
    for case in late:
        expect(page.get_by_role("link", name=case.number)).to_be_visible()
    axe(page)
