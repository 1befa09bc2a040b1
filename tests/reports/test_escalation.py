"""Escalation e-mail: at risk → the lead and the coordinators, breached → the managers; once."""

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.cases.models import Case, CaseEvent
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from lotsen.reports.escalation import escalate_due_cases
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory, UserFactory
from tests.timekeeping.helpers import local


def mail_sent() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(OutboxMessage.recipient, OutboxMessage.subject).order_by(OutboxMessage.id)
    )
    return [tuple(row) for row in rows]


def escalation_events(case) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(CaseEvent.kind, CaseEvent.reason)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.like("escalated_%"))
        .order_by(CaseEvent.id)
    )
    return [tuple(row) for row in rows]


def led_case():
    """Received Monday 1 June 2026 08:00; first response within 8 h, resolved within 2 days."""
    category = CategoryFactory(target_first_response_hours=8, target_resolution_days=2)
    lead = UserFactory(roles=[Role.OFFICIAL], email="lots@kommun.example")
    case, _token = open_case_directly(category, received_at=local(2026, 6, 1, 8))
    db.session.get(Case, case.id).lead_id = lead.id
    db.session.commit()
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    return case


def test_at_risk_mails_lead_and_coordinator_once(app):
    UserFactory(roles=[Role.COORDINATOR], email="samordnare@kommun.example")
    UserFactory(roles=[Role.MANAGER], email="chef@kommun.example")
    case = led_case()

    with app.test_request_context():
        result = escalate_due_cases(now=local(2026, 6, 1, 15))  # 7 of 8 hours used
        db.session.commit()

    assert (result.at_risk, result.breached) == (1, 0)
    recipients = sorted(recipient for recipient, _subject in mail_sent())
    assert recipients == ["lots@kommun.example", "samordnare@kommun.example"]
    assert all(case.number in subject and "riskerar" in subject for _r, subject in mail_sent())
    assert escalation_events(case) == [("escalated_at_risk", "first_response")]

    with app.test_request_context():
        again = escalate_due_cases(now=local(2026, 6, 1, 16))
        db.session.commit()

    assert (again.at_risk, again.breached) == (0, 0)
    assert len(mail_sent()) == 2


def test_breached_mails_the_managers_once(app):
    UserFactory(roles=[Role.COORDINATOR], email="samordnare@kommun.example")
    UserFactory(roles=[Role.MANAGER], email="chef@kommun.example")
    case = led_case()
    with app.test_request_context():
        escalate_due_cases(now=local(2026, 6, 1, 15))
        db.session.commit()
    db.session.query(OutboxMessage).delete()
    db.session.commit()

    with app.test_request_context():
        result = escalate_due_cases(now=local(2026, 6, 2, 10))  # 11 of 8 hours used
        db.session.commit()
        rerun = escalate_due_cases(now=local(2026, 6, 2, 11))
        db.session.commit()

    assert (result.at_risk, result.breached) == (0, 1)
    assert (rerun.at_risk, rerun.breached) == (0, 0)
    assert [recipient for recipient, _subject in mail_sent()] == ["chef@kommun.example"]
    assert "passerat" in mail_sent()[0][1]
    assert escalation_events(case) == [
        ("escalated_at_risk", "first_response"),
        ("escalated_breached", "first_response"),
    ]


def test_case_well_within_its_targets_is_left_alone(app):
    UserFactory(roles=[Role.COORDINATOR])
    led_case()

    with app.test_request_context():
        result = escalate_due_cases(now=local(2026, 6, 1, 9))

    assert (result.at_risk, result.breached) == (0, 0)
    assert mail_sent() == []


def test_escalate_command(app, runner):
    UserFactory(roles=[Role.MANAGER])
    led_case()  # received in June: long past both targets by now

    result = runner.invoke(args=["lotsen", "escalate"])

    assert result.exit_code == 0, result.output
    assert "2 at risk, 2 breached" in result.output  # both targets, both stages


def test_a_request_for_a_decision_is_escalated_before_and_after_its_four_weeks(app):
    from datetime import date

    from lotsen.cases import services

    UserFactory(roles=[Role.COORDINATOR], email="samordnare@kommun.example")
    UserFactory(roles=[Role.MANAGER], email="chef@kommun.example")
    case = led_case()
    with app.test_request_context():
        escalate_due_cases(now=local(2026, 7, 1, 10))  # the service targets are escalated
        db.session.commit()
        case = db.session.get(Case, case.id)
        services.record_decision_request(case, None, date(2026, 7, 1), date(2026, 7, 1))
        db.session.commit()
    db.session.query(OutboxMessage).delete()
    db.session.commit()

    with app.test_request_context():
        early = escalate_due_cases(now=local(2026, 7, 20, 10))  # nine days left
        db.session.commit()
        reminded = escalate_due_cases(now=local(2026, 7, 23, 10))  # six days left
        db.session.commit()
    assert (early.at_risk, early.breached) == (0, 0)
    assert (reminded.at_risk, reminded.breached) == (1, 0)
    recipients = sorted(recipient for recipient, _subject in mail_sent())
    assert recipients == ["lots@kommun.example", "samordnare@kommun.example"]
    assert all("Begäran om avgörande" in subject for _r, subject in mail_sent())

    with app.test_request_context():
        breached = escalate_due_cases(now=local(2026, 7, 30, 10))  # the 29th is the last day
        db.session.commit()
        again = escalate_due_cases(now=local(2026, 7, 31, 10))
        db.session.commit()
    assert (breached.at_risk, breached.breached) == (0, 1)
    assert (again.at_risk, again.breached) == (0, 0)
    assert mail_sent()[-1][0] == "chef@kommun.example"
    assert ("escalated_breached", "decision_request") in escalation_events(case)
