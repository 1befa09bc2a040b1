"""Calendar exceptions set by an admin, and the working-time figures stored per case."""

import enum
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db


class ClosedDay(db.Model):
    """An extra day the office is closed (a staff day, a storm …), beside the public holidays."""

    __tablename__ = "closed_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShortenedDay(db.Model):
    """A working day on which the office closes early, e.g. the afternoon before a holiday."""

    __tablename__ = "shortened_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    closes_at: Mapped[time]
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Clock(enum.StrEnum):
    """Whether the handling-time clock of a case is running, paused or stopped."""

    RUNNING = "running"  # new, assigned, in progress
    PAUSED = "paused"  # waiting for the company
    STOPPED = "stopped"  # answered, closed, withdrawn, spam


class CaseFigures(db.Model):
    """Working-time figures of one case, recomputed on every event (see timekeeping.figures).

    Durations are whole working minutes. For a case still open they are "so far", as of
    `computed_at`; a margin is target minus time used (positive = ahead of the target).
    """

    __tablename__ = "case_figures"
    __table_args__ = (Index("ix_case_figures_clock_resolution_due", "clock", "resolution_due_at"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    clock: Mapped[str] = mapped_column(String(10))
    first_response_minutes: Mapped[int | None]
    handling_minutes: Mapped[int]
    paused_minutes: Mapped[int]
    calendar_days: Mapped[int]
    first_response_target_minutes: Mapped[int]
    resolution_target_minutes: Mapped[int]
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_margin_minutes: Mapped[int | None]
    resolution_margin_minutes: Mapped[int | None]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship(
        "Case",
        backref=backref("figures", uselist=False, passive_deletes=True, lazy="select"),
    )
