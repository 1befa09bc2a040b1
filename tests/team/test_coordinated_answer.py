"""The coordinated answer (samlat svar): the only thing of the team's work the company sees."""

import pytest
from flask import current_app
from sqlalchemy import select

from lotsen.cases.models import Case, CaseEvent, CaseStatus, Message
from lotsen.extensions import db
from lotsen.team import contributions, coordinated_answer, queries, rules
from tests.cases.helpers import status_path_in
from tests.team.helpers import ask, led_case, make_team, outbox_to


def answered(contribution, user, text):
    with current_app.test_request_context():
        contributions.complete_contribution(user, contribution, text)
        db.session.commit()


def prepared_case(team):
    case = led_case(team)
    building = ask(case, team.lead, team.builder, "Behövs bygglov för köksventilationen?")
    food = ask(case, team.lead, team.inspector, "Vad gäller för livsmedelsregistreringen?")
    answered(building, team.builder, "Ventilationen kräver bygglov. INTERNT: ring Erik först.")
    answered(food, team.inspector, "Registrera anläggningen minst två veckor före öppning.")
    return case


def test_the_answer_is_prefilled_from_done_contributions_under_department_headings(app):
    team = make_team()
    case = prepared_case(team)
    ask(case, team.lead, team.colleague, "Har vi en lokal att föreslå?")  # still open

    text = coordinated_answer.compose_coordinated_answer(case, queries.case_contributions(case))

    assert text.startswith("Hej Lina Berg!")
    assert "### Bygglov\n\nVentilationen kräver bygglov." in text
    assert "### Miljö och hälsa\n\nRegistrera anläggningen" in text
    assert "Har vi en lokal" not in text


def test_the_lead_sends_one_public_reply_and_the_company_sees_exactly_that(app, client, login):
    team = make_team()
    case = prepared_case(team)
    login(user=team.lead)
    form = client.get(f"/arenden/{case.id}/samlat-svar").get_data(as_text=True)
    assert "### Bygglov" in form and "Registrera anläggningen" in form

    edited = (
        "Hej Lina!\n\n### Bygglov\n\nKöksventilationen kräver bygglov.\n\n"
        "### Miljö och hälsa\n\nRegistrera anläggningen minst två veckor före öppning."
    )
    response = client.submit(
        f"/arenden/{case.id}/samlat-svar", {"body": edited, "then_status": "answered"}
    )
    assert response.status_code == 302

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == CaseStatus.ANSWERED and case.first_response_at is not None
    official_messages = db.session.scalars(
        select(Message).where(Message.case_id == case.id, Message.author_kind == "official")
    ).all()
    assert [m.body for m in official_messages] == [edited]
    assert not official_messages[0].is_internal
    event = db.session.scalar(
        select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "coordinated_answer"
        )
    )
    assert len(event.details["contribution_ids"]) == 2

    mails = outbox_to("lina@solrosen.example")
    assert len(mails) == 2  # the receipt and the coordinated answer, nothing else
    assert "Köksventilationen kräver bygglov." in mails[1].body_text
    for mail in mails:
        assert "INTERNT" not in mail.body_text and "Behövs bygglov" not in mail.body_text

    client.post("/konto/logga-ut", data={"csrf_token": client.csrf_token("/")})
    status_page = client.get(status_path_in(mails[1].body_text)).get_data(as_text=True)
    assert "Köksventilationen kräver bygglov." in status_page
    assert "<h3>Bygglov</h3>" in status_page
    for internal in (
        "INTERNT",
        "Behövs bygglov för köksventilationen?",
        "Erik Johansson",
        "Vad gäller för livsmedelsregistreringen?",
    ):
        assert internal not in status_page


def test_contributions_never_reach_the_company_before_the_lead_sends(app, client):
    team = make_team()
    case = prepared_case(team)
    [receipt] = outbox_to("lina@solrosen.example")
    status_page = client.get(status_path_in(receipt.body_text)).get_data(as_text=True)
    assert "Ventilationen kräver bygglov" not in status_page
    assert "Registrera anläggningen" not in status_page
    assert db.session.get(Case, case.id).first_response_at is None


def test_only_the_lead_sends_the_coordinated_answer(app, client, login):
    team = make_team()
    case = prepared_case(team)
    for someone in (team.builder, team.colleague, team.coordinator):
        with pytest.raises(rules.TeamError):
            coordinated_answer.send_coordinated_answer(someone, case, "Hej!")
        db.session.rollback()
    login(user=team.builder)  # a contributor may read the page, not send
    page = client.get(f"/arenden/{case.id}/samlat-svar").get_data(as_text=True)
    assert "Bara ärendets lots kan skicka det samlade svaret." in page
    response = client.submit(f"/arenden/{case.id}/samlat-svar", {"body": "Hej!"})
    assert response.status_code == 400
    assert len(outbox_to("lina@solrosen.example")) == 1


def test_an_empty_answer_is_refused_in_swedish(app, client, login):
    team = make_team()
    case = prepared_case(team)
    login(user=team.lead)
    response = client.submit(f"/arenden/{case.id}/samlat-svar", {"body": "  "})
    assert response.status_code == 400
    assert "Skriv ett svar." in response.get_data(as_text=True)
