"""The coordinated team in Chromium: assign → two contributions → one answer → the company."""

import re
from datetime import time, timedelta

import pytest
from flask import current_app
from playwright.sync_api import expect
from sqlalchemy import select

from lotsen.cases.models import Case, Message
from lotsen.extensions import db
from lotsen.team import meetings
from lotsen.timekeeping.calendar import local_today
from tests.cases.helpers import mails_to, open_case_directly, status_path_in
from tests.factories import CategoryFactory
from tests.team.helpers import make_team

pytestmark = pytest.mark.browser


def logged_in(browser, live_server, browser_login, user):
    page = browser.new_context(locale="sv-SE").new_page()
    page.context.set_default_timeout(5_000)
    browser_login(page, live_server, user)
    return page


def write_part(page, live_server, axe, case_number, text):
    page.goto(live_server("/delsvar/"))
    axe(page)
    page.get_by_role("link", name=case_number).click()
    expect(page.locator("h1")).to_contain_text(case_number)
    axe(page)
    page.get_by_label("Ditt delsvar").fill(text)
    page.get_by_role("button", name="Markera som klart").click()
    expect(page.locator(".flash-success")).to_contain_text("Ditt delsvar är klart")
    page.context.close()


def test_the_whole_coordinated_flow_ends_in_one_answer_to_the_company(
    app, live_server, page, browser, axe, browser_login
):
    team = make_team()
    case, _token = open_case_directly(
        CategoryFactory(name="Livsmedel och servering"),
        submitter_name="Lina Berg",
        submitter_email="lina@solrosen.example",
        company_name="Café Solrosen AB",
        subject="Uteservering och ombyggnad av kök",
        description="Vi bygger om köket och vill ha uteservering vid Torget. Vad behöver vi?",
    )
    with current_app.test_request_context():
        today = local_today()
        meeting = meetings.create_team_meeting(
            team.coordinator,
            "Lotsmöte",
            meetings.MeetingTimes(today + timedelta(days=3), time(14), time(16), "Rum Aspen"),
        )
        db.session.commit()
    due = (today + timedelta(days=7)).isoformat()

    # The coordinator assigns the lead.
    browser_login(page, live_server, team.coordinator)
    page.goto(live_server(f"/fordelning/arende/{case.id}"))
    page.get_by_label("Ny lots").select_option(value=str(team.lead.id))
    page.get_by_role("button", name="Tilldela").click()
    expect(page.locator(".flash-success")).to_contain_text("Karin Lindqvist är lots")

    # The lead asks two officials of other departments.
    lead = logged_in(browser, live_server, browser_login, team.lead)
    for contributor, question in (
        (team.builder, "Behövs bygglov för den nya köksventilationen?"),
        (team.inspector, "Vad gäller för registreringen av livsmedelsanläggningen?"),
    ):
        lead.goto(live_server(f"/arenden/{case.id}"))
        lead.get_by_role("link", name="Begär delsvar").click()
        axe(lead)
        lead.get_by_label("Vem ska svara?").select_option(value=str(contributor.id))
        lead.get_by_label("Fråga").fill(question)
        lead.get_by_label("Svar senast").fill(due)
        lead.get_by_role("button", name="Begär delsvar").click()
        expect(lead.locator(".flash-success")).to_contain_text(contributor.name)
    expect(lead.locator(".team-panel")).to_contain_text("0 av 2 klara, 2 väntar.")
    axe(lead)

    # Each contributor writes their part.
    builder = logged_in(browser, live_server, browser_login, team.builder)
    write_part(
        builder,
        live_server,
        axe,
        case.number,
        "Ja, en ny ventilation genom fasaden kräver bygglov. INTERNT: ring mig först.",
    )
    inspector = logged_in(browser, live_server, browser_login, team.inspector)
    write_part(
        inspector,
        live_server,
        axe,
        case.number,
        "Registrera anläggningen minst två veckor innan ni öppnar.",
    )

    # The lead sends one coordinated answer, edited from the pre-filled parts.
    lead.goto(live_server(f"/arenden/{case.id}"))
    expect(lead.locator(".team-panel")).to_contain_text("2 av 2 klara")
    lead.get_by_role("link", name="Skriv samlat svar").click()
    answer = lead.get_by_label("Samlat svar till företagaren")
    expect(answer).to_have_value(re.compile(r"### Bygglov"))
    axe(lead)
    prefilled = answer.input_value()
    answer.fill(prefilled.replace(" INTERNT: ring mig först.", ""))
    lead.get_by_role("button", name="Skicka samlat svar").click()
    expect(lead.locator(".flash-success")).to_contain_text("Det samlade svaret är skickat")

    # The lead takes the case to the next team meeting and records the outcome there.
    lead.get_by_role("button", name="Ta upp på nästa lotsmöte").click()
    expect(lead.locator(".team-panel")).to_contain_text("Tas upp på")
    lead.goto(live_server(f"/lotsmoten/{meeting.id}"))
    expect(lead.locator(".agenda")).to_contain_text(case.number)
    axe(lead)
    lead.get_by_label("Beslut").fill("Ledmöte med företaget i april.")
    lead.get_by_role("button", name=re.compile("Spara utfallet")).click()
    expect(lead.locator(".flash-success")).to_contain_text("Utfallet")
    lead.goto(live_server("/lotsmoten/"))
    axe(lead)
    lead.goto(live_server(f"/arenden/{case.id}"))
    expect(lead.locator(".case-timeline")).to_contain_text("beslutade: Ledmöte med företaget")
    lead.context.close()

    # The company's status page: exactly that answer, nothing internal.
    db.session.rollback()
    official_messages = db.session.scalars(
        select(Message).where(Message.case_id == case.id, Message.author_kind == "official")
    ).all()
    assert len(official_messages) == 1
    reply_mail = mails_to("lina@solrosen.example")[-1]
    page.context.clear_cookies()
    page.goto(live_server(status_path_in(reply_mail.body_text)))
    messages = page.locator(".messages")
    expect(messages).to_contain_text("en ny ventilation genom fasaden kräver bygglov")
    expect(messages).to_contain_text("Registrera anläggningen minst två veckor")
    body = page.locator("main").inner_text()
    for internal in (
        "INTERNT",
        "Behövs bygglov för den nya",
        "Vad gäller för registreringen",
        "Erik Johansson",
        "Sara Nilsson",
        "Ledmöte med företaget",
    ):
        assert internal not in body
    assert db.session.get(Case, case.id).first_response_at is not None
