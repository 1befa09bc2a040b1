"""Read-side queries of the company registry: the searchable, filterable, sortable list.

One search box understands three things:
- an org number (with or without dash, 10 or 12 digits): exact lookup on the unique index;
  at least six digits of one: a prefix of legal persons' numbers (admins: of all numbers);
- words: every word must begin a word of the name or the town. PostgreSQL uses the full-text
  index (`swedish` configuration, prefix queries) together with the trigram index for a prefix
  of the whole name; SQLite uses the FTS5 table `company_search` with prefix queries.

A word search is planned by how many companies it matches (counted up to SMALL_MATCH_SET):
few are found first and then sorted; many are found by walking the list's sort index and
keeping the matching rows, which stops after one page.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields

from sqlalchemy import Integer, and_, func, literal, literal_column, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import selectinload

from lotsen.audit.models import AuditEvent
from lotsen.companies.models import (
    SIZE_CLASSES,
    Company,
    CompanySniCode,
    CompanyStatus,
    Tag,
    company_tags,
)
from lotsen.companies.orgnr import InvalidOrgNumber, normalise_org_number
from lotsen.companies.services import may_see_personal_numbers
from lotsen.extensions import db
from lotsen.pagination import Page, SortKey, paginate_by

# PostgreSQL: a stored generated tsvector (swedish) of name and town, see the migration.
FULLTEXT_DOCUMENT = "companies.search_vector"
SMALL_MATCH_SET = 3000
SORTS = {
    "name": [SortKey(Company.sort_name), SortKey(Company.id)],
    "town": [SortKey(Company.town, nullable=True), SortKey(Company.sort_name), SortKey(Company.id)],
    "registered": [
        SortKey(Company.registered_on, descending=True, nullable=True),
        SortKey(Company.id, descending=True),
    ],
}
WORD = re.compile(r"[^\W_]+")
ORG_NUMBER_LIKE = re.compile(r"^[0-9][0-9 +-]{5,14}$")
MAX_SEARCH_WORDS = 8


@dataclass
class CompanyFilters:
    """What the list shows: all values come from the query string and are checked here."""

    q: str = ""
    section: str = ""
    size_class: str = ""
    municipality: str = ""
    tag: str = ""
    status: str = ""
    sort: str = "name"

    @classmethod
    def from_args(cls, args, sections) -> "CompanyFilters":
        values = {f.name: (args.get(f.name) or "").strip()[:100] for f in fields(cls)}
        filters = cls(**values)
        if filters.section not in sections:
            filters.section = ""
        if filters.size_class not in SIZE_CLASSES:
            filters.size_class = ""
        if not re.fullmatch(r"[0-9]{4}", filters.municipality):
            filters.municipality = ""
        if filters.status not in set(CompanyStatus):
            filters.status = ""
        if filters.sort not in SORTS:
            filters.sort = "name"
        return filters

    def as_args(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "sort")


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def with_search(query, q: str, viewer):
    """`query` narrowed to what the search box asks for (unchanged when it asks nothing)."""
    q = q.strip()
    if not q:
        return query
    if ORG_NUMBER_LIKE.match(q):
        return query.where(org_number_condition(q, viewer))
    words = WORD.findall(q.lower())[:MAX_SEARCH_WORDS]
    if not words:
        return query
    if dialect_name() == "postgresql":
        match, ids = postgresql_text_match(q, words)
    else:
        match, ids = sqlite_text_match(words)
    found = list(db.session.scalars(ids.limit(SMALL_MATCH_SET + 1)))
    if len(found) > SMALL_MATCH_SET:
        # Many matches: walk the list's sort index and keep the matching rows; this stops
        # after one page.
        return query.where(match)
    # Few: fetch them by id and sort them. (On PostgreSQL a join to the unnested ids: with
    # "id = ANY(…)" the planner walks the sort index instead, which is slow when the matches
    # lie together far down the list.)
    if dialect_name() == "postgresql":
        matched = func.unnest(literal(found, type_=ARRAY(Integer)))
        matched = matched.table_valued("id").render_derived(name="matched")
        return query.join(matched, Company.id == matched.c.id)
    return query.where(Company.id.in_(found))


def org_number_condition(q: str, viewer):
    try:
        number = normalise_org_number(q)
    except InvalidOrgNumber:
        digits = re.sub(r"[^0-9]", "", q)
        # Prefixes only of legal persons' numbers: a prefix search must not let anyone but an
        # admin find the hidden digits of a personnummer.
        condition = and_(Company.org_number >= digits, Company.org_number < digits + ":")
        if not may_see_personal_numbers(viewer):
            condition = and_(condition, Company.is_personal.is_(False))
        return condition
    return Company.org_number == number.value


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def postgresql_text_match(q: str, words: list[str]):
    """(condition, SELECT of the matching ids): words by full text, or a prefix of the name."""
    tsquery = " & ".join(f"{word}:*" for word in words)
    fulltext = literal_column(FULLTEXT_DOCUMENT).op("@@")(
        func.to_tsquery(literal_column("'swedish'::regconfig"), tsquery)
    )
    prefix = escape_like(" ".join(q.lower().split())) + "%"
    match = or_(fulltext, func.lower(Company.name).like(prefix, escape="\\"))
    return match, select(Company.id).where(match)


SQLITE_MATCHES = "SELECT rowid FROM company_search WHERE company_search MATCH :match"


def sqlite_text_match(words: list[str]):
    """(condition, SELECT of the matching ids) through the FTS5 table."""
    match = " ".join(f'"{word}"*' for word in words)
    ids = select(literal_column("rowid")).select_from(text("company_search"))
    ids = ids.where(text("company_search MATCH :match")).params(match=match)
    # The unary + keeps SQLite from looking every match up by id: it walks the sort index.
    condition = text(f"+companies.id IN ({SQLITE_MATCHES})").bindparams(match=match)
    return condition, ids


def company_query(filters: CompanyFilters, viewer):
    """SELECT of the companies matching `filters` (merged duplicates are never listed)."""
    query = with_search(select(Company).where(Company.merged_into_id.is_(None)), filters.q, viewer)
    if filters.section:
        query = query.where(
            Company.id.in_(
                select(CompanySniCode.company_id).where(CompanySniCode.section == filters.section)
            )
        )
    if filters.size_class:
        query = query.where(Company.size_class == filters.size_class)
    if filters.municipality:
        query = query.where(Company.municipality_code == filters.municipality)
    if filters.status:
        query = query.where(Company.status == filters.status)
    if filters.tag:
        query = query.where(
            Company.id.in_(
                select(company_tags.c.company_id)
                .join(Tag, Tag.id == company_tags.c.tag_id)
                .where(Tag.name == filters.tag)
            )
        )
    return query


def with_list_relations(query):
    return query.options(selectinload(Company.sni_codes), selectinload(Company.tags))


def company_page(filters: CompanyFilters, viewer, cursor: str | None, per_page: int) -> Page:
    """One page of the list, with SNI codes and tags loaded in two further queries."""
    query = with_list_relations(company_query(filters, viewer))
    return paginate_by(query, SORTS[filters.sort], cursor, per_page)


def iterate_companies(filters: CompanyFilters, viewer, chunk: int = 1000) -> Iterator[Company]:
    """Every matching company, read page by page (for exports: memory stays bounded)."""
    cursor = None
    while True:
        page = company_page(filters, viewer, cursor, chunk)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def company_history(company: Company, limit: int = 100) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == Company.__tablename__,
                AuditEvent.object_id == company.id,
            )
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


def load_company(company_id: int) -> Company | None:
    return db.session.scalar(
        select(Company)
        .where(Company.id == company_id)
        .options(
            selectinload(Company.sni_codes),
            selectinload(Company.tags),
            selectinload(Company.contacts),
        )
    )
