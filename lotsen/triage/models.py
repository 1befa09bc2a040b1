"""Routing rules, competence, absence, auto-assignment and saved filters."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.accounts.models import Department, User
from lotsen.cases.models import Case, Category
from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db

# The department queue ("my department's open cases, oldest or newest first") and the triage
# queue filtered by department read this index; it belongs to `cases` but is created by the
# triage migration, so it is declared here, next to the queries that need it.
Index(
    "ix_cases_department_status_received",
    Case.department_id,
    Case.status,
    Case.received_at,
    Case.id,
)

routing_rule_departments = Table(
    "routing_rule_departments",
    db.metadata,
    Column(
        "category_id",
        ForeignKey("routing_rules.category_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)

# Competence: the categories an official handles (besides the departments they belong to).
user_categories = Table(
    "user_categories",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_user_categories_category", "category_id"),
)


class RoutingRule(db.Model):
    """Where the cases of one category go: responsible department, default lead, involved."""

    __tablename__ = "routing_rules"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    default_lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    default_lead: Mapped[User | None] = relationship(lazy="joined")
    involved_departments: Mapped[list[Department]] = relationship(
        secondary=routing_rule_departments, order_by=Department.name, lazy="selectin"
    )

    @property
    def id(self) -> int:  # the audit log names objects by id
        return self.category_id


class Absence(db.Model):
    """An official is away (leave, illness, training) from `starts_on` to `ends_on`, inclusive."""

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        Index("ix_absences_user", "user_id", "starts_on"),
        Index("ix_absences_ends_on", "ends_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class AutoAssignMode(enum.StrEnum):
    OFF = "off"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"

    @property
    def label(self) -> str:
        return str(AUTO_ASSIGN_LABELS[self])


AUTO_ASSIGN_LABELS = {
    AutoAssignMode.OFF: _l("Av – samordnaren fördelar"),
    AutoAssignMode.ROUND_ROBIN: _l("Turordning"),
    AutoAssignMode.LEAST_LOADED: _l("Minst belastad"),
}


class DepartmentAutoAssignment(db.Model):
    """Auto-assignment setting of a department, and its round-robin pointer.

    The pointer (`last_user_id`) is shared by every process: it is read and moved under a row
    lock taken by an UPDATE (see services.next_in_rotation), so two cases created at the same
    time never get the same turn.
    """

    __tablename__ = "department_auto_assignment"

    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    mode: Mapped[str] = mapped_column(String(20), default=AutoAssignMode.OFF)
    last_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    turns: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")

    @property
    def id(self) -> int:
        return self.department_id

    @property
    def mode_enum(self) -> AutoAssignMode:
        return AutoAssignMode(self.mode)


class SavedFilter(db.Model):
    """A case list filter a user saved under a name: the query string of the list."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
