"""Giving a case its lead: by hand, in bulk, by the routing rule or by auto-assignment.

Every assignment is an audited case event; the case_assigned signal lets lotsen.notifications
tell the people concerned.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lotsen.accounts.models import Department, User
from lotsen.cases.access import may_lead
from lotsen.cases.models import Case, CaseEvent, CaseStatus, Category
from lotsen.cases.signals import case_assigned
from lotsen.cases.workflow import OPEN_STATUSES, change_status
from lotsen.extensions import db
from lotsen.mail.services import queue_mail
from lotsen.triage.errors import TriageError
from lotsen.triage.models import AutoAssignMode, DepartmentAutoAssignment, RoutingRule
from lotsen.triage.queries import auto_assignment_of, available_members, is_absent, workloads
from lotsen.urls import external_url

SYSTEM = "system"
OFFICIAL = "official"


def assign_case(
    case: Case,
    lead: User,
    actor: User | None,
    reason: str | None = None,
    how: str = "manual",
    expected_version: int | None = None,
    mail: bool = True,
) -> CaseEvent:
    """Make `lead` the case lead: an audited event, a notification and (by default) an e-mail.

    Replacing an existing lead needs a reason. A new case moves to "assigned". `expected_version`
    (from the form) refuses the change if someone saved the case after the page was shown.
    """
    reason = (reason or "").strip() or None
    if expected_version is not None and case.version != expected_version:
        raise TriageError(
            _("Ärendet %(number)s har ändrats av någon annan. Ladda om sidan.", number=case.number)
        )
    if case.status not in OPEN_STATUSES:
        raise TriageError(_("Bara öppna ärenden kan tilldelas en lots."))
    if not may_lead(lead):
        raise TriageError(_("Välj en aktiv tjänsteperson som lots."))
    if case.lead_id == lead.id:
        raise TriageError(_("%(name)s är redan lots för ärendet.", name=lead.name))
    previous = case.lead
    if previous is not None and not reason:
        raise TriageError(_("Skriv varför ärendet byter lots."))
    case.lead_id = lead.id
    case.lead = lead
    actor_kind = OFFICIAL if actor is not None else SYSTEM
    if case.status == CaseStatus.NEW:
        change_status(case, CaseStatus.ASSIGNED, actor, actor_kind)
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.id if actor is not None else None,
        actor_kind=actor_kind,
        kind="assigned" if previous is None else "reassigned",
        reason=reason,
        details={
            "lead_id": lead.id,
            "lead": lead.name,
            "previous_lead_id": previous.id if previous is not None else None,
            "previous_lead": previous.name if previous is not None else None,
            "how": how,
        },
    )
    db.session.add(event)
    # Notifications tell the new lead (and by e-mail when `mail`) and the previous one.
    case_assigned.send(
        case, lead=lead, previous=previous, actor=actor, reason=reason, mail=mail, how=how
    )
    return event


def bulk_reassign(case_ids: Sequence[int], lead: User, actor: User, reason: str) -> list[Case]:
    """Give several cases to `lead` at once (a coordinator's action); one summary e-mail.

    Every case gets its own audited event and notification. Cases already led by `lead` are
    skipped; the list of cases actually moved is returned.
    """
    reason = (reason or "").strip()
    if not reason:
        raise TriageError(_("Skriv varför ärendena byter lots."))
    if not case_ids:
        raise TriageError(_("Markera minst ett ärende."))
    if not may_lead(lead):
        raise TriageError(_("Välj en aktiv tjänsteperson som lots."))
    cases = list(
        db.session.scalars(select(Case).where(Case.id.in_(list(case_ids))).order_by(Case.id))
    )
    moved = []
    for case in cases:
        if case.lead_id == lead.id or case.status not in OPEN_STATUSES:
            continue
        assign_case(case, lead, actor, reason=reason, how="bulk", mail=False)
        moved.append(case)
    if moved:
        queue_mail(
            lead.email,
            _l("Du är lots för %(count)d ärenden till", count=len(moved)),
            "mail/cases_assigned.txt",
            locale=lead.locale,
            cases=moved,
            lead=lead,
            actor=actor,
            reason=reason,
            links={case.id: external_url("cases.show", case_id=case.id) for case in moved},
        )
    return moved


# --- Auto-assignment and routing of a new case --------------------------------------------


def next_in_rotation(department_id: int, available: Sequence[User]) -> User | None:
    """The next available member after the department's pointer, moving the pointer.

    The first UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until the
    transaction ends, so concurrent case creations queue here and each gets its own turn: the
    rotation is fair across processes without any in-memory state. The pointer is a user id,
    so members joining, leaving or being away simply drop in and out of the circle.
    """
    if not available:
        return None
    last_user_id = db.session.execute(
        update(DepartmentAutoAssignment)
        .where(DepartmentAutoAssignment.department_id == department_id)
        .values(turns=DepartmentAutoAssignment.turns + 1)
        .returning(DepartmentAutoAssignment.last_user_id)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    chosen = next((u for u in available if last_user_id is None or u.id > last_user_id), None)
    chosen = chosen or available[0]
    db.session.execute(
        update(DepartmentAutoAssignment)
        .where(DepartmentAutoAssignment.department_id == department_id)
        .values(last_user_id=chosen.id)
        .execution_options(synchronize_session=False)
    )
    return chosen


def least_loaded(available: Sequence[User]) -> User | None:
    loads = workloads([u.id for u in available])
    return min(available, key=lambda u: (loads[u.id], u.id), default=None)


def auto_assign(
    case: Case, department_id: int, mode: str | None = None, mode_read: bool = False
) -> CaseEvent | None:
    """Assign by the department's setting (round-robin or least-loaded); None if it is off.
    With `mode_read` the `mode` given is the stored one (routing reads it with the rule; None
    there means the department has no setting)."""
    if not mode_read:
        setting = auto_assignment_of(department_id)
        mode = setting.mode if setting is not None else None
    if mode is None or mode == AutoAssignMode.OFF:
        return None
    available = available_members(department_id)
    if mode == AutoAssignMode.ROUND_ROBIN:
        lead = next_in_rotation(department_id, available)
    else:
        lead = least_loaded(available)
    if lead is None:
        return None
    return assign_case(case, lead, None, how=mode)


@dataclass(frozen=True)
class Routing:
    """Where a new case of one category goes, read in one query before the case row is
    written (so that the INSERT already carries the department): the category (None if there
    is no such category), and from its rule (all None without one) the responsible department,
    the default lead's id and the department's auto-assignment mode."""

    category: Category | None
    department_id: int | None = None
    department_name: str | None = None
    default_lead_id: int | None = None
    auto_assign_mode: str | None = None


def routing_for(category_id: int | None, **_signal) -> Routing:
    """The category of a new case and its routing: one SELECT (the category, and the rule's
    columns, its department's name and auto-assignment mode, outer-joined). Answers the
    case_routing question of cases.open_case."""
    row = db.session.execute(
        select(
            Category,
            RoutingRule.department_id,
            Department.name,
            RoutingRule.default_lead_id,
            DepartmentAutoAssignment.mode,
        )
        .outerjoin(RoutingRule, RoutingRule.category_id == Category.id)
        .outerjoin(Department, Department.id == RoutingRule.department_id)
        .outerjoin(
            DepartmentAutoAssignment,
            DepartmentAutoAssignment.department_id == RoutingRule.department_id,
        )
        .where(Category.id == category_id)
    ).first()
    return Routing(*row) if row is not None else Routing(None)


def route_new_case(
    case: Case, lead: User | None = None, actor: User | None = None, routing: Routing | None = None
) -> None:
    """Apply the category's routing rule to a case just created (the case_opened signal
    of cases.open_case).

    Sets the responsible department (open_case hands back the `routing` it asked for before
    the insert, so the department is already in the new row: then only the "routed" event is
    added here); then a `lead` chosen by the creator (a visit follow-up's owner) takes the
    case, else the default lead if available, else the department's auto-assignment (if on)
    picks one; otherwise the case waits in the triage queue.
    """
    routing = routing or routing_for(case.category_id)
    if routing.department_id is None:
        if may_lead(lead):
            assign_case(case, lead, actor, how="chosen")
        return
    if case.department_id != routing.department_id:
        case.department_id = routing.department_id
    # Every column given, as record_event gives them: the "created" event of a new case and this
    # one then share one batched INSERT.
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_id=None,
            actor_kind=SYSTEM,
            kind="routed",
            reason=None,
            details={"department_id": routing.department_id, "department": routing.department_name},
        )
    )
    if may_lead(lead):
        assign_case(case, lead, actor, how="chosen")
        return
    lead = db.session.get(User, routing.default_lead_id) if routing.default_lead_id else None
    if may_lead(lead) and not is_absent(lead):
        assign_case(case, lead, None, how="default_lead")
        return
    auto_assign(case, routing.department_id, routing.auto_assign_mode, mode_read=True)


def describe_how(how: str | None) -> str:
    """How an assignment was made, for the case timeline."""
    labels = {
        "default_lead": _("förvald lots för kategorin"),
        "chosen": _("vald när ärendet skapades"),
        AutoAssignMode.ROUND_ROBIN.value: _("automatiskt i turordning"),
        AutoAssignMode.LEAST_LOADED.value: _("automatiskt till den minst belastade"),
        "bulk": _("flera ärenden på en gång"),
        "self": _("tog själv ärendet när det lämnade fördelningen"),
    }
    return labels.get(how or "", "")
