"""The case state machine. Every status change goes through change_status()."""

from flask_babel import gettext as _

from lotsen.cases.models import Case, CaseEvent, CaseStatus
from lotsen.cases.signals import case_closed, case_status_changed
from lotsen.db_types import utcnow
from lotsen.domain_errors import DomainError
from lotsen.extensions import db

S = CaseStatus

# Allowed moves. Moves back from a finished state are reopenings and need a reason.
TRANSITIONS: dict[CaseStatus, set[CaseStatus]] = {
    S.NEW: {S.ASSIGNED, S.IN_PROGRESS, S.WAITING, S.ANSWERED, S.WITHDRAWN, S.SPAM},
    S.ASSIGNED: {S.IN_PROGRESS, S.WAITING, S.ANSWERED, S.WITHDRAWN, S.SPAM},
    S.IN_PROGRESS: {S.WAITING, S.ANSWERED, S.WITHDRAWN},
    S.WAITING: {S.IN_PROGRESS, S.ANSWERED, S.WITHDRAWN},
    S.ANSWERED: {S.CLOSED, S.IN_PROGRESS},
    S.CLOSED: {S.IN_PROGRESS},
    S.WITHDRAWN: {S.IN_PROGRESS},
    S.SPAM: {S.NEW},
}
REOPENINGS = {
    (S.ANSWERED, S.IN_PROGRESS),
    (S.CLOSED, S.IN_PROGRESS),
    (S.WITHDRAWN, S.IN_PROGRESS),
    (S.SPAM, S.NEW),
}
OPEN_STATUSES = {S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.WAITING}
FINISHED_STATUSES = {S.ANSWERED, S.CLOSED, S.WITHDRAWN, S.SPAM}
DECIDED = {S.ANSWERED, S.CLOSED, S.WITHDRAWN}


class TransitionError(DomainError):
    """The requested status change is not allowed; the message is for the user (Swedish)."""


def allowed_transitions(status: CaseStatus) -> list[CaseStatus]:
    return sorted(TRANSITIONS[CaseStatus(status)], key=list(CaseStatus).index)


def reply_status_choices(case: Case) -> list[tuple[str, str]]:
    """What a public reply may do to the status: the first choice keeps it as it is."""
    status = CaseStatus(case.status)
    keep = [("", _("Behåll status (%(status)s)", status=status.label))]
    allowed = TRANSITIONS[status]
    return keep + [(s.value, s.label) for s in REPLY_TARGETS if s in allowed and s != status]


REPLY_TARGETS = (S.IN_PROGRESS, S.WAITING, S.ANSWERED)


def needs_reason(from_status: CaseStatus, to_status: CaseStatus) -> bool:
    return (CaseStatus(from_status), CaseStatus(to_status)) in REOPENINGS


def change_status(
    case: Case,
    to_status: CaseStatus,
    actor=None,
    actor_kind: str = "official",
    reason: str | None = None,
) -> CaseEvent:
    """Move `case` to `to_status`, recording an event; raises TransitionError if not allowed."""
    from_status = CaseStatus(case.status)
    to_status = CaseStatus(to_status)
    if to_status not in TRANSITIONS[from_status]:
        raise TransitionError(
            _(
                "Ett ärende med status %(from)s kan inte få status %(to)s.",
                **{"from": from_status.label, "to": to_status.label},
            )
        )
    reason = (reason or "").strip() or None
    if needs_reason(from_status, to_status) and not reason:
        raise TransitionError(_("Skriv varför ärendet öppnas igen."))
    now = utcnow()
    case.status = to_status
    if to_status == S.ANSWERED:
        case.answered_at = now
    elif to_status == S.CLOSED:
        case.closed_at = now
    elif from_status in FINISHED_STATUSES:
        case.answered_at = None
        case.closed_at = None
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.id if actor is not None else None,
        actor_kind=actor_kind,
        kind="reopened" if needs_reason(from_status, to_status) else "status",
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )
    db.session.add(event)
    if to_status in DECIDED and case.decision_due_on is not None:
        # A request for a decision (förvaltningslagen 12 §) is met once the case is decided.
        db.session.add(
            CaseEvent(
                case_id=case.id,
                actor_id=event.actor_id,
                actor_kind=actor_kind,
                kind="decision_request_settled",
                details={"due_on": case.decision_due_on.isoformat()},
            )
        )
        case.decision_requested_on = None
        case.decision_due_on = None
    # Receivers add rows to this same transaction (a webhook delivery, the survey e-mail).
    case_status_changed.send(case, from_status=from_status, to_status=to_status, actor=actor)
    if to_status == S.CLOSED:
        case_closed.send(case)
    return event
