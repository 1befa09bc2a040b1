"""Shared helpers for the working-time tests."""

from datetime import datetime

from sqlalchemy import select

from lotsen.cases.models import CaseEvent
from lotsen.extensions import db
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.timekeeping.models import CaseFigures


def local(*args) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def stored_figures(case) -> CaseFigures | None:
    db.session.expire_all()
    return db.session.scalar(select(CaseFigures).where(CaseFigures.case_id == case.id))


def pin_status_events(case, *times: datetime) -> None:
    """Give the case's status events (oldest first) the times of a hand-computed scenario."""
    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(("status", "reopened")))
        .order_by(CaseEvent.id)
    ).all()
    assert len(events) == len(times), [(e.from_status, e.to_status) for e in events]
    for event, at in zip(events, times, strict=True):
        event.created_at = at
