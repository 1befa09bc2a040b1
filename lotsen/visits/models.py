"""Company visits with participants, topics tagged by strategy area, needs and follow-ups."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db


class Need(enum.StrEnum):
    PREMISES = "premises"
    LAND = "land"
    RECRUITMENT = "recruitment"
    PERMITS = "permits"
    TRANSPORT = "transport"
    BROADBAND = "broadband"
    HOUSING = "housing"
    PROCUREMENT = "procurement"
    FUNDING = "funding"
    NETWORK = "network"

    @property
    def label(self) -> str:
        return str(NEED_LABELS[self])


NEED_LABELS = {
    Need.PREMISES: _l("Lokaler"),
    Need.LAND: _l("Mark"),
    Need.RECRUITMENT: _l("Rekrytering och kompetens"),
    Need.PERMITS: _l("Tillstånd och bygglov"),
    Need.TRANSPORT: _l("Transporter och kollektivtrafik"),
    Need.BROADBAND: _l("Bredband"),
    Need.HOUSING: _l("Bostäder för anställda"),
    Need.PROCUREMENT: _l("Upphandling"),
    Need.FUNDING: _l("Finansiering"),
    Need.NETWORK: _l("Nätverk och kontakter"),
}


visit_participants = Table(
    "visit_participants",
    db.metadata,
    Column("visit_id", ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)

visit_topic_areas = Table(
    "visit_topic_areas",
    db.metadata,
    Column("topic_id", ForeignKey("visit_topics.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("strategy_areas.id"), primary_key=True),
)


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_starts_at", "starts_at", "id"),
        Index("ix_visits_company", "company_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purpose: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text, default="")
    # Politicians and external guests, as free text (officials are linked users).
    guests: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[list] = mapped_column(JSON, default=list)
    employees_now: Mapped[int | None]
    employees_in_three_years: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company = relationship("Company")
    participants = relationship("User", secondary=visit_participants, order_by="User.name")
    topics: Mapped[list["VisitTopic"]] = relationship(
        back_populates="visit", order_by="VisitTopic.id", cascade="all, delete-orphan"
    )
    follow_ups: Mapped[list["FollowUp"]] = relationship(
        back_populates="visit", order_by="FollowUp.due_on, FollowUp.id"
    )

    @property
    def need_labels(self) -> list[str]:
        known = {need.value for need in Need}
        return [Need(value).label for value in self.needs or [] if value in known]


class VisitTopic(db.Model):
    """Something the company raised, tagged with strategy areas and free tags."""

    __tablename__ = "visit_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON, default=list)

    visit: Mapped[Visit] = relationship(back_populates="topics")
    areas = relationship("StrategyArea", secondary=visit_topic_areas, order_by="StrategyArea.id")


class FollowUp(db.Model):
    """Something to do after a visit, owned by an official; it may become a case."""

    __tablename__ = "visit_follow_ups"
    __table_args__ = (Index("ix_visit_follow_ups_owner_due", "owner_id", "done_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="follow_ups")
    owner = relationship("User")
    case = relationship("Case")
