"""Read side of the case search: a page of hits with snippets, and similar answered cases.

Every query joins the full-text index to `cases`, so the filters and the access policy are
conditions of the same statement (an official never gets a hit, let alone a snippet, of a case
they may not open); the page's cases are checked once more with the policy's own function.

Sorting: "date" is newest registered first (case id, descending), read straight from the index
in its order, with keyset pages. "relevance" ranks (bm25 on SQLite, ts_rank on PostgreSQL) the
SEARCH_RANK_WINDOW newest matches: a common word costs the same at 10 k and at 1 M cases, and
its pages are bounded (at most the window, offset-paged within it).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import and_, exists, false, or_, select

from lotsen.accounts.models import Role
from lotsen.cases.access import department_ids, viewable_case_ids
from lotsen.cases.models import Case, CaseStatus, Message
from lotsen.cases.queries import OPEN, RESOLVED, local_midnight, name_only
from lotsen.extensions import db
from lotsen.search import documents, index, storage
from lotsen.search.text import ParsedQuery, Term, parse_query, snippet, stems
from lotsen.team.models import CaseContribution

SORTS = ("relevance", "date")
STATUS_GROUPS = {"open": OPEN, "resolved": RESOLVED}
SNIPPET_ORDER = (
    documents.SUBJECT, documents.QUESTION, documents.MESSAGE, documents.NOTE,
    documents.CONTRIBUTION, documents.MEETING, documents.ATTACHMENT, documents.COMPANY,
    documents.CONTACT, documents.NUMBER,
)  # fmt: skip


PART_LABELS = {
    documents.SUBJECT: _l("Rubrik"),
    documents.QUESTION: _l("Frågan"),
    documents.MESSAGE: _l("Meddelande"),
    documents.NOTE: _l("Intern anteckning"),
    documents.CONTRIBUTION: _l("Delsvar"),
    documents.MEETING: _l("Lotsmöte"),
    documents.ATTACHMENT: _l("Bilaga"),
    documents.COMPANY: _l("Företag"),
    documents.CONTACT: _l("Kontaktuppgifter"),
    documents.NUMBER: _l("Ärendenummer"),
}


def part_label(kind: str | None) -> str:
    return str(PART_LABELS[kind]) if kind in PART_LABELS else ""


@dataclass
class SearchFilters:
    text: str = ""
    status: str = "all"  # all | open | resolved | a CaseStatus value
    category_id: int | None = None
    department_id: int | None = None
    lead_id: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    sort: str = "relevance"


@dataclass
class Hit:
    case: Case
    kind: str | None  # which part of the case the snippet comes from
    snippet: Markup | None


@dataclass
class SearchPage:
    hits: list[Hit] = field(default_factory=list)
    next_cursor: int | None = None
    is_first: bool = True


def access_condition(user):
    """SQL for lotsen.cases.access.may_view_case (the page is checked with it again)."""
    if user.has_role(Role.COORDINATOR, Role.MANAGER):
        return None
    if not user.has_role(Role.OFFICIAL):
        return false()
    departments = list(department_ids(user))
    involved = CaseContribution.contributor_id == user.id
    if departments:
        involved = or_(involved, CaseContribution.department_id.in_(departments))
    conditions = [
        Case.lead_id == user.id,
        and_(Case.lead_id.is_(None), Case.department_id.is_(None)),
        exists().where(CaseContribution.case_id == Case.id, involved),
    ]
    if departments:
        conditions.append(Case.department_id.in_(departments))
    return or_(*conditions)


def filter_conditions(filters: SearchFilters) -> list:
    conditions = []
    if filters.status in STATUS_GROUPS:
        conditions.append(Case.status.in_(STATUS_GROUPS[filters.status]))
    elif filters.status in set(CaseStatus):
        conditions.append(Case.status == filters.status)
    if filters.category_id:
        conditions.append(Case.category_id == filters.category_id)
    if filters.department_id:
        conditions.append(Case.department_id == filters.department_id)
    if filters.lead_id:
        conditions.append(Case.lead_id == filters.lead_id)
    if filters.received_from:
        conditions.append(Case.received_at >= local_midnight(filters.received_from))
    if filters.received_to:
        day_after = filters.received_to + timedelta(days=1)
        conditions.append(Case.received_at < local_midnight(day_after))
    return conditions


def matching(query: ParsedQuery, user, conditions: list):
    """SELECT case_id FROM the index JOIN cases WHERE the words, `conditions` and access."""
    postgresql = storage.is_postgresql(db.session)
    source, source_id = storage.search_source(postgresql)
    statement = (
        select(source_id.label("case_id"))
        .select_from(source)
        .join(Case, Case.id == source_id)
        .where(storage.match_condition(postgresql, query), *conditions)
    )
    access = access_condition(user)
    if access is not None:
        statement = statement.where(access)
    return statement, source_id, postgresql


def ranked_ids(query: ParsedQuery, user, conditions: list, offset: int, limit: int) -> list[int]:
    statement, source_id, postgresql = matching(query, user, conditions)
    window = (
        statement.add_columns(storage.rank_expression(postgresql, query).label("rank"))
        .order_by(source_id.desc())
        .limit(current_app.config["SEARCH_RANK_WINDOW"])
        .subquery()
    )
    return list(
        db.session.scalars(
            select(window.c.case_id)
            .order_by(window.c.rank.desc(), window.c.case_id.desc())
            .offset(offset)
            .limit(limit)
        )
    )


def newest_ids(query: ParsedQuery, user, conditions: list, before: int | None, limit: int):
    statement, source_id, _postgresql = matching(query, user, conditions)
    if before is not None:
        statement = statement.where(source_id < before)
    return list(db.session.scalars(statement.order_by(source_id.desc()).limit(limit)))


def search_cases(user, filters: SearchFilters, cursor: int | None, per_page: int) -> SearchPage:
    """A page of the cases `user` may open that hold every word of `filters.text`.

    `cursor` is the last case id seen (sort "date") or the offset into the ranked window
    (sort "relevance"); None for the first page."""
    index.refresh(db.session)
    query = parse_query(filters.text)
    if not query or (user is None or not user.is_authenticated):
        return SearchPage()
    conditions = filter_conditions(filters)
    if filters.sort == "date":
        ids = newest_ids(query, user, conditions, cursor, per_page + 1)
    else:
        offset = cursor or 0
        ids = ranked_ids(query, user, conditions, offset, per_page + 1)
    more = len(ids) > per_page
    ids = ids[:per_page]
    hits = hits_for(query, user, ids)
    next_cursor = None
    if more and ids:
        next_cursor = ids[-1] if filters.sort == "date" else (cursor or 0) + per_page
    return SearchPage(hits, next_cursor, cursor is None)


def load_cases(ids: list[int]) -> dict[int, Case]:
    # Asked even for no ids: a page costs the same number of statements whatever it finds.
    cases = db.session.scalars(
        select(Case).where(Case.id.in_(ids)).options(name_only(Case.lead))
    ).unique()
    return {case.id: case for case in cases}


def hits_for(query: ParsedQuery, user, ids: list[int]) -> list[Hit]:
    """The page's hits with snippets. Most hits are in the subject or the messages, read in
    one query; the other parts (company, contacts, attachments, contributions, meetings) are
    read only for the cases still without a snippet."""
    cases = load_cases(ids)
    allowed = viewable_case_ids(user, cases.values())
    ids = [case_id for case_id in ids if case_id in allowed]
    first_parts = documents.subject_and_messages(db.session, [cases[i] for i in ids])
    snippets = {case_id: best_snippet(query, first_parts.get(case_id, [])) for case_id in ids}
    missing = [case_id for case_id in ids if snippets[case_id][1] is None]
    if missing:
        parts = documents.case_parts(db.session, missing)
        snippets.update({i: best_snippet(query, parts.get(i, [])) for i in missing})
    return [Hit(cases[case_id], *snippets[case_id]) for case_id in ids]


def best_snippet(query: ParsedQuery, parts: list[tuple[str, str]]):
    """(kind, snippet) of the first part, in SNIPPET_ORDER, that holds a hit."""
    for kind in SNIPPET_ORDER:
        for part_kind, content in parts:
            if part_kind == kind:
                found = snippet(query, content[: documents.MAX_PART_CHARS])
                if found is not None:
                    return kind, found
    return None, None


# --- Similar cases ----------------------------------------------------------------------------

SIMILAR_COUNT = 5
SIMILAR_TERMS = 8
ANSWER_PREVIEW_CHARS = 300
# Frequent Swedish words (as stems) that say nothing about what a question is about.
STOP_STEMS = frozenset(
    stems(
        "och att det som för med har inte den till är på av om jag vi ett en kan ska skulle "
        "vill eller men så hur vad när var från hej tack mvh vänliga hälsningar behöver finns "
        "våra vår vårt min mitt mina eran ert er ni de dem detta denna dessa också bara redan "
        "nu då där här kommer måste blir bli vara varit hade få fått göra gör gjort"
    )
)


@dataclass
class SimilarCase:
    case: Case
    answer: str  # the last answer to the company, shortened ("" if none)


def question_terms(case: Case) -> ParsedQuery:
    """The most frequent telling stems of the case's subject and question, any of which
    makes a case a candidate."""
    first = db.session.scalar(
        select(Message.body)
        .where(Message.case_id == case.id, Message.author_kind == "submitter")
        .order_by(Message.id)
        .limit(1)
    )
    words = stems(f"{case.subject} {case.subject} {(first or '')[: documents.MAX_PART_CHARS]}")
    counts = Counter(w for w in words if len(w) >= 4 and w not in STOP_STEMS and not w.isdigit())
    terms = [Term((word,), prefix=False) for word, _count in counts.most_common(SIMILAR_TERMS)]
    return ParsedQuery(terms, any_term=True)


def latest_answers(ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(Message.case_id, Message.body)
        .where(
            Message.case_id.in_(ids),
            Message.author_kind == "official",
            Message.is_internal.is_(False),
        )
        .order_by(Message.case_id, Message.id.desc())
    )
    answers: dict[int, str] = {}
    for case_id, body in rows:
        answers.setdefault(case_id, shorten(body or ""))
    return answers


def shorten(text: str, limit: int = ANSWER_PREVIEW_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def similar_cases(case: Case, user) -> list[SimilarCase]:
    """The answered cases most like `case` that `user` may open, with their last answer."""
    index.refresh(db.session)
    query = question_terms(case)
    if not query or user is None or not user.is_authenticated:
        return []
    conditions = [Case.status.in_(RESOLVED), Case.id != case.id]
    ids = ranked_ids(query, user, conditions, 0, SIMILAR_COUNT)
    cases = load_cases(ids)
    allowed = viewable_case_ids(user, cases.values())
    ids = [case_id for case_id in ids if case_id in allowed]
    answers = latest_answers(ids)
    return [SimilarCase(cases[case_id], answers.get(case_id, "")) for case_id in ids]
