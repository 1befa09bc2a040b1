"""Cases (ärenden): the question, its messages, attachments, events and private status links."""

import enum
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    help_text: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Service target (servicegaranti): first reply within N working hours, resolved within N
    # working days.
    target_first_response_hours: Mapped[int] = mapped_column(default=8, server_default="8")
    target_resolution_days: Mapped[int] = mapped_column(default=10, server_default="10")

    def __str__(self) -> str:
        return self.name


class CaseStatus(enum.StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting_for_company"
    ANSWERED = "answered"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    SPAM = "spam"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def public_label(self) -> str:
        return str(PUBLIC_STATUS_TEXT[self])


STATUS_LABELS = {
    CaseStatus.NEW: _l("Ny"),
    CaseStatus.ASSIGNED: _l("Tilldelad"),
    CaseStatus.IN_PROGRESS: _l("Pågår"),
    CaseStatus.WAITING: _l("Väntar på företaget"),
    CaseStatus.ANSWERED: _l("Besvarad"),
    CaseStatus.CLOSED: _l("Avslutad"),
    CaseStatus.WITHDRAWN: _l("Återkallad"),
    CaseStatus.SPAM: _l("Skräp"),
}

PUBLIC_STATUS_TEXT = {
    CaseStatus.NEW: _l("Vi har tagit emot din fråga och ser till att rätt person tar hand om den."),
    CaseStatus.ASSIGNED: _l("En företagslots har tagit ansvar för din fråga."),
    CaseStatus.IN_PROGRESS: _l("Vi arbetar med din fråga."),
    CaseStatus.WAITING: _l("Vi väntar på svar eller komplettering från dig."),
    CaseStatus.ANSWERED: _l("Vi har svarat på din fråga."),
    CaseStatus.CLOSED: _l("Ärendet är avslutat."),
    CaseStatus.WITHDRAWN: _l("Ärendet är återkallat."),
    CaseStatus.SPAM: _l("Ärendet är avslutat."),
}


class Channel(enum.StrEnum):
    WEB = "web"
    PHONE = "phone"
    EMAIL = "email"
    VISIT = "visit"
    LETTER = "letter"

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {
    Channel.WEB: _l("Webbformulär"),
    Channel.PHONE: _l("Telefon"),
    Channel.EMAIL: _l("E-post"),
    Channel.VISIT: _l("Besök"),
    Channel.LETTER: _l("Brev"),
}


def new_reply_token() -> str:
    """The secret in a case's reply address (lotsgruppen+<token>@…): 128 random bits, lower-case
    hex, because some mail servers change the case of the local part."""
    return secrets.token_hex(16)


class CaseCounter(db.Model):
    """The last serial number handed out per year; updated under a row lock."""

    __tablename__ = "case_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_serial: Mapped[int] = mapped_column(default=0)


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("year", "serial"),
        Index("ix_cases_received", "received_at", "id"),
        Index("ix_cases_status_received", "status", "received_at", "id"),
        Index("ix_cases_lead_status", "lead_id", "status"),
        Index("ix_cases_category", "category_id"),
        Index("ix_cases_company", "company_id"),
        Index("ix_cases_submitter_email", "submitter_email"),
        Index("ix_cases_org_number", "org_number"),
        Index("ix_cases_decision_due", "decision_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    serial: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.NEW)
    channel: Mapped[str] = mapped_column(String(10), default=Channel.WEB)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    org_number: Mapped[str | None] = mapped_column(String(12))
    company_name: Mapped[str] = mapped_column(String(200), default="")
    submitter_name: Mapped[str] = mapped_column(String(120))
    submitter_email: Mapped[str | None] = mapped_column(String(254))
    submitter_phone: Mapped[str | None] = mapped_column(String(40))
    preferred_contact: Mapped[str] = mapped_column(String(10), default="email")
    # The language the business owner used (the public form's); their e-mail is written in it.
    submitter_locale: Mapped[str] = mapped_column(String(5), default="sv", server_default="sv")
    subject: Mapped[str] = mapped_column(String(200))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    privacy_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A pending request that the case be decided (förvaltningslagen 12 §): the day it came and
    # the day four weeks later by which the case must be decided or the request refused.
    decision_requested_on: Mapped[date | None]
    decision_due_on: Mapped[date | None]
    # The secret in the case's reply address: e-mail to lotsgruppen+<token>@… lands in the case.
    reply_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_reply_token)
    # A delivery failure report (DSN) came back for the contact's address; cleared when the
    # address is changed or mail comes from it again.
    contact_bouncing: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Optimistic locking: every UPDATE checks and bumps it (SQLAlchemy version_id_col).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category] = relationship(lazy="joined")
    company = relationship("Company", lazy="joined")
    lead = relationship("User", foreign_keys=[lead_id], lazy="joined")
    department = relationship("Department", lazy="joined")

    @property
    def status_enum(self) -> CaseStatus:
        return CaseStatus(self.status)

    @property
    def channel_enum(self) -> Channel:
        return Channel(self.channel)


class Message(db.Model):
    __tablename__ = "case_messages"
    __table_args__ = (
        Index("ix_case_messages_case", "case_id", "id"),
        # Threading of inbound mail by the Message-IDs a mail answers; most messages have none.
        Index(
            "ix_case_messages_email_message_id",
            "email_message_id",
            sqlite_where=text("email_message_id IS NOT NULL"),
            postgresql_where=text("email_message_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_kind: Mapped[str] = mapped_column(String(10))  # submitter | official | system
    is_internal: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    # How it reached us: web (the form or status page, or an official in Lotsen), email, phone.
    channel: Mapped[str] = mapped_column(String(10), default=Channel.WEB, server_default="web")
    # The Message-ID of the e-mail it came in, so that the answer to it is threaded under it.
    email_message_id: Mapped[str | None] = mapped_column(String(250))

    author = relationship("User", lazy="joined")

    @property
    def channel_enum(self) -> Channel:
        return Channel(self.channel)

    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="message", lazy="selectin", order_by="Attachment.id"
    )


class Attachment(db.Model):
    __tablename__ = "case_attachments"
    __table_args__ = (
        Index("ix_case_attachments_case", "case_id"),
        Index("ix_case_attachments_message", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_messages.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message | None] = relationship(back_populates="attachments")


class CaseEvent(db.Model):
    """Append-only history of a case: status changes, messages, edits, links."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_kind: Mapped[str] = mapped_column(String(10))  # submitter | official | system
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User", lazy="joined")


class CaseAccessToken(db.Model):
    """A private status link for the business owner. Only the SHA-256 of the token is stored."""

    __tablename__ = "case_access_tokens"
    __table_args__ = (Index("ix_case_access_tokens_case", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The token is derived from the salt and the secret key, so a reply can send the same link
    # again; None for links made before that (they are replaced instead).
    salt: Mapped[str | None] = mapped_column(String(32))
    # The first use of a link revokes the case's older links.
    first_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
