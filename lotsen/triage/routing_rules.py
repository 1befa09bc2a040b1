"""The routing rules of categories and the auto-assignment settings of departments (admin)."""

from collections.abc import Sequence

from flask_babel import gettext as _

from lotsen.accounts.models import Department, User
from lotsen.audit.services import diff, record
from lotsen.cases.access import may_lead
from lotsen.cases.models import Category
from lotsen.extensions import db
from lotsen.triage.errors import TriageError
from lotsen.triage.models import AutoAssignMode, DepartmentAutoAssignment, RoutingRule
from lotsen.triage.queries import auto_assignment_of


def rule_snapshot(rule: RoutingRule | None) -> dict:
    if rule is None:
        return {}
    return {
        "department_id": rule.department_id,
        "default_lead_id": rule.default_lead_id,
        "involved": sorted(d.id for d in rule.involved_departments),
    }


def save_routing_rule(
    actor: User,
    category: Category,
    department: Department,
    default_lead: User | None,
    involved: Sequence[Department],
) -> RoutingRule:
    """Create or change the routing rule of a category (audited)."""
    if department is None:
        raise TriageError(_("Välj ansvarig avdelning."))
    if default_lead is not None and not may_lead(default_lead):
        raise TriageError(_("Förvald lots måste vara en aktiv tjänsteperson."))
    rule = db.session.get(RoutingRule, category.id)
    before = rule_snapshot(rule)
    if rule is None:
        rule = RoutingRule(category_id=category.id)
        db.session.add(rule)
    rule.department_id = department.id
    rule.department = department
    rule.default_lead_id = default_lead.id if default_lead is not None else None
    rule.involved_departments = sorted(
        {d.id: d for d in involved if d.id != department.id}.values(), key=lambda d: d.name
    )
    db.session.flush()
    changes = diff(before, rule_snapshot(rule))
    if changes:
        record(actor, "routing_rules.saved", rule, f"Fördelningsregel {category.name}", changes)
    return rule


def set_auto_assignment(actor: User, department: Department, mode: str) -> None:
    """Turn a department's auto-assignment off or to round-robin / least-loaded (audited)."""
    try:
        mode = AutoAssignMode(mode)
    except ValueError as error:
        raise TriageError(_("Välj ett sätt att fördela.")) from error
    setting = auto_assignment_of(department.id)
    if setting is None:
        setting = DepartmentAutoAssignment(department_id=department.id, mode=AutoAssignMode.OFF)
        db.session.add(setting)
    if setting.mode == mode:
        return
    changes = {"mode": [setting.mode, mode.value]}
    setting.mode = mode
    db.session.flush()
    record(
        actor,
        "department_auto_assignment.saved",
        setting,
        f"Automatisk fördelning {department.name}",
        changes,
    )
