"""Survey invitations (one per case, the token stored only as a hash) and raw answers."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db

FACTORS = (
    "information",
    "accessibility",
    "treatment",
    "competence",
    "legal_certainty",
    "efficiency",
)
NKI_QUESTIONS = ("overall", "expectations", "ideal")


class SurveyInvitation(db.Model):
    __tablename__ = "survey_invitations"
    __table_args__ = (Index("ix_survey_invitations_sent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    # SHA-256 of a random token of 256 bits; the token itself is only in the e-mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case = relationship("Case")
    response: Mapped["SurveyResponse | None"] = relationship(back_populates="invitation")


def _scale(column: str, low: int, high: int) -> CheckConstraint:
    return CheckConstraint(f"{column} BETWEEN {low} AND {high}", name=f"{column}_range")


class SurveyResponse(db.Model):
    """One business owner's raw answers: six factors on 1–6, three NKI questions on 1–10."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        *(_scale(name, 1, 6) for name in FACTORS),
        *(_scale(name, 1, 10) for name in NKI_QUESTIONS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True
    )
    information: Mapped[int]
    accessibility: Mapped[int]
    treatment: Mapped[int]
    competence: Mapped[int]
    legal_certainty: Mapped[int]
    efficiency: Mapped[int]
    overall: Mapped[int]
    expectations: Mapped[int]
    ideal: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="response")
