"""Inviting business owners to the survey, recording answers and summarising the results."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, cast, func, select

from lotsen.accounts.models import Department, Role, User
from lotsen.cases.models import Case, Category
from lotsen.db_types import utcnow
from lotsen.domain_errors import DomainError
from lotsen.extensions import db
from lotsen.mail.services import queue_mail
from lotsen.survey import scoring
from lotsen.survey.models import FACTORS, NKI_QUESTIONS, SurveyInvitation, SurveyResponse
from lotsen.survey.signals import survey_answered
from lotsen.urls import external_url

GROUPINGS = ("category", "department", "lead")
# Who reads the results (the results page and the API).
RESULT_READER_ROLES = (Role.MANAGER, Role.ADMIN)


class SurveyError(DomainError):
    """The link cannot be used (unknown or already answered)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_after_closing(case: Case) -> SurveyInvitation | None:
    """Queue the survey e-mail for a closed case, once per case, in the current transaction."""
    if not case.submitter_email:
        return None
    exists = db.session.scalar(
        select(SurveyInvitation.id).where(SurveyInvitation.case_id == case.id)
    )
    if exists is not None:
        return None
    token = secrets.token_urlsafe(32)
    invitation = SurveyInvitation(case_id=case.id, token_hash=hash_token(token))
    db.session.add(invitation)
    queue_mail(
        case.submitter_email,
        _l("Hur nöjd är du med kommunens service? – %(number)s", number=case.number),
        "mail/survey_invitation.txt",
        case=case,
        link=external_url("survey.start", token=token),
    )
    return invitation


def invitation_for_token(token: str) -> SurveyInvitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(token))
    )


def record_response(invitation: SurveyInvitation, answers: dict, comment: str) -> SurveyResponse:
    """Store the raw answers; a link can be answered only once."""
    if invitation.answered_at is not None:
        raise SurveyError(_("Enkäten är redan besvarad. Tack för ditt svar!"))
    for name in FACTORS:
        if not 1 <= answers[name] <= 6:
            raise SurveyError(_("Svaren ska vara mellan 1 och 6."))
    for name in NKI_QUESTIONS:
        if not 1 <= answers[name] <= 10:
            raise SurveyError(_("Svaren ska vara mellan 1 och 10."))
    response = SurveyResponse(invitation=invitation, comment=comment.strip()[:5000], **answers)
    invitation.answered_at = utcnow()
    db.session.add(response)
    db.session.flush()
    survey_answered.send(response, invitation=invitation)
    return response


# --- Results -----------------------------------------------------------------------------------


@dataclass
class GroupResult:
    name: str
    invited: int = 0
    answered: int = 0
    hidden: bool = False
    nki: float | None = None
    factors: dict = field(default_factory=dict)

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.invited * 100 if self.invited else None

    @property
    def level(self) -> str | None:
        return scoring.level(self.nki)


def as_float(expression):
    # Both databases divide an integer by an integer as integers; every index is a float.
    return cast(expression, Float)


def nki_expression(weights: Sequence[float]):
    """One respondent's NKI as SQL, the formula of scoring.nki; NULL when not answered."""
    if len(weights) != len(NKI_QUESTIONS) or sum(weights) <= 0:
        raise ValueError("SURVEY_NKI_WEIGHTS needs three weights with a positive sum")
    weighted = sum(
        float(weight) * (as_float(getattr(SurveyResponse, question)) - 1)
        for question, weight in zip(NKI_QUESTIONS, weights, strict=True)
    )
    return weighted / 9.0 * 100.0 / float(sum(weights))


def factor_expression(name: str):
    """One respondent's factor index as SQL, the formula of scoring.factor_index."""
    return (as_float(getattr(SurveyResponse, name)) - 1) / 5.0 * 100.0


def group_key(grouping: str) -> tuple:
    """The grouping's id and name columns, the table and condition of its outer join, and the
    name of the group of cases that have none."""
    if grouping == "category":
        return (
            Category.id,
            Category.name,
            Category,
            Case.category_id == Category.id,
            _("Ingen kategori"),
        )
    if grouping == "lead":
        return (User.id, User.name, User, Case.lead_id == User.id, _("Ingen lots"))
    # The case's responsible department (set by routing), not its lead's departments: one answer
    # counts in one department, also when the lead belongs to several.
    return (
        Department.id,
        Department.name,
        Department,
        Case.department_id == Department.id,
        _("Ingen avdelning"),
    )


def survey_results(start: datetime, end: datetime, grouping: str) -> tuple[GroupResult, list]:
    """The whole period and each group: invited, answered, NKI and factor indices.

    Every figure is an SQL aggregate over the invitations sent in [start, end) (two queries: the
    total and one row per group). NKI and factor indices are the mean of the respondents' values
    as defined in scoring.py. Groups are the case's category, lead or responsible department
    (Case.department_id); cases without one form a group of their own. Groups with fewer answers
    than SURVEY_MIN_ANSWERS are hidden, so that no one's answers can be recognised.
    """
    config = current_app.config
    figures = [
        func.count(SurveyInvitation.id).label("invited"),
        func.count(SurveyResponse.id).label("answered"),
        func.avg(nki_expression(config["SURVEY_NKI_WEIGHTS"])).label("nki"),
        *(func.avg(factor_expression(name)).label(name) for name in FACTORS),
    ]
    period = (
        select(*figures)
        .select_from(SurveyInvitation)
        .outerjoin(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(SurveyInvitation.sent_at >= start, SurveyInvitation.sent_at < end)
    )
    total = summarise(_("Alla"), db.session.execute(period).one())

    key_id, key_name, target, on, fallback = group_key(grouping)
    by_group = (
        period.add_columns(key_name.label("group_name"))
        .join(Case, Case.id == SurveyInvitation.case_id)
        .outerjoin(target, on)
        .group_by(key_id, key_name)
    )
    rows = [summarise(row.group_name or fallback, row) for row in db.session.execute(by_group)]
    rows.sort(key=lambda result: result.name.casefold())
    return total, rows


def summarise(name: str, row) -> GroupResult:
    """A group's figures from its aggregate row, without them below the minimum of answers."""
    result = GroupResult(name=name, invited=row.invited, answered=row.answered)
    result.hidden = result.answered < current_app.config["SURVEY_MIN_ANSWERS"]
    if not result.hidden:
        result.nki = row.nki
        result.factors = {factor: getattr(row, factor) for factor in FACTORS}
    return result
