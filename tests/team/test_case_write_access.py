"""Every POST that names a case (in the URL or a form field) checks the case access policy.

An official who gets 403 on a case page must not change it, nor put it on a meeting agenda
(which writes to its timeline), through any other route.
"""

from datetime import date, time

from flask import current_app
from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.cases.access import may_view_case
from lotsen.cases.models import Case, CaseEvent
from lotsen.extensions import db
from lotsen.team import meetings, rules
from lotsen.team.models import AgendaItem
from tests.team.helpers import led_case, make_team


def team_meeting(team):
    with current_app.test_request_context():
        meeting = meetings.create_team_meeting(
            team.coordinator,
            "Lotsmöte",
            meetings.MeetingTimes(date(2030, 3, 7), time(9), time(10), place="Kommunhuset"),
        )
        db.session.commit()
    return meeting


def case_state(case_id: int) -> tuple:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    events = db.session.scalar(select(func.count()).where(CaseEvent.case_id == case_id))
    items = db.session.scalar(select(func.count()).where(AgendaItem.case_id == case_id))
    return case.status, case.lead_id, case.department_id, case.version, events, items


def test_an_outsider_cannot_put_a_case_they_may_not_read_on_the_agenda(client, login):
    team = make_team()
    case = led_case(team)
    meeting = team_meeting(team)
    login(user=team.outsider)
    assert client.get(f"/arenden/{case.id}").status_code == 403
    before = case_state(case.id)

    response = client.submit(
        f"/lotsmoten/{meeting.id}/dagordning",
        {"agenda-case_number": case.number, "agenda-note": "Ta upp"},
        page_url=f"/lotsmoten/{meeting.id}",
    )

    assert response.status_code == 400
    assert "Du kan inte ta upp det här ärendet på lotsmötet." in response.get_data(as_text=True)
    assert case_state(case.id) == before


def test_a_colleague_who_may_read_the_case_still_can(client, login):
    team = make_team()
    case = led_case(team)
    meeting = team_meeting(team)
    login(user=team.colleague)

    response = client.submit(
        f"/lotsmoten/{meeting.id}/dagordning",
        {"agenda-case_number": case.number},
        page_url=f"/lotsmoten/{meeting.id}",
    )

    assert response.status_code == 302
    assert case_state(case.id)[-1] == 1


def test_an_outsider_cannot_record_an_outcome_for_a_case_they_may_not_read(client, login):
    team = make_team()
    case = led_case(team)
    meeting = team_meeting(team)
    with current_app.test_request_context():
        item = meetings.add_to_agenda(team.lead, db.session.get(Case, case.id), meeting)
        db.session.commit()
    login(user=team.outsider)
    before = case_state(case.id)

    response = client.submit(
        f"/lotsmoten/punkter/{item.id}/utfall",
        {f"item{item.id}-decision": "Avslå"},
        page_url=f"/lotsmoten/{meeting.id}",
    )

    assert response.status_code == 403
    assert case_state(case.id) == before


def test_the_services_refuse_too(app):
    team = make_team()
    case = led_case(team)
    meeting = team_meeting(team)
    assert not may_view_case(team.outsider, case)
    with current_app.test_request_context():
        for action in (
            lambda: meetings.add_to_agenda(team.outsider, case, meeting),
            lambda: meetings.flag_for_next_meeting(team.outsider, case),
        ):
            try:
                action()
            except rules.TeamError as error:
                assert "Du kan inte ta upp" in str(error)
            else:
                raise AssertionError("an outsider put the case on an agenda")
        item = meetings.add_to_agenda(team.lead, case, meeting)
        try:
            meetings.record_outcome(team.outsider, item, "Avslå", "", None)
        except rules.TeamError:
            pass
        else:
            raise AssertionError("an outsider recorded an outcome")


def case_routes(case_id: int) -> dict[str, dict]:
    """Every POST route that takes a case id in its URL, with a form that would otherwise pass."""
    return {
        f"/arenden/{case_id}/svar": {"reply-body": "Hej!"},
        f"/arenden/{case_id}/anteckning": {"note-body": "Intern"},
        f"/arenden/{case_id}/status": {"status-status": "in_progress"},
        f"/arenden/{case_id}/redigera": {"subject": "Nytt ämne"},
        f"/arenden/{case_id}/skapa-foretag": {},
        f"/arenden/{case_id}/delsvar/ny": {"question": "Fråga?"},
        f"/arenden/{case_id}/samlat-svar": {"body": "Svar"},
        f"/arenden/{case_id}/overlamna": {"reason": "Fel avdelning"},
        f"/arenden/{case_id}/lotsmote": {"flag-note": "Ta upp"},
        f"/arenden/{case_id}/ledmote": {"title": "Möte"},
        f"/arenden/{case_id}/forseningsbesked": {"reason": "Många ärenden"},
        f"/arenden/{case_id}/begaran-om-avgorande": {"decision-received_on": "2026-06-01"},
        f"/arenden/{case_id}/begaran-om-avgorande/avslag": {"refusal-reason": "Skäl"},
        f"/fordelning/arende/{case_id}": {"reason": "Byte"},
        "/fordelning/omfordela": {"bulk-case_ids": str(case_id), "bulk-reason": "Byte"},
    }


def api_case_routes(case_id: int) -> dict[str, dict]:
    """The REST API's POST routes that take a case id, with a body that would otherwise pass;
    they authenticate with a token that acts as an account (lotsen.api)."""
    return {
        f"/api/v1/cases/{case_id}/messages": {"body": "Hej!"},
        f"/api/v1/cases/{case_id}/status": {"status": "in_progress"},
    }


def test_every_post_route_naming_a_case_refuses_an_outsider(client, login):
    team = make_team()
    case = led_case(team)
    login(user=team.outsider)
    before = case_state(case.id)
    for url, data in case_routes(case.id).items():
        response = client.submit(url, data)
        assert response.status_code == 403, url
    assert case_state(case.id) == before


def test_the_list_of_routes_is_complete(app):
    """A new POST route with a case id must be added to case_routes above."""
    covered = {rule.rstrip("/") for rule in {**case_routes(1), **api_case_routes(1)}}
    naming_a_case = {
        str(rule).replace("<int:case_id>", "1")
        for rule in current_app.url_map.iter_rules()
        if "POST" in rule.methods and "case_id" in rule.arguments
    }
    assert naming_a_case <= covered, naming_a_case - covered


def test_every_api_route_naming_a_case_refuses_an_outsiders_token(client):
    from tests.api.helpers import bearer, issue

    team = make_team()
    case = led_case(team)
    secret, _token = issue(["cases:read", "cases:write"], account=team.outsider)
    before = case_state(case.id)
    for url, body in api_case_routes(case.id).items():
        response = client.post(url, json=body, headers=bearer(secret))
        assert response.status_code == 403, url
    assert case_state(case.id) == before


def test_a_manager_reads_but_does_not_write(client, login):
    team = make_team()
    case = led_case(team)
    login(Role.MANAGER)
    before = case_state(case.id)
    for url in (f"/arenden/{case.id}/svar", f"/arenden/{case.id}/status"):
        assert client.submit(url, {"reply-body": "Hej!"}).status_code == 403, url
    assert case_state(case.id) == before


def test_hostile_status_and_department_values_are_form_errors(client, login):
    team = make_team()
    case = led_case(team)
    login(user=team.lead)
    response = client.submit(
        f"/arenden/{case.id}/samlat-svar",
        {"body": "Svar", "then_status": "\\" * 300},
        page_url=f"/arenden/{case.id}/samlat-svar",
    )
    assert response.status_code in (200, 400)
    response = client.submit(
        f"/arenden/{case.id}/overlamna",
        {"department_id": "", "reason": "Fel avdelning"},
        page_url=f"/arenden/{case.id}/overlamna",
    )
    assert response.status_code in (200, 400)
