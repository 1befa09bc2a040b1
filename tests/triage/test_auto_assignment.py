"""Auto-assignment per department: round-robin (fair, shared by every process) and least-loaded."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, select

from lotsen.accounts.models import Role
from lotsen.cases.models import Case, CaseEvent, CaseStatus, Category
from lotsen.extensions import db
from lotsen.triage import assignment, queries, routing_rules
from lotsen.triage.models import Absence, AutoAssignMode, DepartmentAutoAssignment
from tests.cases.helpers import question
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.triage.helpers import away, new_case, official, routed


def department_with(mode: AutoAssignMode, members: int):
    department = DepartmentFactory()
    people = [official(department) for _ in range(members)]
    category, _dept = routed(department=department)
    routing_rules.set_auto_assignment(UserFactory(roles=[Role.ADMIN]), department, mode)
    db.session.commit()
    return department, category, people


def leads_of(cases) -> Counter:
    db.session.expire_all()
    ids = [case.id for case in cases]
    return Counter(db.session.scalars(select(Case.lead_id).where(Case.id.in_(ids))))


@pytest.mark.parametrize(("cases", "members"), [(10, 3), (7, 2), (12, 4)])
def test_round_robin_gives_each_official_n_over_k_cases(app, cases, members):
    _department, category, people = department_with(AutoAssignMode.ROUND_ROBIN, members)
    created = [new_case(category) for _ in range(cases)]
    counts = leads_of(created)
    assert set(counts) == {p.id for p in people}
    for person in people:
        assert abs(counts[person.id] - cases / members) <= 1
    # strictly in turn: the same official never gets two cases in a row
    leads = [db.session.get(Case, c.id).lead_id for c in created]
    assert all(a != b for a, b in zip(leads, leads[1:], strict=False))


def test_round_robin_skips_the_absent_and_resumes_with_them(app):
    _department, category, [anna, bo, cecilia] = department_with(AutoAssignMode.ROUND_ROBIN, 3)
    away(bo)
    counts = leads_of([new_case(category) for _ in range(6)])
    assert counts == {anna.id: 3, cecilia.id: 3}
    db.session.execute(delete(Absence))
    db.session.commit()
    counts = leads_of([new_case(category) for _ in range(3)])
    assert counts == {anna.id: 1, bo.id: 1, cecilia.id: 1}


def test_round_robin_pointer_lives_in_the_database_not_in_the_process(app):
    department, category, people = department_with(AutoAssignMode.ROUND_ROBIN, 3)
    department_id, category_id = department.id, category.id
    leads = []
    for _ in range(3):
        db.session.remove()  # every case as if through another worker process
        leads.append(new_case(db.session.get(Category, category_id)).lead_id)
    assert len(set(leads)) == 3
    setting = db.session.get(DepartmentAutoAssignment, department_id)
    assert setting.turns == 3 and setting.last_user_id == leads[-1]


def test_members_who_cannot_lead_are_left_out(app):
    department, category, [anna] = department_with(AutoAssignMode.ROUND_ROBIN, 1)
    official(department, roles=[Role.MANAGER])
    inactive = official(department)
    inactive.active = False
    db.session.commit()
    assert leads_of([new_case(category) for _ in range(3)]) == {anna.id: 3}


def test_least_loaded_goes_to_whoever_has_the_fewest_open_items(app):
    _department, category, [anna, bo] = department_with(AutoAssignMode.LEAST_LOADED, 2)
    for _ in range(3):
        assignment.assign_case(new_case(CategoryFactory()), anna, None)
    db.session.commit()
    created = [new_case(category) for _ in range(5)]
    counts = leads_of(created)
    # Bo catches up with Anna's three first, then they alternate
    assert counts == {bo.id: 4, anna.id: 1}
    assert queries.workloads([anna.id, bo.id]) == {anna.id: 4, bo.id: 4}


def test_least_loaded_never_picks_the_absent(app):
    _department, category, [anna, bo] = department_with(AutoAssignMode.LEAST_LOADED, 2)
    away(bo)
    assert leads_of([new_case(category) for _ in range(3)]) == {anna.id: 3}


def test_auto_assignment_off_or_everyone_away_leaves_the_case_for_triage(app):
    _department, category, [anna] = department_with(AutoAssignMode.OFF, 1)
    assert new_case(category).lead_id is None
    department, category, [bo] = department_with(AutoAssignMode.ROUND_ROBIN, 1)
    away(bo)
    case = new_case(category)
    assert case.lead_id is None and case.status == CaseStatus.NEW
    assert anna


def test_auto_assignment_is_an_audited_event_with_a_notification(app):
    _department, category, [anna] = department_with(AutoAssignMode.LEAST_LOADED, 1)
    case = new_case(category)
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "assigned")
    ).one()
    assert event.actor_kind == "system" and event.details["how"] == "least_loaded"
    assert case.status == CaseStatus.ASSIGNED and case.lead_id == anna.id


@pytest.mark.commits  # six threads submit at once
def test_parallel_submissions_share_one_fair_rotation(app):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "1000 per minute"
    _department, category, people = department_with(AutoAssignMode.ROUND_ROBIN, 3)
    plain = SimpleNamespace(id=category.id)  # threads share no ORM state

    def submit(n: int) -> int:
        data = question(plain, submitter_email=f"agare{n}@foretag.example", subject=f"Fråga {n}")
        return app.test_client().submit("/fraga", data).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(submit, range(30))) == [302] * 30
    db.session.rollback()
    counts = Counter(db.session.scalars(select(Case.lead_id)))
    assert counts == {person.id: 10 for person in people}
