"""Assigning from the triage queue, reassigning with a reason, bulk reassignment, permissions."""

import re

import pytest
from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.cases.models import Case, CaseEvent, CaseStatus
from lotsen.extensions import db
from lotsen.triage import assignment, errors
from tests.cases.helpers import mails_to
from tests.factories import CategoryFactory, DepartmentFactory
from tests.triage.helpers import new_case, notifications_of, official, routed


def reload(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def assign_from_queue(client, case, lead):
    return client.submit(
        f"/fordelning/arende/{case.id}",
        {"from": "queue", "lead": str(lead.id), "version": str(case.version)},
        page_url="/fordelning/",
    )


def test_the_queue_lists_new_cases_oldest_first_with_suggestion_and_countdown(client, login):
    login(Role.COORDINATOR)
    bygg = DepartmentFactory(name="Bygglov")
    category, _dept = routed(CategoryFactory(name="Bygglov och skyltar"), bygg)
    anna = official(bygg, name="Anna Alm")
    first = new_case(category, subject="Skylt vid E20")
    second = new_case(CategoryFactory(name="Upphandling"), company_name="Eks Åkeri AB")
    taken = new_case(category)
    assignment.assign_case(taken, anna, None)
    db.session.commit()
    page = client.get("/fordelning/").get_data(as_text=True)
    assert page.index(first.number) < page.index(second.number)
    assert taken.number not in page
    assert "Eks Åkeri AB" in page and "Bygglov och skyltar" in page
    # the suggested lead is preselected in the first row's form; the second has no suggestion
    first_form = page[page.index(f'id="lead-{first.id}"') :]
    assert re.search(rf'<option value="{anna.id}" selected>Anna Alm', first_form)
    assert "Inget förslag" in page
    assert "Första svar: om" in page  # the service-target countdown from the stored figures


def test_a_coordinator_assigns_in_one_action_the_lead_is_notified_and_mailed(client, login):
    coordinator = login(Role.COORDINATOR)
    bygg = DepartmentFactory()
    category, _dept = routed(department=bygg)
    anna = official(bygg, name="Anna Alm", email="anna@lerum.example")
    case = new_case(category)
    response = assign_from_queue(client, case, anna)
    assert response.status_code == 302 and response.location.endswith("/fordelning/")
    case = reload(case)
    assert case.lead_id == anna.id and case.status == CaseStatus.ASSIGNED
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "assigned")
    ).one()
    assert event.actor_id == coordinator.id and event.details["lead"] == "Anna Alm"
    [notification] = notifications_of(anna)
    assert notification.case_id == case.id and case.number in notification.text
    assert notification.read_at is None
    [mail] = mails_to("anna@lerum.example")
    assert coordinator.name in mail.body_text and f"/arenden/{case.id}" in mail.body_text
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "gjorde Anna Alm till lots" in page


def test_assigning_a_case_someone_already_took_is_refused(client, login):
    login(Role.COORDINATOR)
    anna, bo = official(name="Anna Alm"), official(name="Bo Berg")
    case = new_case(CategoryFactory())
    stale_version = case.version
    assignment.assign_case(case, anna, None)
    db.session.commit()
    response = client.submit(
        f"/fordelning/arende/{case.id}",
        {"from": "queue", "lead": str(bo.id), "version": str(stale_version)},
        page_url="/fordelning/",
    )
    assert response.status_code == 302
    assert reload(case).lead_id == anna.id
    assert "har ändrats av någon annan" in client.get("/fordelning/").get_data(as_text=True)


def test_reassigning_needs_a_reason_and_keeps_what_was_typed(client, login):
    login(Role.COORDINATOR)
    anna = official(name="Anna Alm", email="anna@lerum.example")
    bo = official(name="Bo Berg", email="bo@lerum.example")
    case = new_case(CategoryFactory())
    assignment.assign_case(case, anna, None)
    db.session.commit()
    url = f"/fordelning/arende/{case.id}"
    response = client.submit(url, {"lead": str(bo.id), "reason": "", "version": str(case.version)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Skriv varför ärendet byter lots." in page
    assert re.search(rf'<option selected value="{bo.id}">', page)
    assert reload(case).lead_id == anna.id
    response = client.submit(
        url, {"lead": str(bo.id), "reason": "Anna är föräldraledig", "version": str(case.version)}
    )
    assert response.status_code == 302
    assert reload(case).lead_id == bo.id
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "reassigned")
    ).one()
    assert event.reason == "Anna är föräldraledig" and event.details["previous_lead"] == "Anna Alm"
    assert [n.kind for n in notifications_of(anna)] == ["assigned", "unassigned"]
    assert [n.kind for n in notifications_of(bo)] == ["assigned"]
    assert "Anna är föräldraledig" in mails_to("bo@lerum.example")[0].body_text
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "flyttade ärendet från Anna Alm till Bo Berg" in page


def test_the_service_refuses_reassignment_without_reason_and_closed_cases(app):
    anna, bo = official(), official()
    case = new_case(CategoryFactory())
    assignment.assign_case(case, anna, None)
    with pytest.raises(errors.TriageError, match="byter lots"):
        assignment.assign_case(case, bo, None, reason="  ")
    with pytest.raises(errors.TriageError, match="redan lots"):
        assignment.assign_case(case, anna, None, reason="x")
    manager = official(roles=[Role.MANAGER])
    with pytest.raises(errors.TriageError, match="aktiv tjänsteperson"):
        assignment.assign_case(case, manager, None, reason="x")


def test_bulk_reassignment_moves_the_ticked_cases_with_one_summary_mail(client, login):
    login(Role.COORDINATOR)
    anna = official(name="Anna Alm")
    bo = official(name="Bo Berg", email="bo@lerum.example")
    cases = [new_case(CategoryFactory()) for _ in range(3)]
    for case in cases:
        assignment.assign_case(case, anna, None)
    db.session.commit()
    page = client.get("/arenden/?scope=all").get_data(as_text=True)
    assert 'form="bulk-form"' in page and "Flytta markerade ärenden" in page
    ticked = [str(cases[0].id), str(cases[2].id)]
    response = client.submit(
        "/fordelning/omfordela",
        {"bulk-case_ids": ticked, "bulk-lead": str(bo.id), "bulk-reason": ""},
        page_url="/arenden/",
    )
    assert response.status_code == 400  # the reason is required; the ticks and choice stay
    page = response.get_data(as_text=True)
    assert "Skriv varför ärendena byter lots." in page
    assert page.count("checked>") == 2 and cases[1].number not in page
    response = client.submit(
        "/fordelning/omfordela",
        {
            "bulk-case_ids": ticked,
            "bulk-lead": str(bo.id),
            "bulk-reason": "Omfördelning inför semestern",
        },
        page_url="/arenden/",
    )
    assert response.status_code == 302
    assert [reload(c).lead_id for c in cases] == [bo.id, anna.id, bo.id]
    [mail] = mails_to("bo@lerum.example")
    assert cases[0].number in mail.body_text and cases[2].number in mail.body_text
    assert len(notifications_of(bo)) == 2
    reasons = db.session.scalars(
        select(CaseEvent.reason).where(CaseEvent.kind == "reassigned")
    ).all()
    assert reasons == ["Omfördelning inför semestern"] * 2


def test_bulk_reassignment_without_ticked_cases_explains(client, login):
    login(Role.COORDINATOR)
    bo = official()
    response = client.submit(
        "/fordelning/omfordela",
        {"bulk-lead": str(bo.id), "bulk-reason": "Semester"},
        page_url="/arenden/",
    )
    assert response.status_code == 400
    assert "Markera minst ett ärende." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.MANAGER])
def test_only_coordinators_and_admins_triage_and_bulk_reassign(client, login, role):
    login(role)
    anna = official()
    case = new_case(CategoryFactory())
    assert client.get("/fordelning/").status_code == 403
    assert client.get(f"/fordelning/arende/{case.id}").status_code == 403
    client.application.config["WTF_CSRF_ENABLED"] = False
    response = client.post(
        f"/fordelning/arende/{case.id}", data={"lead": str(anna.id), "from": "queue"}
    )
    assert response.status_code == 403
    response = client.post(
        "/fordelning/omfordela",
        data={"bulk-case_ids": [str(case.id)], "bulk-lead": str(anna.id), "bulk-reason": "x"},
    )
    assert response.status_code == 403
    assert reload(case).lead_id is None
    assert 'form="bulk-form"' not in client.get("/arenden/").get_data(as_text=True)


def test_admins_may_triage_too(client, login):
    login(Role.ADMIN)
    anna = official()
    case = new_case(CategoryFactory())
    assert client.get("/fordelning/").status_code == 200
    assert assign_from_queue(client, case, anna).status_code == 302
    assert reload(case).lead_id == anna.id
