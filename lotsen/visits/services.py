"""Every rule and write for company visits. Callers commit."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from lotsen.accounts.models import Role
from lotsen.audit.services import diff, record
from lotsen.cases.access import may_create_case
from lotsen.cases.models import Channel
from lotsen.cases.services import CaseError, Submission, open_case
from lotsen.companies.models import Company, CompanySniCode, CompanyStatus
from lotsen.db_types import utcnow
from lotsen.domain_errors import DomainError
from lotsen.extensions import db
from lotsen.visits.models import FollowUp, Need, Visit, VisitTopic
from lotsen.visits.signals import visit_recorded

# Who works with visits and follow-ups (every role: the pages and the API).
VISIT_ROLES = (Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER, Role.ADMIN)
# Size classes of companies with at least ten employees.
TEN_OR_MORE = ("10-19", "20-49", "50-99", "100-199", "200-499", "500+")
SUGGESTION_MONTHS = 24


class VisitError(DomainError):
    """A rule the visit breaks, in Swedish, with the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class VisitData:
    company: Company
    starts_at: datetime
    purpose: str
    participants: list = field(default_factory=list)
    guests: str = ""
    notes: str = ""
    needs: list[str] = field(default_factory=list)
    employees_now: int | None = None
    employees_in_three_years: int | None = None


VISIT_FIELDS = (
    "starts_at",
    "purpose",
    "guests",
    "notes",
    "needs",
    "employees_now",
    "employees_in_three_years",
)


def snapshot(visit: Visit) -> dict:
    values = {name: getattr(visit, name) for name in VISIT_FIELDS}
    values["starts_at"] = visit.starts_at.isoformat() if visit.starts_at else None
    values["company"] = visit.company.name if visit.company else None
    values["participants"] = sorted(user.name for user in visit.participants)
    return values


def save_visit(actor, visit: Visit | None, data: VisitData) -> Visit:
    """Plan a new visit or update one; records who changed what."""
    unknown = [value for value in data.needs if value not in set(Need)]
    if unknown:
        raise VisitError(_("Välj behov i listan."), field="needs")
    created = visit is None
    if created:
        visit = Visit(created_by_id=actor.id if actor is not None else None)
        db.session.add(visit)
        before = {}
    else:
        before = snapshot(visit)
    visit.company = data.company
    for name in VISIT_FIELDS:
        setattr(visit, name, getattr(data, name))
    visit.needs = [need.value for need in Need if need.value in data.needs]
    visit.participants = list(data.participants)
    db.session.flush()
    action = "visit.create" if created else "visit.update"
    summary = f"Besök hos {visit.company.name}"
    record(actor, action, visit, summary, None if created else diff(before, snapshot(visit)))
    if created:
        visit_recorded.send(visit, actor=actor)
    return visit


def add_topic(actor, visit: Visit, text: str, areas: list, tags: list[str]) -> VisitTopic:
    """Note something the company raised, tagged with strategy areas and free tags."""
    text = text.strip()
    if not text:
        raise VisitError(_("Beskriv vad företaget tog upp."), field="text")
    topic = VisitTopic(text=text, areas=list(areas), tags=clean_tags(tags))
    visit.topics.append(topic)
    db.session.flush()
    record(actor, "visit.topic", visit, f"Ämne vid besök: {text[:100]}")
    return topic


def clean_tags(tags) -> list[str]:
    seen = []
    for tag in tags:
        tag = tag.strip().lower()[:40]
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def add_follow_up(actor, visit: Visit, text: str, owner, due_on: date) -> FollowUp:
    """Something to do after the visit, owned by an official, due on a date."""
    follow_up = FollowUp(text=text.strip(), owner=owner, due_on=due_on)
    visit.follow_ups.append(follow_up)
    db.session.flush()
    record(actor, "visit.follow_up", visit, f"Uppföljning: {follow_up.text[:100]}")
    return follow_up


def complete_follow_up(actor, follow_up: FollowUp) -> None:
    if follow_up.done_at is None:
        follow_up.done_at = utcnow()
        record(actor, "visit.follow_up_done", follow_up.visit, f"Klar: {follow_up.text[:100]}")


def follow_up_to_case(actor, follow_up: FollowUp, category_id: int | None, lead=None):
    """Open a case (channel "visit") from a follow-up and link the two.

    Only those who may create cases at all do this (lotsen.cases.access.may_create_case). The
    category must be chosen; `lead` (else the follow-up's owner) leads the case, in the
    department the category's routing rule names.
    """
    if not may_create_case(actor):
        raise VisitError(_("Du kan inte skapa ärenden."))
    if follow_up.case_id is not None:
        raise VisitError(_("Uppföljningen är redan ett ärende."))
    if category_id is None:
        raise VisitError(_("Välj en kategori för ärendet."), field="category_id")
    lead = lead or follow_up.owner
    if not may_create_case(lead):
        raise VisitError(_("Välj en tjänsteperson som lots."), field="lead_id")
    visit = follow_up.visit
    company = visit.company
    submission = Submission(
        submitter_name=company.name,
        subject=follow_up.text[:200],
        description=_(
            "Uppföljning efter företagsbesök %(date)s: %(text)s",
            date=visit.starts_at.date().isoformat(),
            text=follow_up.text,
        ),
        category_id=category_id,
        company_name=company.name,
        org_number=company.org_number,
        channel=Channel.VISIT,
    )
    try:
        case, _token = open_case(submission, created_by=actor, lead=lead)
    except CaseError as error:
        raise VisitError(str(error), field="category_id") from error
    follow_up.case = case
    db.session.flush()
    record(actor, "visit.follow_up_case", visit, f"Ärende {case.number} från uppföljning")
    return case


# --- Queries -----------------------------------------------------------------------------------


def visit_with_details(visit_id: int) -> Visit | None:
    return db.session.scalar(
        select(Visit)
        .where(Visit.id == visit_id)
        .options(
            selectinload(Visit.participants),
            selectinload(Visit.topics).selectinload(VisitTopic.areas),
            selectinload(Visit.follow_ups).selectinload(FollowUp.owner),
            selectinload(Visit.follow_ups).selectinload(FollowUp.case),
        )
    )


def upcoming_visits(now: datetime, limit: int = 20) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit)
            .where(Visit.starts_at >= now)
            .options(selectinload(Visit.company), selectinload(Visit.participants))
            .order_by(Visit.starts_at, Visit.id)
            .limit(limit)
        )
    )


def overdue_follow_ups(owner, today: date) -> list[FollowUp]:
    """Open follow-ups of `owner` whose due date has passed."""
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(FollowUp.owner_id == owner.id, FollowUp.done_at.is_(None))
            .where(FollowUp.due_on < today)
            .options(selectinload(FollowUp.visit).selectinload(Visit.company))
            .order_by(FollowUp.due_on, FollowUp.id)
        )
    )


def months_ago(moment: datetime, months: int) -> datetime:
    """The same day `months` earlier (clamped to the 28th, so every month has it)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    return moment.replace(
        year=month_index // 12, month=month_index % 12 + 1, day=min(moment.day, 28)
    )


def last_visit_subquery(now: datetime):
    return (
        select(Visit.company_id, func.max(Visit.starts_at).label("last_visit"))
        .where(Visit.starts_at <= now)
        .group_by(Visit.company_id)
        .subquery()
    )


def ten_or_more():
    """Active companies with ten or more employees (by size class or employee count)."""
    return and_(
        or_(Company.size_class.in_(TEN_OR_MORE), Company.employee_count >= 10),
        Company.status == CompanyStatus.ACTIVE,
        Company.merged_into_id.is_(None),
    )


def visit_suggestions(
    now: datetime, limit: int = 15, size_class: str | None = None, section: str | None = None
) -> list[tuple[Company, datetime | None]]:
    """Active companies with ten or more employees not visited in the last 24 months and with no
    visit planned, largest first; optionally of one size class and one industry (SNI section)."""
    since = months_ago(now, SUGGESTION_MONTHS)
    last = last_visit_subquery(now)
    planned = select(Visit.company_id).where(Visit.starts_at > now)
    query = (
        select(Company, last.c.last_visit)
        .outerjoin(last, last.c.company_id == Company.id)
        .where(ten_or_more())
        .where(or_(last.c.last_visit.is_(None), last.c.last_visit < since))
        .where(Company.id.not_in(planned))
        .options(selectinload(Company.sni_codes))
        .order_by(Company.employee_count.desc().nulls_last(), Company.sort_name, Company.id)
        .limit(limit)
    )
    if size_class:
        query = query.where(Company.size_class == size_class)
    if section:
        in_section = select(CompanySniCode.company_id).where(CompanySniCode.section == section)
        query = query.where(Company.id.in_(in_section))
    rows = db.session.execute(query).all()
    return [(company, last_visit) for company, last_visit in rows]


def coverage(now: datetime) -> tuple[int, int]:
    """(visited, total): active companies with ten or more employees, and how many of them were
    visited in the 24 months up to `now`."""
    since = months_ago(now, SUGGESTION_MONTHS)
    base = select(func.count(Company.id)).where(ten_or_more())
    visited_ids = select(Visit.company_id).where(
        and_(Visit.starts_at >= since, Visit.starts_at <= now)
    )
    total = db.session.scalar(base)
    visited = db.session.scalar(base.where(Company.id.in_(visited_ids)))
    return visited, total


def company_visits(company_id: int) -> list[Visit]:
    """The company's visits, newest first, for its timeline."""
    return list(
        db.session.scalars(
            select(Visit)
            .where(Visit.company_id == company_id)
            .options(selectinload(Visit.participants))
            .order_by(Visit.starts_at.desc(), Visit.id.desc())
        )
    )


def case_origin(case_id: int) -> FollowUp | None:
    """The follow-up (with its visit and company) that case `case_id` was opened from, if any."""
    return db.session.scalar(
        select(FollowUp)
        .where(FollowUp.case_id == case_id)
        .options(selectinload(FollowUp.visit).selectinload(Visit.company))
    )
