"""Case data. For now: the categories (ärendetyper) that admins manage."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

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

    def __str__(self) -> str:
        return self.name
