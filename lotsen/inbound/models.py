"""Inbound e-mail: every message fetched from a team mailbox, what became of it and its source."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db


class InboundOutcome(enum.StrEnum):
    REPLY = "reply"  # became a message on an existing case
    NEW_CASE = "new_case"  # opened a case in triage
    AUTO_REPLY = "auto_reply"  # out-of-office and other automatic mail: recorded, nothing else
    BOUNCE = "bounce"  # a delivery failure report: the contact marked bouncing
    IGNORED = "ignored"  # from the team's own addresses
    THROTTLED = "throttled"  # the sender mailed too often in the last hour
    FAILED = "failed"  # could not be processed; `reason` says why

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    InboundOutcome.REPLY: _l("Svar i ärende"),
    InboundOutcome.NEW_CASE: _l("Nytt ärende"),
    InboundOutcome.AUTO_REPLY: _l("Automatiskt svar"),
    InboundOutcome.BOUNCE: _l("Studsat meddelande"),
    InboundOutcome.IGNORED: _l("Ignorerat (egen adress)"),
    InboundOutcome.THROTTLED: _l("Stoppat (för många meddelanden)"),
    InboundOutcome.FAILED: _l("Misslyckat"),
}
# The outcomes an administrator is shown: mail nobody on the team will otherwise see.
NEEDS_ATTENTION = (InboundOutcome.FAILED, InboundOutcome.THROTTLED)


class InboundMessage(db.Model):
    """One e-mail read from a mailbox, processed exactly once (unique Message-ID, and unique
    mailbox + UIDVALIDITY + UID). The raw source is kept, bounded, for officials to download."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_inbound_messages_uid"),
        Index("ix_inbound_messages_message_id", "message_id", unique=True),
        Index("ix_inbound_messages_sender_received", "sender", "received_at"),
        Index("ix_inbound_messages_outcome", "outcome", "id"),
        Index("ix_inbound_messages_case_message", "case_message_id"),
        Index("ix_inbound_messages_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mailbox: Mapped[str] = mapped_column(String(100))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    # The mail's Message-ID, or one made from the hash of its bytes when it has none.
    message_id: Mapped[str] = mapped_column(String(250))
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(250), default="")
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(500))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    case_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_messages.id", ondelete="SET NULL")
    )
    size: Mapped[int] = mapped_column(default=0)
    # The source as received (at most INBOUND_MAX_BYTES); loaded only when downloaded.
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    case = relationship("Case", lazy="joined")

    @property
    def outcome_enum(self) -> InboundOutcome:
        return InboundOutcome(self.outcome)
