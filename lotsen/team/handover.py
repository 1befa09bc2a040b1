"""Handover: the lead (or a coordinator) hands a case to another department and, optionally,
a new lead. The history stays on the case; the new lead, or else the department, is told."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lotsen.accounts.models import Department, User
from lotsen.audit import services as audit
from lotsen.cases import services as cases
from lotsen.cases.models import Case, CaseStatus
from lotsen.cases.workflow import change_status
from lotsen.notifications.services import notify_official
from lotsen.team.rules import (
    OFFICIAL,
    TeamError,
    is_team_member,
    may_hand_over,
    require,
    require_open,
)
from lotsen.team.signals import case_handed_over


def hand_over(
    actor: User, case: Case, department: Department | None, lead: User | None, reason: str
) -> None:
    """Hand the case to another department (and optionally a new lead). The history stays on
    the case; the new lead, or else the new department's officials, are told."""
    reason = checked_handover_reason(actor, case, department, lead, reason)
    before = placement(case)
    previous_lead_id, previous_department_id = case.lead_id, case.department_id
    move_case(actor, case, department, lead)
    record_handover(actor, case, reason, before, placement(case))
    notify_handover(actor, case, department, lead, reason)
    case_handed_over.send(
        case,
        actor=actor,
        previous_lead_id=previous_lead_id,
        previous_department_id=previous_department_id,
    )


def checked_handover_reason(
    actor: User, case: Case, department: Department | None, lead: User | None, reason: str
) -> str:
    """Check that `actor` may hand `case` to `department` and `lead`; return the reason,
    stripped. Raises TeamError naming the field at fault."""
    require(
        may_hand_over(actor, case), _("Bara lotsen eller en samordnare kan lämna över ärendet.")
    )
    require_open(case)
    reason = (reason or "").strip()
    if department is None or not department.active:
        raise TeamError(_("Välj en avdelning i listan."), "department_id")
    if not reason:
        raise TeamError(_("Skriv varför ärendet lämnas över."), "reason")
    if lead is not None:
        check_new_lead(lead, department)
    if is_where_it_is(case, department, lead):
        raise TeamError(_("Ärendet ligger redan där."), "department_id")
    return reason


def check_new_lead(lead: User, department: Department) -> None:
    """The new lead works in the team and belongs to the department the case goes to."""
    if not is_team_member(lead):
        raise TeamError(_("Välj en tjänsteperson i listan."), "lead_id")
    if department not in lead.departments:
        raise TeamError(
            _("%(name)s hör inte till %(department)s.", name=lead.name, department=department.name),
            "lead_id",
        )


def is_where_it_is(case: Case, department: Department, lead: User | None) -> bool:
    new_lead_id = lead.id if lead is not None else None
    return department.id == case.department_id and new_lead_id == case.lead_id


def placement(case: Case) -> dict:
    """Where the case lies: its department's and its lead's names (for the event and audit)."""
    return {
        "department": case.department.name if case.department else None,
        "lead": case.lead.name if case.lead else None,
    }


def move_case(actor: User, case: Case, department: Department, lead: User | None) -> None:
    """Give the case its new department and lead; a new case with a lead becomes assigned."""
    case.department_id = department.id
    case.department = department
    case.lead_id = lead.id if lead is not None else None
    case.lead = lead
    if lead is not None and case.status == CaseStatus.NEW:
        change_status(case, CaseStatus.ASSIGNED, actor)


def record_handover(actor: User, case: Case, reason: str, before: dict, after: dict) -> None:
    """The handover on the case's timeline and in the audit log."""
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        "handover",
        reason=reason,
        details={
            "from_department": before["department"],
            "to_department": after["department"],
            "from_lead": before["lead"],
            "to_lead": after["lead"],
        },
    )
    audit.record(
        actor,
        "case.handover",
        case,
        f"{case.number} lämnat till {after['department']}",
        changes=audit.diff(before, after),
    )


def handover_recipients(department: Department, lead: User | None) -> list[User]:
    """The new lead, or else every team member of the department."""
    if lead is not None:
        return [lead]
    return [user for user in department.members if is_team_member(user)]


def notify_handover(
    actor: User, case: Case, department: Department, lead: User | None, reason: str
) -> None:
    """Tell the people the case now lies with; never the one who handed it over."""
    for recipient in handover_recipients(department, lead):
        if recipient.id == actor.id:
            continue
        notify_official(
            recipient,
            "handover",
            case,
            _l(
                "%(number)s har lämnats över till %(department)s",
                number=case.number,
                department=department.name,
            ),
            _l("Ärende %(number)s har lämnats över till er", number=case.number),
            "mail/team_handover.txt",
            department=department,
            new_lead=lead,
            actor=actor,
            reason=reason,
        )
