"""Routing rules: a new case gets its category's department, and maybe its default lead."""

import re

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.cases.models import CaseEvent, CaseStatus
from lotsen.extensions import db
from lotsen.triage.models import RoutingRule
from tests.cases.helpers import latest_case, mails_to, submit_question
from tests.factories import CategoryFactory, DepartmentFactory
from tests.triage.helpers import away, new_case, notifications_of, official, routed


def events_of(case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )


def test_a_question_from_the_public_form_lands_in_its_categorys_department(client):
    category, department = routed()
    response = submit_question(client, category)
    assert response.status_code == 302
    case = latest_case()
    assert case.department_id == department.id
    assert case.lead_id is None and case.status == CaseStatus.NEW
    routed_event = [e for e in events_of(case) if e.kind == "routed"]
    assert routed_event[0].details["department"] == department.name


def test_a_registered_case_goes_to_the_default_lead_who_is_told(client, login):
    bygg = DepartmentFactory(name="Bygglov")
    karin = official(bygg, name="Karin Lund", email="karin@lerum.example")
    category, _department = routed(department=bygg, lead=karin)
    login(Role.OFFICIAL)
    response = client.submit(
        "/arenden/ny",
        {
            "channel": "phone",
            "category": str(category.id),
            "subject": "Skylt på fasaden",
            "description": "Behövs bygglov för en skylt på 2 m²?",
            "submitter_name": "Johan Ek",
            "submitter_email": "",
            "submitter_phone": "070-111 22 33",
            "company_name": "Eks Åkeri AB",
            "preferred_contact": "phone",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case = latest_case()
    assert case.department_id == bygg.id
    assert case.lead_id == karin.id and case.status == CaseStatus.ASSIGNED
    assigned = [e for e in events_of(case) if e.kind == "assigned"]
    assert assigned[0].details["how"] == "default_lead" and assigned[0].actor_id is None
    assert [n.kind for n in notifications_of(karin)] == ["assigned"]
    [mail] = mails_to("karin@lerum.example")
    assert case.number in mail.subject and "Skylt på fasaden" in mail.body_text


def test_an_absent_default_lead_is_skipped_and_the_case_waits_for_triage(app):
    bygg = DepartmentFactory()
    karin = official(bygg)
    away(karin)
    category, _department = routed(department=bygg, lead=karin)
    case = new_case(category)
    assert case.department_id == bygg.id
    assert case.lead_id is None and case.status == CaseStatus.NEW
    assert notifications_of(karin) == []


def test_a_category_without_a_rule_goes_to_the_coordinator_without_department(app):
    case = new_case(CategoryFactory())
    assert case.department_id is None and case.lead_id is None
    assert "routed" not in [e.kind for e in events_of(case)]


def test_an_admin_edits_a_rule_in_the_ui_and_it_is_audited(client, login):
    admin = login(Role.ADMIN)
    category = CategoryFactory(name="Livsmedel och servering")
    miljo = DepartmentFactory(name="Miljö")
    bygg = DepartmentFactory(name="Bygglov")
    lena = official(miljo, name="Lena Sjöberg")
    page = client.get("/fordelning/regler").get_data(as_text=True)
    assert "Livsmedel och servering" in page and "Saknas" in page
    url = f"/fordelning/regler/{category.id}"
    response = client.submit(
        url,
        {
            "department": str(miljo.id),
            "default_lead": str(lena.id),
            "involved": [str(bygg.id), str(miljo.id)],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    rule = db.session.get(RoutingRule, category.id)
    assert rule.department_id == miljo.id and rule.default_lead_id == lena.id
    # the responsible department is not also listed as "usually involved"
    assert [d.name for d in rule.involved_departments] == ["Bygglov"]
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "routing_rules.saved")
    ).one()
    assert audit.actor_id == admin.id
    page = client.get("/fordelning/regler").get_data(as_text=True)
    assert "Lena Sjöberg" in page and "Bygglov" in page


def test_a_rule_without_department_is_refused_and_the_form_keeps_the_choices(client, login):
    login(Role.ADMIN)
    category = CategoryFactory()
    bygg = DepartmentFactory(name="Bygglov")
    response = client.submit(
        f"/fordelning/regler/{category.id}", {"department": "", "involved": [str(bygg.id)]}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Välj ansvarig avdelning." in page
    assert re.search(rf'<input checked[^>]*value="{bygg.id}"', page)
    assert db.session.get(RoutingRule, category.id) is None


def test_auto_assignment_setting_is_saved_per_department(client, login):
    login(Role.ADMIN)
    bygg = DepartmentFactory(name="Bygglov")
    response = client.submit(
        f"/fordelning/regler/avdelning/{bygg.id}",
        {f"auto-{bygg.id}-mode": "round_robin"},
        page_url="/fordelning/regler",
    )
    assert response.status_code == 302
    page = client.get("/fordelning/regler").get_data(as_text=True)
    assert re.search(r'<option selected value="round_robin">', page)
