"""API tokens: one per integration, stored as the SHA-256 of its secret."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db


class ApiToken(db.Model):
    """A bearer token an admin issued to one integration (e-tjänsteplattformen, intranätet …).

    The secret is shown once, when it is issued; the database keeps its SHA-256 (the secret is
    256 random bits, so a plain hash is as good as a slow one) and its first characters, which
    the admin's list shows so that a token found in a log can be recognised. The token acts as
    `account`: the UI's access rules judge that account, and `scopes` narrow what it may call.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_created_at", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    account = relationship("User", foreign_keys=[account_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
