"""Demo routing: a rule per demo category, who handles what, a couple of absences.

Loaded by `flask lotsen demo-data` (lotsen.demo.load_demo_data) before the demo cases, so those
are routed like real ones. Safe to run twice: only what is missing is created.
"""

from datetime import timedelta

from sqlalchemy import func, select

from lotsen.accounts.models import Department, User
from lotsen.cases.models import Category
from lotsen.extensions import db
from lotsen.timekeeping.calendar import local_today
from lotsen.triage import availability, queries, routing_rules
from lotsen.triage.models import Absence, AutoAssignMode, RoutingRule

# category: (responsible department, default lead's e-mail, departments usually involved)
RULES = {
    "Starta eller ta över företag": (
        "Näringsliv",
        None,
        ["Livsmedel", "Tillstånd (alkohol och tobak)", "Bygglov"],
    ),
    "Bygglov och lokaler": ("Bygglov", None, ["Miljö och hälsa"]),
    "Livsmedel och servering": (
        "Livsmedel",
        None,
        ["Tillstånd (alkohol och tobak)", "Trafik och gata"],
    ),
    "Miljö och hälsoskydd": ("Miljö och hälsa", None, []),
    "Mark och etablering": ("Mark och exploatering", None, ["Bygglov", "Näringsliv"]),
    "Trafik, gata och torg": ("Trafik och gata", None, ["Näringsliv"]),
    "Upphandling": ("Upphandling", "karin.lindqvist@kommun.example", ["Näringsliv"]),
    "Övrigt": ("Näringsliv", None, []),
}

COMPETENCE = {
    "karin.lindqvist@kommun.example": ["Starta eller ta över företag", "Upphandling", "Övrigt"],
    "erik.johansson@kommun.example": ["Bygglov och lokaler"],
    "sara.nilsson@kommun.example": ["Miljö och hälsoskydd"],
    "ahmed.hassan@kommun.example": ["Livsmedel och servering", "Miljö och hälsoskydd"],
    "johanna.svensson@kommun.example": ["Mark och etablering"],
    "lars.andersson@kommun.example": ["Trafik, gata och torg"],
}

# e-mail: (first day, last day) counted from today, note
ABSENCES = {
    "lars.andersson@kommun.example": (-1, 3, "Kurs i trafiksäkerhet, Borås"),
    "johanna.svensson@kommun.example": (14, 27, "Semester"),
}

AUTO_ASSIGNMENT = {"Miljö och hälsa": AutoAssignMode.LEAST_LOADED}


def load_demo_routing() -> None:
    departments = {d.name: d for d in db.session.scalars(select(Department))}
    categories = {c.name: c for c in db.session.scalars(select(Category))}
    users = {u.email: u for u in db.session.scalars(select(User))}
    for name, (department, lead, involved) in RULES.items():
        category = categories.get(name)
        if category is None or db.session.get(RoutingRule, category.id) is not None:
            continue
        routing_rules.save_routing_rule(
            None,
            category,
            departments[department],
            users.get(lead) if lead else None,
            [departments[d] for d in involved],
        )
    for email, names in COMPETENCE.items():
        user = users.get(email)
        if user is not None and not queries.categories_handled([user.id])[user.id]:
            availability.set_categories_handled(None, user, [categories[n].id for n in names])
    today = local_today()
    for email, (first, last, note) in ABSENCES.items():
        user = users.get(email)
        if user is None or db.session.scalar(
            select(func.count()).select_from(Absence).where(Absence.user_id == user.id)
        ):
            continue
        starts, ends = today + timedelta(days=first), today + timedelta(days=last)
        availability.add_absence(None, user, starts, ends, note)
    for name, mode in AUTO_ASSIGNMENT.items():
        if name in departments and queries.auto_assignment_of(departments[name].id) is None:
            routing_rules.set_auto_assignment(None, departments[name], mode)
    db.session.flush()
