"""A small lotsgrupp for the team tests: departments, officials and a case with a lead."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from lotsen.accounts.models import Department, Role, User
from lotsen.cases.models import Case, CaseStatus, Category
from lotsen.cases.workflow import change_status
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from lotsen.team import contributions
from lotsen.timekeeping.calendar import local_today
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory


@dataclass
class Team:
    business: Department
    building: Department
    environment: Department
    lead: User
    builder: User
    inspector: User
    colleague: User  # same department as the lead
    outsider: User  # a department with nothing to do with the case
    coordinator: User
    manager: User


def make_team() -> Team:
    business = DepartmentFactory(name="Näringsliv")
    building = DepartmentFactory(name="Bygglov")
    environment = DepartmentFactory(name="Miljö och hälsa")
    traffic = DepartmentFactory(name="Trafik och gata")

    def official(name, email, department, roles=(Role.OFFICIAL,)):
        user = UserFactory(name=name, email=email, roles=list(roles))
        user.departments.append(department)
        db.session.commit()
        return user

    return Team(
        business=business,
        building=building,
        environment=environment,
        lead=official("Karin Lindqvist", "karin@kommun.example", business),
        builder=official("Erik Johansson", "erik@kommun.example", building),
        inspector=official("Sara Nilsson", "sara@kommun.example", environment),
        colleague=official("Per Holm", "per@kommun.example", business),
        outsider=official("Lars Andersson", "lars@kommun.example", traffic),
        coordinator=official("Anna Berg", "anna@kommun.example", business, [Role.COORDINATOR]),
        manager=official("Helena Berg", "helena@kommun.example", business, [Role.MANAGER]),
    )


CATEGORY = "Livsmedel och servering"


def led_case(team: Team, **overrides) -> Case:
    """A case about a new café, led by team.lead in Näringsliv, status assigned."""
    values = {
        "submitter_name": "Lina Berg",
        "submitter_email": "lina@solrosen.example",
        "company_name": "Café Solrosen AB",
        "subject": "Uteservering och ombyggnad av kök",
        "description": "Vi bygger om köket och vill ha uteservering. Vad behöver vi söka?",
    }
    values.update(overrides)
    category = db.session.scalar(select(Category).where(Category.name == CATEGORY))
    case, _token = open_case_directly(category or CategoryFactory(name=CATEGORY), **values)
    case = db.session.get(Case, case.id)
    case.lead_id = team.lead.id
    case.department_id = team.business.id
    change_status(case, CaseStatus.ASSIGNED, team.lead)
    db.session.commit()
    return case


def in_a_week() -> date:
    return local_today() + timedelta(days=7)


def ask(case, lead, contributor, question="Behövs bygglov för köket?", due_on=None):
    with current_app.test_request_context():
        contribution = contributions.request_contribution(
            lead, case, contributor, question, due_on or in_a_week()
        )
        db.session.commit()
    return contribution


def outbox_to(address: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )
