"""Triage in a real browser: a coordinator assigns by keyboard; the pages pass axe-core."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from lotsen.cases.models import Case, CaseStatus
from lotsen.extensions import db
from lotsen.timekeeping.calendar import local_today
from lotsen.triage import assignment, availability, saved_filters
from tests.browser.helpers import focused, tab_to
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.triage.helpers import new_case, official, routed

pytestmark = pytest.mark.browser


def test_a_coordinator_assigns_the_oldest_case_by_keyboard(
    app, live_server, page, axe, browser_login
):
    bygg = DepartmentFactory(name="Bygglov")
    category, _dept = routed(CategoryFactory(name="Bygglov och lokaler"), bygg)
    erik = official(bygg, name="Erik Johansson", categories=[category])
    official(bygg, name="Anna Alm")
    oldest = new_case(category, subject="Tillbyggnad av verkstad", company_name="Lerums Bygg AB")
    new_case(CategoryFactory(name="Upphandling"), subject="Anbud i IT-upphandling")
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    browser_login(page, live_server, coordinator)
    page.goto(live_server("/fordelning/"))
    expect(page.locator("h1")).to_have_text("Fördelning")
    axe(page)
    select = page.locator(f"#lead-{oldest.id}")
    expect(select.locator("option:checked")).to_contain_text("Erik Johansson")  # the suggestion
    tab_to(page, f"#lead-{oldest.id}")
    page.keyboard.press("Tab")
    assert focused(page, f"#lead-{oldest.id} ~ button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text("Erik Johansson är lots för")
    expect(page.locator(f"#lead-{oldest.id}")).to_have_count(0)
    db.session.rollback()  # end the test's read snapshot, to see what the request wrote
    case = db.session.get(Case, oldest.id)
    assert case.lead_id == erik.id and case.status == CaseStatus.ASSIGNED
    axe(page)


def test_triage_pages_have_no_accessibility_violations(app, live_server, page, axe, browser_login):
    bygg = DepartmentFactory(name="Bygglov")
    category, _dept = routed(CategoryFactory(name="Bygglov och lokaler"), bygg)
    coordinator = official(bygg, name="Karin Lindqvist", roles=[Role.COORDINATOR, Role.OFFICIAL])
    colleague = official(bygg, name="Erik Johansson", categories=[category])
    today = local_today()
    availability.add_absence(None, colleague, today, today + timedelta(days=4), "Kurs i Borås")
    cases = [new_case(category, subject=f"Skylt {n}") for n in range(3)]
    assignment.assign_case(cases[0], coordinator, None)
    saved_filters.save_filter(coordinator, "Mina bygglov", "scope=mine&status=all")
    db.session.commit()
    browser_login(page, live_server, coordinator)
    expect(page.locator(".main-nav")).to_contain_text("Notiser 1")
    for path in (
        "/fordelning/",
        "/fordelning/notiser",
        "/fordelning/franvaro",
        "/fordelning/personal",
        f"/fordelning/personal/{colleague.id}",
        f"/fordelning/arende/{cases[0].id}",
        "/arenden/?scope=mine",
        "/arenden/?scope=department",
    ):
        page.goto(live_server(path))
        axe(page)
    # an absence with an error: the summary, the field and what was typed
    page.goto(live_server("/fordelning/franvaro"))
    page.locator("#absence-starts_on").fill((today + timedelta(days=5)).isoformat())
    page.locator("#absence-ends_on").fill((today + timedelta(days=1)).isoformat())
    page.locator("#absence-note").fill("Semester")
    page.locator("#absence-note").press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#absence-note")).to_have_value("Semester")
    axe(page)
    # reassigning without a reason
    page.goto(live_server(f"/fordelning/arende/{cases[0].id}"))
    page.locator("#lead").select_option(str(colleague.id))
    page.locator("#submit").click()
    expect(page.locator(".error-summary")).to_contain_text("Skriv varför ärendet byter lots.")
    axe(page)
    # the notification
    page.goto(live_server("/fordelning/notiser"))
    page.get_by_role("button", name=f"Öppna {cases[0].number}").click()
    expect(page.locator("h1")).to_contain_text(cases[0].number)
    expect(page.locator(".main-nav")).not_to_contain_text("Notiser 1")


def test_the_routing_admin_pages_have_no_accessibility_violations(
    app, live_server, page, axe, browser_login
):
    admin = UserFactory(roles=[Role.ADMIN])
    bygg = DepartmentFactory(name="Bygglov")
    DepartmentFactory(name="Miljö och hälsa")
    category, _dept = routed(CategoryFactory(name="Bygglov och lokaler"), bygg)
    CategoryFactory(name="Upphandling")
    browser_login(page, live_server, admin)
    page.goto(live_server("/fordelning/regler"))
    expect(page.locator("h1")).to_have_text("Fördelningsregler")
    axe(page)
    page.goto(live_server(f"/fordelning/regler/{category.id}"))
    axe(page)
    page.locator("#department").select_option("")
    page.locator("#submit").click()
    expect(page.locator(".error-summary")).to_contain_text("Välj ansvarig avdelning.")
    axe(page)
