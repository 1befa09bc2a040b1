"""The delay notice's rules: when it is due, its text, sending it. Callers commit."""

from datetime import date, timedelta

from flask import render_template
from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.cases import services as cases
from lotsen.cases.models import Case, CaseEvent
from lotsen.extensions import db
from lotsen.reports.targets import resolution_missed
from lotsen.timekeeping.calendar import STOCKHOLM, local_today

DELAY_NOTICE = "delay_notice"


def notice_sent(case: Case) -> bool:
    return (
        db.session.scalar(
            select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.kind == DELAY_NOTICE)
        )
        is not None
    )


def delay_notice_due(case: Case, user) -> bool:
    """Prompt the lead when the resolution target is missed or clearly will be, until sent."""
    if user is None or not user.is_authenticated or case.lead_id != user.id:
        return False
    return resolution_missed(case) and not notice_sent(case)


def notice_text(case: Case, reason: str, expected: date) -> str:
    return render_template(
        "reports/delay_notice.txt", case=case, reason=reason, expected=expected.isoformat()
    )


def send_delay_notice(case: Case, author, reason: str, expected: date):
    """Send the delay notice as a public reply and log it. Flushes; the caller commits.

    Raises CaseError (Swedish message) when the case cannot take a reply.
    """
    message = cases.post_public_reply(case, author, notice_text(case, reason, expected))
    cases.record_event(
        case,
        author,
        "official",
        DELAY_NOTICE,
        reason=reason,
        details={"expected": expected.isoformat()},
    )
    db.session.flush()
    return message


def default_expected_date(case: Case) -> date:
    due = case.figures.resolution_due_at if case.figures else None
    start = max(due.astimezone(STOCKHOLM).date() if due else local_today(), local_today())
    return start + timedelta(days=14)


def may_send(case: Case, user) -> bool:
    """The case lead or a coordinator sends the notice."""
    return case.lead_id == user.id or user.has_role(Role.COORDINATOR)
