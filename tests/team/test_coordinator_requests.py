"""Coordinators ask for contributions too; the picker shows who is away (issue 14, point 9)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lotsen.extensions import db
from lotsen.team import contributions, rules
from lotsen.team.models import CaseContribution
from lotsen.timekeeping.calendar import local_today
from lotsen.triage.models import Absence
from tests.team.helpers import led_case, make_team


def in_a_week():
    return local_today() + timedelta(days=7)


def test_a_coordinator_sees_the_button_and_asks_for_a_contribution(client, login):
    team = make_team()
    case = led_case(team)
    login(user=team.coordinator)
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert f'href="/arenden/{case.id}/delsvar/ny"' in page
    response = client.submit(
        f"/arenden/{case.id}/delsvar/ny",
        {
            "contributor_id": team.inspector.id,
            "question": "Behövs en anmälan om livsmedelsverksamhet?",
            "due_on": in_a_week().isoformat(),
        },
    )
    assert response.status_code == 302
    contribution = db.session.scalar(select(CaseContribution))
    assert contribution.contributor_id == team.inspector.id
    assert contribution.requested_by_id == team.coordinator.id


def test_a_coordinator_cannot_ask_the_lead_or_themselves(app):
    team = make_team()
    case = led_case(team)
    for contributor in (team.lead, team.coordinator):
        with pytest.raises(rules.TeamError):
            contributions.request_contribution(
                team.coordinator, case, contributor, "Fråga?", in_a_week()
            )


def test_the_contributor_picker_shows_who_is_away_and_until_when(client, login):
    team = make_team()
    case = led_case(team)
    today = local_today()
    back = today + timedelta(days=4)
    db.session.add(Absence(user_id=team.inspector.id, starts_on=today, ends_on=back))
    db.session.add(
        Absence(
            user_id=team.builder.id,
            starts_on=today + timedelta(days=10),
            ends_on=today + timedelta(days=12),
        )
    )
    db.session.commit()
    login(user=team.lead)
    page = client.get(f"/arenden/{case.id}/delsvar/ny").get_data(as_text=True)
    assert f"Sara Nilsson (Miljö och hälsa) · frånvarande t.o.m. {back.isoformat()}" in page
    assert "Erik Johansson (Bygglov)<" in page  # away later, not today
