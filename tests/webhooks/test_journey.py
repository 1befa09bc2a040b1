"""Every event, from the real services, reaches a real endpoint signed and exactly once, through
a forced failure and its retry."""

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from lotsen.cases import services as cases
from lotsen.extensions import db
from lotsen.survey import services as survey
from lotsen.survey.models import SurveyInvitation
from lotsen.team import contributions
from lotsen.team.coordinated_answer import send_coordinated_answer
from lotsen.triage.assignment import assign_case
from lotsen.visits import services as visits
from lotsen.webhooks.models import DeliveryStatus
from tests.cases.helpers import open_case_directly
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory
from tests.team.helpers import ask, make_team
from tests.webhooks.helpers import attempts_of, deliver_everything, deliveries, register

ANSWERS = {
    "information": 6,
    "accessibility": 5,
    "treatment": 6,
    "competence": 4,
    "legal_certainty": 5,
    "efficiency": 3,
    "overall": 8,
    "expectations": 5,
    "ideal": 9,
}


def in_request(work):
    with current_app.test_request_context():
        result = work()
        db.session.commit()
    return result


def live_through_a_case(team):
    """A case's whole life through the services the pages call, plus a visit."""
    category = CategoryFactory(name="Livsmedel och servering")
    case, _token = open_case_directly(
        category,
        submitter_name="Lina Berg",
        submitter_email="lina@solrosen.example",
        company_name="Café Solrosen AB",
    )
    in_request(lambda: assign_case(case, team.lead, team.coordinator))
    in_request(lambda: cases.set_status(case, team.lead, "in_progress"))
    contribution = ask(case, team.lead, team.builder)
    in_request(
        lambda: contributions.complete_contribution(
            team.builder, contribution, "Bygglov behövs inte för köket."
        )
    )
    in_request(
        lambda: send_coordinated_answer(
            team.lead, case, "Hej! Här är vårt samlade svar.", then_status="answered"
        )
    )
    in_request(lambda: cases.set_status(case, team.lead, "closed"))
    invitation = db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.case_id == case.id)
    )
    in_request(lambda: survey.record_response(invitation, ANSWERS, "Snabbt och vänligt."))
    company = make_company(name="Stenkullens Åkeri AB")
    visit = in_request(
        lambda: visits.save_visit(
            team.lead,
            None,
            visits.VisitData(
                company=company,
                starts_at=datetime.now(UTC) - timedelta(days=1),
                purpose="Dialog om etablering",
                participants=[team.lead, team.builder],
            ),
        )
    )
    return case, contribution, visit


EXPECTED_EVENTS = [
    ("case.created", None),
    ("case.status_changed", ("new", "assigned")),
    ("case.assigned", None),
    ("case.status_changed", ("assigned", "in_progress")),
    ("contribution.done", None),
    ("case.status_changed", ("in_progress", "answered")),
    ("case.answered", None),
    ("case.status_changed", ("answered", "closed")),
    ("case.closed", None),
    ("survey.answered", None),
    ("visit.recorded", None),
]


def test_every_event_reaches_the_endpoint_once_signed_through_a_failure_and_retry(
    app, receiver, webhook_settings
):
    endpoint = register(receiver.url())
    receiver.secrets = [endpoint.secret]
    receiver.script = [500]  # the first request fails; the worker must try it again
    team = make_team()
    case, contribution, visit = live_through_a_case(team)

    passes = deliver_everything()

    # The first pass met the failure; the endpoint was left alone for the rest of that pass.
    assert passes[0] == (0, 1)
    assert sum(delivered for delivered, _failed in passes) == len(EXPECTED_EVENTS)
    assert all(request.verified for request in receiver.requests)
    first = receiver.requests[0]
    assert first.status == 500
    accepted = receiver.accepted
    ids = [request.webhook_id for request in accepted]
    assert len(ids) == len(set(ids)) == len(EXPECTED_EVENTS)  # every event exactly once
    assert ids[0] == first.webhook_id  # the failed one came again, with the same webhook-id
    seen = [
        (
            request.payload["type"],
            (request.payload["data"]["previous_status"], request.payload["data"]["status"])
            if request.payload["type"] == "case.status_changed"
            else None,
        )
        for request in accepted
    ]
    assert seen == EXPECTED_EVENTS

    payloads = {request.payload["type"]: request.payload for request in accepted}
    created = payloads["case.created"]["data"]
    assert created["case_id"] == case.id and created["case_number"] == case.number
    assert created["status"] == "new" and created["lead_id"] is None
    assert created["category"] == "Livsmedel och servering"
    assert payloads["case.assigned"]["data"]["lead_id"] == team.lead.id
    assert payloads["case.assigned"]["data"]["how"] == "manual"
    answered = payloads["case.answered"]["data"]
    assert answered["coordinated"] is True and answered["status"] == "answered"
    assert payloads["contribution.done"]["data"]["contribution_id"] == contribution.id
    assert payloads["contribution.done"]["data"]["contributor_id"] == team.builder.id
    assert payloads["survey.answered"]["data"]["case_number"] == case.number
    assert payloads["visit.recorded"]["data"]["visit_id"] == visit.id
    assert payloads["visit.recorded"]["data"]["participant_ids"] == sorted(
        [team.lead.id, team.builder.id]
    )
    for request in accepted:
        assert request.payload["timestamp"].endswith("Z")
        # No personal data: no names, addresses, messages or survey answers.
        for secret in ("Lina", "solrosen", "Solrosen", "samlade svar", "Bygglov behövs", "Snabbt"):
            assert secret not in request.body.decode()

    rows = deliveries(endpoint.id)
    assert {row.status for row in rows} == {DeliveryStatus.DELIVERED}
    retried = next(row for row in rows if row.message_id == first.webhook_id)
    assert [(a.number, a.status_code, a.succeeded) for a in attempts_of(retried.id)] == [
        (1, 500, False),
        (2, 204, True),
    ]
    assert retried.attempts == 2 and retried.last_error is None
    db.session.refresh(endpoint)
    assert endpoint.consecutive_failures == 0 and endpoint.last_success_at is not None
