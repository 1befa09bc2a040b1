"""Escalation of cases that are about to miss, or have missed, a service target.

Run from cron (`flask lotsen escalate`). A case is *at risk* for a target once
ESCALATION_AT_RISK_SHARE of the target's working time is used: the lead and the coordinators
get an e-mail. It is *breached* once the margin is negative: the managers get an e-mail. Each
happens once per case and target; a CaseEvent ("escalated_at_risk" / "escalated_breached",
reason = the target) records it, and the next run skips what is already recorded.

The first-response target is escalated only while the case has no public reply yet; the
resolution target while the case is open.

A company's request that its case be decided (förvaltningslagen 12 §) is escalated the same
way, with the reason "decision_request": at risk DECISION_REQUEST_REMINDER_DAYS before the
four weeks end (lead and coordinators), breached once they have ended (managers). Each request
once: an escalation recorded before the request came in does not count.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from lotsen.accounts.models import Role, User, UserRole
from lotsen.cases.models import Case, CaseEvent
from lotsen.cases.services import record_event
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail.services import queue_mail
from lotsen.reports.queries import OPEN
from lotsen.timekeeping.calendar import STOCKHOLM, local_today
from lotsen.timekeeping.models import CaseFigures
from lotsen.timekeeping.services import recompute_figures_in_batches
from lotsen.urls import external_url

AT_RISK = "escalated_at_risk"
BREACHED = "escalated_breached"
FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
DECISION_REQUEST = "decision_request"
TARGET_COLUMNS = {
    FIRST_RESPONSE: (
        CaseFigures.first_response_target_minutes,
        CaseFigures.first_response_margin_minutes,
        CaseFigures.first_response_due_at,
    ),
    RESOLUTION: (
        CaseFigures.resolution_target_minutes,
        CaseFigures.resolution_margin_minutes,
        CaseFigures.resolution_due_at,
    ),
}
TARGET_LABELS = {
    FIRST_RESPONSE: _l("första svar"),
    RESOLUTION: _l("handläggningstid"),
    DECISION_REQUEST: _l("begäran om avgörande (förvaltningslagen 12 §)"),
}


@dataclass
class Escalated:
    at_risk: int = 0
    breached: int = 0


def due_condition(kind: str, target: str, share: float):
    """SQL condition: the case has reached `kind` (at risk or breached) for `target`."""
    target_minutes, margin, _due = TARGET_COLUMNS[target]
    # At risk: used = target − margin ≥ share × target.
    reached = margin < 0 if kind == BREACHED else margin <= target_minutes * (1 - share)
    condition = and_(Case.status.in_(OPEN), margin.is_not(None), target_minutes > 0, reached)
    if target == FIRST_RESPONSE:
        condition = and_(condition, Case.first_response_at.is_(None))
    return condition


def cases_to_escalate(kind: str, target: str, share: float) -> list[tuple[Case, datetime | None]]:
    """Cases that reached `kind` for `target` and were not yet escalated for it."""
    already = select(CaseEvent.id).where(
        CaseEvent.case_id == Case.id, CaseEvent.kind == kind, CaseEvent.reason == target
    )
    due_at = TARGET_COLUMNS[target][2]
    rows = db.session.execute(
        select(Case, due_at)
        .join(CaseFigures, CaseFigures.case_id == Case.id)
        .where(due_condition(kind, target, share), ~already.exists())
        .order_by(Case.id)
    ).all()
    return [(case, due) for case, due in rows]


def decision_requests_to_escalate(kind: str, today: date) -> list[tuple[Case, datetime]]:
    """Open cases whose pending 12 § request reached `kind` and was not escalated for it."""
    if kind == BREACHED:
        reached = Case.decision_due_on < today
    else:
        days = int(current_app.config["DECISION_REQUEST_REMINDER_DAYS"])
        reached = Case.decision_due_on <= today + timedelta(days=days)
    cases = db.session.scalars(
        select(Case)
        .where(Case.decision_due_on.is_not(None), reached, Case.status.in_(OPEN))
        .order_by(Case.id)
    ).all()
    result = []
    for case in cases:  # few: pending requests are rare
        requested_at = datetime.combine(case.decision_requested_on, time(), STOCKHOLM)
        already = db.session.scalar(
            select(CaseEvent.id).where(
                CaseEvent.case_id == case.id,
                CaseEvent.kind == kind,
                CaseEvent.reason == DECISION_REQUEST,
                CaseEvent.created_at >= requested_at,
            )
        )
        if already is None:
            due = datetime.combine(case.decision_due_on, time(23, 59), STOCKHOLM)
            result.append((case, due))
    return result


def users_with_role(role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role.value, User.active)
            .order_by(User.id)
        )
    )


def recipients(case: Case, kind: str) -> list[User]:
    """At risk: the lead and the coordinators; breached: the managers. Each user once."""
    if kind == BREACHED:
        users = users_with_role(Role.MANAGER)
    else:
        lead = [case.lead] if case.lead is not None and case.lead.active else []
        users = lead + users_with_role(Role.COORDINATOR)
    unique = {user.id: user for user in users}
    return list(unique.values())


def escalate(case: Case, kind: str, target: str, due_at: datetime | None) -> None:
    link = external_url("cases.show", case_id=case.id)
    for user in recipients(case, kind):
        queue_mail(
            user.email,
            subject_for(kind, case, target),
            "reports/mail/escalation.txt",
            locale=user.locale,
            user=user,
            case=case,
            kind=kind,
            target=TARGET_LABELS[target],
            decision_request=target == DECISION_REQUEST,
            due_at=due_at,
            link=link,
        )
    record_event(case, None, "system", kind, reason=target)


def subject_for(kind: str, case: Case, target: str = RESOLUTION):
    if target == DECISION_REQUEST:
        if kind == BREACHED:
            return _l(
                "Begäran om avgörande i %(number)s är inte besvarad inom fyra veckor",
                number=case.number,
            )
        return _l("Begäran om avgörande i %(number)s ska besvaras snart", number=case.number)
    if kind == BREACHED:
        return _l("Ärende %(number)s har passerat servicegarantin", number=case.number)
    return _l("Ärende %(number)s riskerar att passera servicegarantin", number=case.number)


def escalate_due_cases(now: datetime | None = None) -> Escalated:
    """Bring the figures of open cases up to `now`, then send each escalation that is due.

    Flushes; the caller commits.
    """
    now = now or utcnow()
    for _done in recompute_figures_in_batches(where=Case.status.in_(OPEN), now=now):
        db.session.flush()
    share = float(current_app.config["ESCALATION_AT_RISK_SHARE"])
    result = Escalated()
    for kind in (AT_RISK, BREACHED):
        for target in (FIRST_RESPONSE, RESOLUTION):
            for case, due_at in cases_to_escalate(kind, target, share):
                escalate(case, kind, target, due_at)
                if kind == AT_RISK:
                    result.at_risk += 1
                else:
                    result.breached += 1
        today = local_today(now)
        for case, due_at in decision_requests_to_escalate(kind, today):
            escalate(case, kind, DECISION_REQUEST, due_at)
            if kind == AT_RISK:
                result.at_risk += 1
            else:
                result.breached += 1
    db.session.flush()
    return result
