"""A saved reply: a text with placeholders that officials insert into answers."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.cases.models import Category
from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db

TITLE_MAX = 120
BODY_MAX = 5000


class SavedReply(db.Model):
    """A reply template for one category, or for every category (`category_id` NULL).

    An archived template (`archived_at` set) is kept for its history but no longer offered.
    """

    __tablename__ = "saved_replies"
    __table_args__ = (
        Index("ix_saved_replies_archived_title", "archived_at", "title", "id"),
        Index("ix_saved_replies_category", "category_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    category: Mapped[Category | None] = relationship(lazy="joined")
