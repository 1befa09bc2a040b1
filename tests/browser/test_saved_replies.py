"""Saved replies in Chromium: a coordinator writes one, the lead inserts it into the coordinated
answer (a plain form post: no JavaScript needed), and every new page passes axe."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lotsen.extensions import db
from lotsen.replies.models import SavedReply
from tests.team.helpers import led_case, make_team

pytestmark = pytest.mark.browser


def logged_in(browser, live_server, browser_login, user):
    page = browser.new_context(locale="sv-SE").new_page()
    page.context.set_default_timeout(5_000)
    browser_login(page, live_server, user)
    return page


def test_a_coordinator_writes_a_template_and_the_lead_inserts_it(
    app, live_server, browser, axe, browser_login
):
    team = make_team()
    case = led_case(team)
    db.session.commit()

    page = logged_in(browser, live_server, browser_login, team.coordinator)
    page.goto(live_server("/svarsmallar/"))
    expect(page.locator("h1")).to_have_text("Svarsmallar")
    expect(page.locator(".empty")).to_contain_text("Inga svarsmallar ännu")
    axe(page)
    page.get_by_role("link", name="Ny svarsmall").click()
    axe(page)
    page.get_by_label("Rubrik").fill("Uteservering: så söker ni")
    page.get_by_label("Text").fill("Hej {kontaktperson}! Ansök om {tillstand}.")
    page.get_by_role("button", name="Spara mallen").click()
    expect(page.locator(".error-summary")).to_contain_text("Okänd platshållare: {tillstand}")
    axe(page)
    page.get_by_label("Text").fill(
        "Hej {kontaktperson}! {företag} söker tillstånd för uteservering i e-tjänsten. "
        "Ärende {ärendenummer}, lots {handläggare}."
    )
    page.get_by_role("button", name="Spara mallen").click()
    expect(page.locator(".flash-success")).to_contain_text("Svarsmallen är sparad")
    expect(page.locator("#history-heading")).to_be_visible()
    axe(page)
    page.goto(live_server("/svarsmallar/?q=uteservering"))
    expect(page.get_by_role("link", name="Uteservering: så söker ni")).to_be_visible()
    page.context.close()

    page = logged_in(browser, live_server, browser_login, team.lead)
    page.goto(live_server(f"/arenden/{case.id}/samlat-svar"))
    answer = page.get_by_label("Samlat svar till företagaren")
    answer.fill("Tack för er fråga.")
    page.get_by_label("Svarsmall").select_option(label="Uteservering: så söker ni")
    page.get_by_role("button", name="Infoga").click()
    expect(answer).to_have_value(
        f"Tack för er fråga.\n\nHej {case.submitter_name}! {case.company_name} söker tillstånd "
        f"för uteservering i e-tjänsten. Ärende {case.number}, lots {team.lead.name}."
    )
    axe(page)
    page.context.close()
    db.session.rollback()
    assert db.session.scalar(select(SavedReply.title)) == "Uteservering: så söker ni"
