"""The journeys as people live them (issue 14), in Chromium: what the official and the company
see after a reply, a status change, an expired link, a request for a decision."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from lotsen.accounts.models import Role
from lotsen.cases.models import Case, CaseAccessToken, CaseStatus
from lotsen.cases.workflow import change_status
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.timekeeping.calendar import local_today
from lotsen.triage.models import Absence
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory, UserFactory
from tests.team.helpers import led_case, make_team

pytestmark = pytest.mark.browser


def assigned_case(lead, **overrides) -> Case:
    case, _token = open_case_directly(CategoryFactory(), **overrides)
    case = db.session.get(Case, case.id)
    case.lead_id = lead.id
    change_status(case, CaseStatus.ASSIGNED, lead)
    db.session.commit()
    return case


def status_badge(page):
    return page.locator(".facts .badge[class*='status-']")


def test_a_reply_that_keeps_the_status_leaves_the_case_assigned(
    app, live_server, page, axe, browser_login
):
    lead = UserFactory(roles=[Role.OFFICIAL])
    case = assigned_case(lead)
    browser_login(page, live_server, lead)
    page.goto(live_server(f"/arenden/{case.id}"))
    expect(page.get_by_label("Efter svaret")).to_have_value("")
    expect(page.get_by_label("Efter svaret").locator("option").first).to_have_text(
        "Behåll status (Tilldelad)"
    )
    page.get_by_label("Svar till företagaren").fill("Hej! Ni behöver söka bygglov.")
    page.get_by_role("button", name="Skicka svar").click()
    expect(page.locator(".flash-success")).to_contain_text("Svaret är skickat till företagaren.")
    expect(status_badge(page)).to_have_text("Tilldelad")
    axe(page)


def test_a_reply_without_an_address_tells_the_official_to_call_instead(
    app, live_server, page, axe, browser_login
):
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    case, _token = open_case_directly(
        CategoryFactory(), submitter_email=None, submitter_phone="070-123 45 67"
    )
    browser_login(page, live_server, coordinator)
    page.goto(live_server(f"/arenden/{case.id}"))
    page.get_by_label("Svar till företagaren").fill("Ring oss om bygglovet.")
    page.get_by_role("button", name="Skicka svar").click()
    warning = page.locator(".flash-warning")
    expect(warning).to_contain_text("inte skickat")
    expect(warning).to_contain_text("070-123 45 67")
    expect(page.locator(".flash-success")).to_have_count(0)
    expect(status_badge(page)).to_have_text("Ny")
    axe(page)
    page.goto(live_server("/fordelning/"))
    expect(page.get_by_text(case.subject)).to_be_visible()


def test_an_expired_link_says_so_and_leads_to_a_new_one(app, live_server, page, axe):
    _case, token = open_case_directly(CategoryFactory())
    db.session.execute(update(CaseAccessToken).values(expires_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    page.goto(live_server(f"/status/{token}"))
    expect(page.locator("h1")).to_have_text("Länken har gått ut")
    axe(page)
    page.get_by_role("link", name="Få en ny länk").click()
    expect(page.locator("h1")).to_have_text("Få en ny länk till ditt ärende")


def test_waiting_for_the_company_asks_what_is_awaited_and_sends_it(
    app, live_server, page, axe, browser_login
):
    lead = UserFactory(roles=[Role.OFFICIAL])
    case = assigned_case(lead, submitter_email="lina@solrosen.example")
    browser_login(page, live_server, lead)
    page.goto(live_server(f"/arenden/{case.id}"))
    page.get_by_label("Ny status").select_option("waiting_for_company")
    page.get_by_role("button", name="Ändra status").click()
    expect(page.locator(".field-errors")).to_contain_text("Skriv vad ni väntar på")
    axe(page)
    page.get_by_label("Ny status").select_option("waiting_for_company")
    page.get_by_label("Meddelande till företaget").fill("Skicka en ritning över uteserveringen.")
    page.get_by_role("button", name="Ändra status").click()
    expect(page.locator(".flash-success").first).to_contain_text("Väntar på företaget")
    expect(status_badge(page)).to_have_text("Väntar på företaget")
    expect(page.locator(".message-official .message-body")).to_contain_text(
        "Skicka en ritning över uteserveringen."
    )


def test_a_coordinator_asks_for_a_contribution_and_sees_who_is_away(
    app, live_server, page, axe, browser_login
):
    team = make_team()
    case = led_case(team)
    today = local_today()
    back = today + timedelta(days=3)
    db.session.add(Absence(user_id=team.inspector.id, starts_on=today, ends_on=back))
    db.session.commit()
    browser_login(page, live_server, team.coordinator)
    page.goto(live_server(f"/arenden/{case.id}"))
    page.get_by_role("link", name="Begär delsvar").click()
    picker = page.get_by_label("Vem ska svara?")
    expect(picker.locator("option", has_text="Sara Nilsson")).to_have_text(
        f"Sara Nilsson (Miljö och hälsa) · frånvarande t.o.m. {back.isoformat()}"
    )
    expect(picker.locator("option", has_text="Anna Berg")).to_have_count(0)  # herself
    axe(page)


def test_a_request_for_a_decision_is_recorded_and_shown_with_its_deadline(
    app, live_server, page, axe, browser_login
):
    lead = UserFactory(roles=[Role.OFFICIAL])
    case = assigned_case(lead)
    browser_login(page, live_server, lead)
    page.goto(live_server(f"/arenden/{case.id}"))
    page.get_by_role("button", name="Registrera begäran om avgörande").click()
    expect(page.locator(".flash-success")).to_contain_text("Begäran är registrerad")
    db.session.rollback()
    due = db.session.get(Case, case.id).decision_due_on
    expect(page.locator(".facts")).to_contain_text(f"Ska avgöras senast {due.isoformat()}")
    expect(page.locator(".case-timeline")).to_contain_text("förvaltningslagen 12 §")
    axe(page)
