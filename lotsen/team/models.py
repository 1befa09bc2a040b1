"""The coordinated team on a case: contributions (delsvar), team meetings and company meetings."""

import enum
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db
from lotsen.timekeeping.calendar import STOCKHOLM


class ContributionState(enum.StrEnum):
    REQUESTED = "requested"
    DONE = "done"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(CONTRIBUTION_STATE_LABELS[self])


CONTRIBUTION_STATE_LABELS = {
    ContributionState.REQUESTED: _l("Begärt"),
    ContributionState.DONE: _l("Klart"),
    ContributionState.DECLINED: _l("Avböjt"),
}


class CaseContribution(db.Model):
    """A question the case lead puts to an official (usually of another department).

    The answer is internal: it reaches the company only if the lead sends it as part of the
    coordinated answer (samlat svar).
    """

    __tablename__ = "case_contributions"
    __table_args__ = (
        # "Mina delsvar": one contributor's contributions in one state, by due date.
        Index("ix_case_contributions_contributor_state", "contributor_id", "state", "due_on", "id"),
        Index("ix_case_contributions_case", "case_id", "id"),
        CheckConstraint("state IN ('requested', 'done', 'declined')", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    contributor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The contributor's department when asked: the heading of the part in the coordinated answer.
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    question: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default=ContributionState.REQUESTED)
    answer: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case = relationship("Case", lazy="select")
    contributor = relationship("User", foreign_keys=[contributor_id], lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    department = relationship("Department", lazy="joined")

    @property
    def state_enum(self) -> ContributionState:
        return ContributionState(self.state)

    @property
    def is_open(self) -> bool:
        return self.state == ContributionState.REQUESTED


class MeetingKind(enum.StrEnum):
    TEAM = "team"  # lotsmöte: the officials go through cases together
    COMPANY = "company"  # ledmöte: the company meets every involved official at once

    @property
    def label(self) -> str:
        return str(MEETING_KIND_LABELS[self])


MEETING_KIND_LABELS = {
    MeetingKind.TEAM: _l("Lotsmöte"),
    MeetingKind.COMPANY: _l("Ledmöte"),
}


class MeetingSeries(db.Model):
    """Recurring team meetings, e.g. every other Thursday 14–16, counted from `first_on`."""

    __tablename__ = "meeting_series"
    __table_args__ = (
        CheckConstraint("interval_weeks BETWEEN 1 AND 8", name="interval_in_range"),
        CheckConstraint("end_time > start_time", name="times_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    first_on: Mapped[date] = mapped_column(Date)  # its weekday is the series' weekday
    interval_weeks: Mapped[int] = mapped_column(default=2)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def weekday(self) -> int:
        return self.first_on.weekday()


meeting_participants = Table(
    "meeting_participants",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Meeting(db.Model):
    """A team meeting or a company meeting. Times are wall-clock times in Europe/Stockholm."""

    __tablename__ = "meetings"
    __table_args__ = (
        # A series has at most one meeting a day: generating the next one is idempotent.
        UniqueConstraint("series_id", "on_date"),
        Index("ix_meetings_date", "on_date", "id"),
        Index("ix_meetings_kind_date", "kind", "on_date", "id"),
        Index("ix_meetings_case", "case_id"),
        CheckConstraint("end_time > start_time", name="times_in_order"),
        CheckConstraint("kind IN ('team', 'company')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default=MeetingKind.TEAM)
    title: Mapped[str] = mapped_column(String(200))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL")
    )
    # A company meeting is about one case (and its company).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    on_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invite_company: Mapped[bool] = mapped_column(default=False)
    # Bumped every time invitations go out, so calendars replace the earlier invitation.
    invitation_sequence: Mapped[int] = mapped_column(default=0)
    invitations_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    series: Mapped[MeetingSeries | None] = relationship(lazy="joined")
    case = relationship("Case", lazy="joined")
    organizer = relationship("User", lazy="joined")
    participants = relationship(
        "User", secondary=meeting_participants, order_by="User.name", lazy="selectin"
    )
    agenda: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.id", lazy="select"
    )

    @property
    def kind_enum(self) -> MeetingKind:
        return MeetingKind(self.kind)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.on_date, self.start_time, STOCKHOLM)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.on_date, self.end_time, STOCKHOLM)


class AgendaItem(db.Model):
    """A case on a team meeting's agenda, and the outcome recorded at the meeting.

    An item without a meeting is waiting for the next team meeting ("ta upp på nästa
    lotsmöte" when none is planned yet); it joins the next meeting that is created.
    """

    __tablename__ = "meeting_agenda_items"
    __table_args__ = (
        Index("ix_meeting_agenda_items_meeting", "meeting_id", "id"),
        Index("ix_meeting_agenda_items_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting | None] = relationship(back_populates="agenda")
    case = relationship("Case", lazy="joined")
    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
