"""Handover: the case moves to another department, its history stays, the new side is told."""

import pytest
from sqlalchemy import select

from lotsen.audit.models import AuditEvent
from lotsen.cases.models import Case, CaseEvent, CaseStatus
from lotsen.extensions import db
from lotsen.notifications.models import Notification
from lotsen.team import handover, rules
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory
from tests.team.helpers import led_case, make_team, outbox_to


def test_the_lead_hands_over_to_another_department_and_its_new_lead(app, client, login):
    team = make_team()
    case = led_case(team)
    login(user=team.lead)
    response = client.submit(
        f"/arenden/{case.id}/overlamna",
        {
            "department_id": team.building.id,
            "lead_id": team.builder.id,
            "reason": "Frågan gäller nu främst bygglovet för köket.",
        },
    )
    assert response.status_code == 302
    assert response.location.endswith("/arenden/")  # the old lead no longer reads the case

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.department_id, case.lead_id) == (team.building.id, team.builder.id)
    event = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "handover")
    )
    assert event.reason == "Frågan gäller nu främst bygglovet för köket."
    assert event.details == {
        "from_department": "Näringsliv",
        "to_department": "Bygglov",
        "from_lead": "Karin Lindqvist",
        "to_lead": "Erik Johansson",
    }
    # The history is kept: earlier events are still there.
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert kinds[0] == "created" and "status" in kinds
    [mail] = outbox_to("erik@kommun.example")
    assert "Bygglov" in mail.body_text and "främst bygglovet" in mail.body_text
    assert db.session.scalar(select(Notification).where(Notification.user_id == team.builder.id))
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.handover"))

    client.post("/konto/logga-ut", data={"csrf_token": client.csrf_token("/")})
    login(user=team.builder)
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "lämnade över ärendet från Näringsliv till Bygglov" in page


def test_without_a_new_lead_every_official_of_the_department_is_told(app):
    team = make_team()
    case = led_case(team)
    handover.hand_over(team.lead, case, team.environment, None, "Gäller miljötillstånd.")
    db.session.commit()
    assert db.session.get(Case, case.id).lead_id is None
    assert len(outbox_to("sara@kommun.example")) == 1
    assert outbox_to("erik@kommun.example") == []


def test_a_coordinator_hands_over_a_new_case_which_becomes_assigned(app):
    team = make_team()
    case, _token = open_case_directly(CategoryFactory())
    case = db.session.get(Case, case.id)
    handover.hand_over(team.coordinator, case, team.business, team.lead, "Fördelning.")
    db.session.commit()
    assert db.session.get(Case, case.id).status == CaseStatus.ASSIGNED


def test_handover_rules(app, client, login):
    team = make_team()
    case = led_case(team)
    with pytest.raises(rules.TeamError, match="Bara lotsen"):
        handover.hand_over(team.colleague, case, team.building, None, "Skäl")
    with pytest.raises(rules.TeamError, match="hör inte till Bygglov"):
        handover.hand_over(team.lead, case, team.building, team.inspector, "Skäl")
    with pytest.raises(rules.TeamError, match="redan"):
        handover.hand_over(team.lead, case, team.business, team.lead, "Skäl")
    db.session.rollback()

    login(user=team.lead)
    response = client.submit(
        f"/arenden/{case.id}/overlamna", {"department_id": team.building.id, "reason": ""}
    )
    assert response.status_code == 400
    assert "Skriv varför ärendet lämnas över." in response.get_data(as_text=True)
    bogus = client.submit(
        f"/arenden/{case.id}/overlamna",
        {"department_id": "999999", "lead_id": "abc", "reason": "Skäl"},
    )
    assert bogus.status_code == 400
    assert "Välj en avdelning i listan." in bogus.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).department_id == team.business.id
