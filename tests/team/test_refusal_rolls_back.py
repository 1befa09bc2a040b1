"""A refused handover goes through the one write path: rolled back, said in Swedish next to
its field, with what was typed kept (lotsen.writes)."""

from sqlalchemy import func, select

from lotsen.audit.models import AuditEvent
from lotsen.cases.models import Case, CaseEvent
from lotsen.extensions import db
from lotsen.notifications.models import Notification
from tests.team.helpers import led_case, make_team, outbox_to


def test_a_refused_handover_writes_nothing_and_keeps_the_reason_typed(app, client, login):
    team = make_team()
    case = led_case(team)
    events_before = db.session.scalar(select(func.count()).select_from(CaseEvent))
    login(user=team.lead)

    response = client.submit(
        f"/arenden/{case.id}/overlamna",
        {
            "department_id": team.building.id,
            "lead_id": team.outsider.id,  # works in Trafik och gata, not in Bygglov
            "reason": "Köksombyggnaden är en bygglovsfråga & kräver ritningar.",
        },
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Lars Andersson hör inte till Bygglov." in page
    assert "Köksombyggnaden är en bygglovsfråga &amp; kräver ritningar." in page
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.department_id, case.lead_id) == (team.business.id, team.lead.id)
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == events_before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.handover")) is None
    assert db.session.scalar(select(Notification)) is None
    assert outbox_to("lars@kommun.example") == []
