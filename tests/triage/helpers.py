"""Building blocks for triage tests: departments, officials, rules and cases."""

from datetime import timedelta

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.cases.models import Case
from lotsen.cases.services import Submission, open_case
from lotsen.extensions import db
from lotsen.notifications.models import Notification
from lotsen.timekeeping.calendar import local_today
from lotsen.triage import availability, routing_rules
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory

counter = {"case": 0}


def official(*departments, roles=(Role.OFFICIAL,), categories=(), **kwargs):
    user = UserFactory(roles=list(roles), **kwargs)
    user.departments = list(departments)
    db.session.commit()
    if categories:
        availability.set_categories_handled(None, user, [c.id for c in categories])
        db.session.commit()
    return user


def new_case(category, **overrides) -> Case:
    counter["case"] += 1
    submission = Submission(
        submitter_name="Lina Berg",
        subject=overrides.pop("subject", f"Uteservering nummer {counter['case']}"),
        description="Vi vill öppna ett café med uteservering i sommar.",
        category_id=category.id,
        submitter_email="lina@solrosen.example",
        company_name=overrides.pop("company_name", "Café Solrosen AB"),
    )
    case, _token = open_case(submission, **overrides)
    db.session.commit()
    return case


def routed(category=None, department=None, lead=None, involved=()):
    category = category or CategoryFactory()
    department = department or DepartmentFactory()
    admin = UserFactory(roles=[Role.ADMIN])
    routing_rules.save_routing_rule(admin, category, department, lead, list(involved))
    db.session.commit()
    return category, department


def away(user, days_before=1, days_after=3):
    today = local_today()
    availability.add_absence(
        None, user, today - timedelta(days=days_before), today + timedelta(days=days_after)
    )
    db.session.commit()


def notifications_of(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )
