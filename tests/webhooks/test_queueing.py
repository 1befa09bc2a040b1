"""Deliveries are queued in the event's own transaction, for the endpoints that want the event,
and an event nobody wants costs nothing."""

from contextlib import contextmanager

import pytest
from flask import current_app
from sqlalchemy import select

from lotsen import create_app
from lotsen.accounts.models import Role
from lotsen.cases import services as cases
from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.settings import stored_settings
from lotsen.team import contributions, handover
from lotsen.visits import services as visits
from lotsen.webhooks import endpoints
from lotsen.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from lotsen.webhooks.outbox import enqueue
from tests.cases.helpers import open_case_directly
from tests.companies.helpers import make_company
from tests.conftest import base_test_config
from tests.factories import CategoryFactory, UserFactory
from tests.team.helpers import ask, led_case, make_team
from tests.triage.helpers import official, routed
from tests.webhooks.helpers import deliveries, payload, queued_types, register

HOOK = "http://127.0.0.1:9/hook"
pytestmark = pytest.mark.usefixtures("webhook_settings")


def test_an_event_nobody_wants_costs_no_statement(app, count_queries):
    with current_app.test_request_context():
        stored_settings()  # read once per transaction anyway (mail signature, calendar)
        with count_queries() as queries:
            assert enqueue(EventType.CASE_CREATED, lambda: 1 / 0) == []  # data never built
        assert len(queries) == 0

    register(HOOK, events=[EventType.CASE_CLOSED.value])
    with current_app.test_request_context():
        stored_settings()
        enqueue(EventType.CASE_CLOSED, lambda: {})  # reads the endpoints once …
        with count_queries() as queries:
            assert enqueue(EventType.CASE_CREATED, lambda: 1 / 0) == []
            assert len(enqueue(EventType.CASE_CLOSED, lambda: {})) == 1
        assert len(queries) == 0  # … and not again while the version stands


def test_each_endpoint_gets_the_events_it_wants_and_only_while_it_is_on(app):
    admin = UserFactory(roles=[Role.ADMIN])
    closing = register(HOOK + "/closed", events=["case.closed"])
    everything = register(HOOK + "/all")
    off = register(HOOK + "/off")
    gone = register(HOOK + "/gone")
    with current_app.test_request_context():
        endpoints.set_enabled(admin, off, False)
        endpoints.delete_endpoint(admin, gone)
        db.session.commit()
    team = make_team()
    case = led_case(team)  # created, then assigned (new → assigned)
    with current_app.test_request_context():
        cases.set_status(case, team.lead, "answered")
        cases.set_status(case, team.lead, "closed")
        db.session.commit()

    assert queued_types(closing.id) == ["case.closed"]
    assert queued_types(everything.id) == [
        "case.created",
        "case.status_changed",
        "case.status_changed",
        "case.status_changed",
        "case.closed",
    ]
    assert queued_types(off.id) == queued_types(gone.id) == []
    same_event = [d for d in deliveries() if d.event_type == "case.closed"]
    assert len({d.message_id for d in same_event}) == 1  # one webhook-id per event
    assert len({d.payload for d in same_event}) == 1


def test_a_rolled_back_event_leaves_no_delivery(app):
    register(HOOK)
    category = CategoryFactory()
    with current_app.test_request_context():
        cases.open_case(
            cases.Submission(
                submitter_name="Lina Berg",
                subject="Uteservering",
                description="Vad behöver vi söka?",
                category_id=category.id,
            )
        )
        db.session.rollback()
    assert deliveries() == []


def test_an_event_inside_a_savepoint_that_is_rolled_back_leaves_no_delivery(app):
    """As the mail fetcher does: work that fails half-way inside a savepoint leaves nothing."""
    team = make_team()
    case = led_case(team)
    register(HOOK)
    with current_app.test_request_context():
        with pytest.raises(RuntimeError), db.session.begin_nested():
            cases.set_status(db.session.get(Case, case.id), team.lead, "in_progress")
            raise RuntimeError("something after it failed")
        cases.set_status(db.session.get(Case, case.id), team.lead, "answered")
        db.session.commit()
    [delivery] = deliveries()
    assert payload(delivery)["data"]["previous_status"] == "assigned"
    assert payload(delivery)["data"]["status"] == "answered"


def test_a_case_assigned_at_once_is_created_before_it_is_assigned(app):
    lead = official()
    category, department = routed(lead=lead)
    register(HOOK)
    case, _token = open_case_directly(category)

    rows = deliveries()
    assert [row.event_type for row in rows] == [
        "case.created",
        "case.status_changed",
        "case.assigned",
    ]
    created, changed, assigned = (payload(row)["data"] for row in rows)
    assert created["status"] == "new" and created["lead_id"] is None
    assert created["department_id"] == department.id
    assert (changed["previous_status"], changed["status"]) == ("new", "assigned")
    assert assigned["lead_id"] == lead.id and assigned["how"] == "default_lead"
    assert assigned["assigned_by_id"] is None and assigned["case_id"] == case.id


def test_an_official_who_takes_an_unled_case_is_its_new_lead(app):
    register(HOOK, events=["case.assigned", "case.answered"])
    case, _token = open_case_directly(CategoryFactory(), submitter_email=None)
    erik = UserFactory(roles=[Role.OFFICIAL])
    with current_app.test_request_context():
        cases.post_public_reply(db.session.get(Case, case.id), erik, "Hej!", (), "in_progress")
        db.session.commit()
    assigned, answered = (payload(row) for row in deliveries())
    assert assigned["type"] == "case.assigned"
    assert assigned["data"]["how"] == "self" and assigned["data"]["lead_id"] == erik.id
    assert answered["type"] == "case.answered"
    assert answered["data"]["coordinated"] is False
    assert answered["data"]["sent_by_email"] is False  # the case has no address


def test_a_declined_contribution_and_an_edited_visit_are_no_events(app):
    team = make_team()
    case = led_case(team)
    register(HOOK, events=["contribution.done", "visit.recorded"])
    contribution = ask(case, team.lead, team.builder)
    company = make_company()
    with current_app.test_request_context():
        contributions.decline_contribution(team.builder, contribution, "Inte min avdelning.")
        data = visits.VisitData(company=company, starts_at=case.received_at, purpose="Besök")
        visit = visits.save_visit(team.lead, None, data)
        data.purpose = "Besök med rundvandring"
        visits.save_visit(team.lead, visit, data)
        db.session.commit()
    assert queued_types() == ["visit.recorded"]


@contextmanager
def other_process(database):
    """A second app on the same database: another worker process, as far as caches go."""
    config = base_test_config(database["url"], database["instance_path"])
    other = create_app(config | {"WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True})
    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()


@pytest.mark.commits  # a second app (another process) on the database
def test_an_endpoint_saved_in_another_process_is_used_from_the_next_transaction(app, database):
    category = CategoryFactory()
    db.session.commit()
    open_case_directly(category)  # this process has read the (empty) subscriptions
    assert deliveries() == []

    with other_process(database) as other, other.test_request_context():
        endpoint = endpoints.create_endpoint(
            None, endpoints.EndpointData(HOOK, "Diariet", ["case.created"])
        )
        db.session.commit()
        endpoint_id = endpoint.id

    db.session.commit()  # this process's next transaction
    open_case_directly(category)
    assert [row.endpoint_id for row in deliveries()] == [endpoint_id]

    with other_process(database) as other, other.test_request_context():
        endpoints.set_enabled(None, db.session.get(WebhookEndpoint, endpoint_id), False)
        db.session.commit()
    db.session.commit()
    open_case_directly(category)
    assert len(deliveries()) == 1
    assert db.session.scalar(select(WebhookDelivery.event_type)) == "case.created"


def test_a_handover_tells_of_the_new_department_and_lead(app):
    team = make_team()
    case = led_case(team)
    register(HOOK, events=["case.assigned"])
    with current_app.test_request_context():
        handover.hand_over(team.lead, case, team.environment, None, "Gäller miljötillstånd.")
        db.session.commit()
    [delivery] = deliveries()
    data = payload(delivery)["data"]
    assert data["how"] == "handover" and data["assigned_by_id"] == team.lead.id
    assert (data["lead_id"], data["previous_lead_id"]) == (None, team.lead.id)
    assert (data["department_id"], data["previous_department_id"]) == (
        team.environment.id,
        team.business.id,
    )
    assert data["department"] == "Miljö och hälsa"
