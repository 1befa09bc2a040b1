"""Förvaltningslagen 11 §: the lead is prompted to send a delay notice, which is a public reply."""

from datetime import timedelta

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.cases.models import Case, CaseEvent, Message
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from lotsen.reports.delay.services import local_today
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory, UserFactory
from tests.timekeeping.helpers import local


def late_case(lead):
    """Received in June 2026 with a two-day target: long past its due time."""
    category = CategoryFactory(target_resolution_days=2)
    case, _token = open_case_directly(category, received_at=local(2026, 6, 1, 9))
    db.session.get(Case, case.id).lead_id = lead.id
    db.session.commit()
    return case


def test_lead_is_prompted_and_sends_a_delay_notice(client, login):
    lead = login(Role.OFFICIAL)
    case = late_case(lead)

    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Skicka förseningsbesked" in page
    assert "Handläggningstiden passerad" in page

    expected = local_today() + timedelta(days=10)
    response = client.submit(
        f"/arenden/{case.id}/forseningsbesked",
        {
            "reason": "Vi väntar på ett yttrande från miljöförvaltningen.",
            "expected_date": expected.isoformat(),
        },
    )

    assert response.status_code == 302
    message = db.session.scalar(
        select(Message).where(Message.case_id == case.id, Message.author_kind == "official")
    )
    assert not message.is_internal
    assert "miljöförvaltningen" in message.body and expected.isoformat() in message.body
    event = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "delay_notice")
    )
    assert event.details == {"expected": expected.isoformat()}
    assert db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "johan@akeri.example")
    )
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Skicka förseningsbesked" not in page
    assert "skickade ett förseningsbesked" in page


def test_delay_notice_keeps_what_was_typed_on_error(client, login):
    lead = login(Role.OFFICIAL)
    case = late_case(lead)

    response = client.submit(
        f"/arenden/{case.id}/forseningsbesked",
        {"reason": "Vi väntar på remissvar.", "expected_date": "igår"},
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vi väntar på remissvar." in html
    assert "ÅÅÅÅ-MM-DD" in html
    assert (
        db.session.scalar(
            select(Message).where(Message.case_id == case.id, Message.author_kind == "official")
        )
        is None
    )


def test_others_are_not_prompted_and_may_not_send(client, login):
    case = late_case(UserFactory(roles=[Role.OFFICIAL]))
    login(Role.OFFICIAL)

    assert "Skicka förseningsbesked" not in client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert client.get(f"/arenden/{case.id}/forseningsbesked").status_code == 403


def test_case_list_flags_breached_cases(client, login):
    lead = login(Role.OFFICIAL)
    late_case(lead)

    html = client.get("/arenden/").get_data(as_text=True)

    assert "target-breached" in html
