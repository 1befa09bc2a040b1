"""The outbox: every e-mail is a row written in the same transaction as the change it reports."""

import enum
from datetime import datetime
from email.utils import make_msgid, parseaddr

from flask import current_app, has_app_context
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db


def new_message_id() -> str:
    """A globally unique Message-ID in the sender's domain ("<…@kommun.example>")."""
    sender = current_app.config.get("MAIL_SENDER", "") if has_app_context() else ""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    if not domain or not all(char.isalnum() or char in ".-" for char in domain):
        domain = "lotsen.invalid"
    return make_msgid(idstring="lotsen", domain=domain[:100])


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS, refused by the server, or unbuildable


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_case", "case_id", "id"),
        Index("ix_outbox_messages_message_id", "message_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(250))
    # The mail's Markdown source; the plain-text and HTML parts are rendered from it when sent.
    # Secret links in it (status, password, survey) are redacted once the mail is delivered.
    body_text: Mapped[str] = mapped_column(Text)
    # Fixed when the mail is queued, so a retry (or a second sender) never makes a new one.
    message_id: Mapped[str] = mapped_column(String(250), default=new_message_id)
    # Threading: the case the mail is about, and the Message-ID of that case's first mail.
    case_id: Mapped[int | None] = mapped_column()
    in_reply_to: Mapped[str | None] = mapped_column(String(250))
    # The thread's Message-IDs, oldest first (None: just in_reply_to).
    references: Mapped[str | None] = mapped_column(Text)
    # Where the recipient's answer goes: the case's own reply address (lotsgruppen+<token>@…).
    reply_to: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="sv")
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A lease: set while one sender process sends this row, so that two senders never send it
    # twice. Claimed one message at a time, just before sending it (see mail.services).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))

    attachments: Mapped[list["OutboxAttachment"]] = relationship(
        order_by="OutboxAttachment.id", cascade="all, delete-orphan", passive_deletes=True
    )


class OutboxAttachment(db.Model):
    """A file sent with an outbox message, e.g. a calendar invitation (.ics)."""

    __tablename__ = "outbox_attachments"
    __table_args__ = (Index("ix_outbox_attachments_message", "message_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    # Full MIME type with parameters, e.g. "text/calendar; method=REQUEST".
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
