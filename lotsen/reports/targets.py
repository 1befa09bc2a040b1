"""Whether an open case is at risk of missing, or has missed, a service target.

Read from the stored figures. They are current as of the case's last event and as of the last
`flask lotsen escalate` run (which recomputes every open case first); a due time already past
counts as breached even if the figures are older than that.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from lotsen.cases.models import Case, CaseStatus
from lotsen.db_types import utcnow
from lotsen.timekeeping.models import CaseFigures, Clock

AT_RISK = "at_risk"
BREACHED = "breached"
OPEN = {CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING}
LABELS = {
    ("first_response", AT_RISK): _l("Första svar snart försenat"),
    ("first_response", BREACHED): _l("Första svar försenat"),
    ("resolution", AT_RISK): _l("Handläggningstiden snart passerad"),
    ("resolution", BREACHED): _l("Handläggningstiden passerad"),
}


@dataclass(frozen=True)
class TargetAlert:
    target: str  # first_response | resolution
    state: str  # at_risk | breached
    due_at: datetime | None

    @property
    def label(self) -> str:
        return str(LABELS[self.target, self.state])


def state_of(margin, target_minutes, due_at, clock, share: float, now: datetime) -> str | None:
    if margin is None or not target_minutes:
        return None
    overdue = clock == Clock.RUNNING and due_at is not None and due_at < now
    if margin < 0 or overdue:
        return BREACHED
    if margin <= target_minutes * (1 - share):
        return AT_RISK
    return None


def target_alerts(case: Case, now: datetime | None = None) -> list[TargetAlert]:
    """The at-risk or breached service targets of an open case (none for a closed one)."""
    figures: CaseFigures | None = case.figures
    if figures is None or case.status not in OPEN:
        return []
    now = now or utcnow()
    share = float(current_app.config["ESCALATION_AT_RISK_SHARE"])
    targets = [
        (
            "resolution",
            figures.resolution_margin_minutes,
            figures.resolution_target_minutes,
            figures.resolution_due_at,
        ),
    ]
    if case.first_response_at is None:
        targets.insert(
            0,
            (
                "first_response",
                figures.first_response_margin_minutes,
                figures.first_response_target_minutes,
                figures.first_response_due_at,
            ),
        )
    alerts = []
    for target, margin, minutes, due_at in targets:
        state = state_of(margin, minutes, due_at, figures.clock, share, now)
        if state is not None:
            alerts.append(TargetAlert(target, state, due_at))
    return alerts


DUE_NAMES = {
    "first_response": _l("Första svar senast"),
    "resolution": _l("Klart senast"),
}


@dataclass(frozen=True)
class TargetDue:
    """When an open case is due for one service target, and whether that is at risk."""

    target: str  # first_response | resolution
    due_at: datetime
    paused: bool  # waiting for the company: the due time moves later while the pause lasts
    state: str | None  # at_risk | breached | None

    @property
    def name(self) -> str:
        return str(DUE_NAMES[self.target])

    @property
    def label(self) -> str:
        return str(LABELS[self.target, self.state]) if self.state else ""


def target_due_times(case: Case, now: datetime | None = None) -> list[TargetDue]:
    """The due times of an open case from its stored figures: the first response (while there
    is none) and the resolution, each with its alert state. None for a closed case."""
    figures: CaseFigures | None = case.figures
    if figures is None or case.status not in OPEN:
        return []
    states = {alert.target: alert.state for alert in target_alerts(case, now)}
    paused = figures.clock == Clock.PAUSED
    due_times = []
    if case.first_response_at is None and figures.first_response_due_at is not None:
        due = figures.first_response_due_at
        due_times.append(TargetDue("first_response", due, paused, states.get("first_response")))
    if figures.resolution_due_at is not None:
        due = figures.resolution_due_at
        due_times.append(TargetDue("resolution", due, paused, states.get("resolution")))
    return due_times


def resolution_missed(case: Case, now: datetime | None = None) -> bool:
    """The resolution due time has passed, or the case is breached or at risk of it."""
    return any(alert.target == "resolution" for alert in target_alerts(case, now))
