"""What the case search stores: one document of stems per case, and attachment text.

`case_search_documents` is the same table on both databases; the full-text structures on top of
it are written by hand in migration 0015 (names beginning with CASE_SEARCH_HAND_WRITTEN, left
alone by Alembic's comparison):
- SQLite: the FTS5 table `case_search_fts` with external content (`terms`, rowid = case id),
  kept in step by triggers on `case_search_documents`;
- PostgreSQL: the column `case_search_fts_vector` (a tsvector written with the row; `terms` is
  left empty there) and its GIN index `case_search_fts_gin`.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db

CASE_SEARCH_HAND_WRITTEN = ("case_search_fts",)


class CaseSearchDocument(db.Model):
    __tablename__ = "case_search_documents"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    terms: Mapped[str] = mapped_column(Text, default="")
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttachmentText(db.Model):
    """The text of a PDF or Office attachment, extracted once by `flask lotsen
    index-attachments`; `status` says whether it worked ("done", "empty", "failed")."""

    __tablename__ = "case_attachment_texts"
    __table_args__ = (Index("ix_case_attachment_texts_case", "case_id"),)

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("case_attachments.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text, default="")
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
