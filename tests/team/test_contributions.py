"""Contributions (delsvar): the lead asks, the contributor answers or declines, all on record."""

import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from lotsen.audit.models import AuditEvent
from lotsen.cases.models import CaseEvent
from lotsen.extensions import db
from lotsen.notifications.models import Notification
from lotsen.team import contributions, rules
from lotsen.team.models import CaseContribution, ContributionState
from lotsen.timekeeping.calendar import local_today
from tests.team.helpers import ask, in_a_week, led_case, make_team, outbox_to


def events(case, kind):
    db.session.expire_all()
    return db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
    ).all()


def notifications_of(user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


def test_the_lead_asks_a_contributor_who_is_told_by_mail_and_in_the_app(app):
    team = make_team()
    case = led_case(team)

    contribution = ask(case, team.lead, team.builder, "Behövs bygglov för ny köksventilation?")

    assert contribution.state == ContributionState.REQUESTED
    assert contribution.department_id == team.building.id
    [event] = events(case, "contribution_requested")
    assert event.actor_id == team.lead.id and event.details["contributor"] == "Erik Johansson"
    [mail] = outbox_to("erik@kommun.example")
    assert case.number in mail.subject
    assert "Behövs bygglov för ny köksventilation?" in mail.body_text
    assert f"/delsvar/{contribution.id}" in mail.body_text
    [notice] = notifications_of(team.builder)
    assert notice.case_id == case.id and case.number in notice.text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contribution.request"))


def test_the_contributor_writes_a_draft_then_marks_it_done_and_the_lead_is_told(app, client, login):
    team = make_team()
    case = led_case(team)
    contribution = ask(case, team.lead, team.builder)
    login(user=team.builder)
    url = f"/delsvar/{contribution.id}"

    draft = client.submit(url, {"answer-answer": "Ja, troligen.", "answer-save": "y"})
    assert draft.status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseContribution, contribution.id).state == ContributionState.REQUESTED
    assert outbox_to("karin@kommun.example") == []

    done = client.submit(
        url, {"answer-answer": "Ja, ventilationen kräver bygglov.", "answer-done": "y"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    saved = db.session.get(CaseContribution, contribution.id)
    assert saved.state == ContributionState.DONE and saved.finished_at is not None
    assert saved.answer == "Ja, ventilationen kräver bygglov."
    assert len(events(case, "contribution_done")) == 1
    [mail] = outbox_to("karin@kommun.example")
    assert "Erik Johansson har lämnat sitt delsvar" in mail.body_text
    assert len(notifications_of(team.lead)) == 1
    # Done is final: a second answer is refused.
    again = client.submit(url, {"answer-answer": "Ändrat", "answer-done": "y"})
    assert again.status_code == 400 and "redan avslutat" in again.get_data(as_text=True)


def test_marking_done_needs_an_answer_and_keeps_the_form(app, client, login):
    team = make_team()
    contribution = ask(led_case(team), team.lead, team.builder)
    login(user=team.builder)
    response = client.submit(
        f"/delsvar/{contribution.id}", {"answer-answer": "  ", "answer-done": "y"}
    )
    assert response.status_code == 400
    assert "Skriv ditt delsvar innan du markerar det som klart." in response.get_data(as_text=True)


def test_declining_needs_a_reason_which_the_lead_reads(app, client, login):
    team = make_team()
    case = led_case(team)
    contribution = ask(case, team.lead, team.inspector)
    login(user=team.inspector)
    url = f"/delsvar/{contribution.id}/avboj"

    empty = client.submit(url, {"decline-reason": ""}, page_url=f"/delsvar/{contribution.id}")
    assert empty.status_code == 400
    assert "Skriv varför du avböjer." in empty.get_data(as_text=True)

    response = client.submit(
        url,
        {"decline-reason": "Ventilation är en bygglovsfråga, inte miljö."},
        page_url=f"/delsvar/{contribution.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(CaseContribution, contribution.id)
    assert saved.state == ContributionState.DECLINED
    [event] = events(case, "contribution_declined")
    assert event.reason == "Ventilation är en bygglovsfråga, inte miljö."
    [mail] = outbox_to("karin@kommun.example")
    assert "avböjt" in mail.body_text and "inte miljö" in mail.body_text
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "avböjde att lämna delsvar" in page


def test_only_the_lead_or_a_coordinator_asks_for_contributions(app, client, login):
    team = make_team()
    case = led_case(team)
    for someone in (team.colleague, team.builder):
        with pytest.raises(rules.TeamError):
            contributions.request_contribution(someone, case, team.inspector, "Fråga?", in_a_week())
    db.session.rollback()

    login(user=team.colleague)
    page = client.get(f"/arenden/{case.id}/delsvar/ny").get_data(as_text=True)
    assert "Bara ärendets lots eller en samordnare kan begära delsvar." in page
    response = client.submit(
        f"/arenden/{case.id}/delsvar/ny",
        {"contributor_id": team.inspector.id, "question": "Fråga?", "due_on": "2099-01-01"},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(CaseContribution)) is None


def test_only_the_contributor_answers(app, client, login):
    team = make_team()
    case = led_case(team)
    contribution = ask(case, team.lead, team.builder)
    with pytest.raises(rules.TeamError):
        contributions.complete_contribution(team.lead, contribution, "Svar från fel person")
    db.session.rollback()
    login(user=team.lead)
    response = client.submit(
        f"/delsvar/{contribution.id}", {"answer-answer": "Svar", "answer-done": "y"}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(CaseContribution, contribution.id).state == ContributionState.REQUESTED


def test_request_form_validates_in_swedish_and_keeps_the_question(app, client, login):
    team = make_team()
    case = led_case(team)
    login(user=team.lead)
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    response = client.submit(
        f"/arenden/{case.id}/delsvar/ny",
        {"contributor_id": team.builder.id, "question": "Behövs bygglov?", "due_on": yesterday},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Välj ett datum från och med i dag." in html and "Behövs bygglov?" in html

    nonsense = client.submit(
        f"/arenden/{case.id}/delsvar/ny",
        {"contributor_id": "x", "question": "Behövs bygglov?", "due_on": "i morgon"},
    )
    assert nonsense.status_code == 400
    assert "ÅÅÅÅ-MM-DD" in nonsense.get_data(as_text=True)

    # A contributor value that is no id, with a valid date: refused on the field, no 500.
    not_an_id = client.submit(
        f"/arenden/{case.id}/delsvar/ny",
        {"contributor_id": "x", "question": "Behövs bygglov?", "due_on": "2099-01-01"},
    )
    assert not_an_id.status_code == 400
    assert "Behövs bygglov?" in not_an_id.get_data(as_text=True)

    ok = client.submit(
        f"/arenden/{case.id}/delsvar/ny",
        {"contributor_id": team.builder.id, "question": "Behövs bygglov?", "due_on": "2099-01-01"},
    )
    assert ok.status_code == 302
    twice = client.submit(
        f"/arenden/{case.id}/delsvar/ny",
        {"contributor_id": team.builder.id, "question": "Igen?", "due_on": "2099-01-01"},
    )
    assert "har redan ett obesvarat delsvar" in twice.get_data(as_text=True)


def test_my_contributions_lists_counts_pages_and_says_what_to_do_when_empty(app, client, login):
    team = make_team()
    login(user=team.builder)
    empty = client.get("/delsvar/").get_data(as_text=True)
    assert "Du har inga delsvar att skriva." in empty
    assert "Mina delsvar</a>" in empty  # no count in the navigation

    app.config["PAGE_SIZE"] = 2
    cases = [led_case(team, subject=f"Fråga {n}") for n in range(3)]
    asked = [
        ask(case, team.lead, team.builder, due_on=in_a_week() + timedelta(days=n))
        for n, case in enumerate(cases)
    ]
    with current_app.test_request_context():
        contributions.complete_contribution(team.builder, asked[2], "Klart.")
        db.session.commit()

    first = client.get("/delsvar/").get_data(as_text=True)
    assert 'Begärt <span class="count">(2)</span>' in first
    assert 'Klart <span class="count">(1)</span>' in first
    # The navigation counts what is left to answer.
    assert re.search(r'Mina delsvar <span class="nav-count">2<span', first)
    assert cases[0].number in first and cases[1].number in first
    assert cases[2].number not in first
    done = client.get("/delsvar/?state=done").get_data(as_text=True)
    assert cases[2].number in done and cases[0].number not in done

    # Three open ones over two pages: keyset pagination.
    ask(led_case(team, subject="Fråga 4"), team.lead, team.builder, due_on=in_a_week())
    page_one = client.get("/delsvar/").get_data(as_text=True)
    assert 'rel="next"' in page_one
    next_url = page_one.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    page_two = client.get(next_url.replace("&amp;", "&")).get_data(as_text=True)
    assert page_two.count("/delsvar/") >= 1 and 'rel="next"' not in page_two
    assert client.get("/delsvar/?state=bogus&after=garbage").status_code == 200
