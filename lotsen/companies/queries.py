"""Read-side queries of the company registry: the searchable, filterable, sortable list.

One search box understands three things:
- an org number (with or without dash, 10 or 12 digits): exact lookup on the unique index;
  at least six digits of one: a prefix of legal persons' numbers (admins: of all numbers);
- words: every word must begin a word of the name or the town (PostgreSQL: of the name's
  lexemes in the `swedish` full-text configuration; SQLite: of its FTS5 tokens).

A word search sorted by name reads the search index in list order (companies.search), so its
first page costs the same for ten matches or a million; other sorts join the matches.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields

from sqlalchemy import and_, select
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
from lotsen.companies.search import PageRequest, Postings, postings_for
from lotsen.companies.services import may_see_personal_numbers
from lotsen.companies.words import words_of
from lotsen.extensions import db
from lotsen.pagination import (
    Page,
    SortKey,
    decode_position,
    encode_position,
    paginate_by,
)

SORTS = {
    "name": [SortKey(Company.sort_name), SortKey(Company.id)],
    "town": [SortKey(Company.town, nullable=True), SortKey(Company.sort_name), SortKey(Company.id)],
    "registered": [
        SortKey(Company.registered_on, descending=True, nullable=True),
        SortKey(Company.id, descending=True),
    ],
}
# An org number as people type it: spaces (also non-breaking), any dash, the VAT form SE…01.
ORG_NUMBER_LIKE = re.compile(
    r"^(?:SE)?[0-9][0-9\s\u00a0\u2007\u202f\u2010-\u2015\u2212+-]{5,16}$", re.IGNORECASE
)
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


def search_words(q: str) -> list[str]:
    """The words of a word search (none for an empty query or an org number)."""
    q = q.strip()
    if not q or ORG_NUMBER_LIKE.match(q):
        return []
    return words_of(q)[:MAX_SEARCH_WORDS]


def with_search(query, q: str, viewer):
    """`query` narrowed to what the search box asks for (unchanged when it asks nothing)."""
    q = q.strip()
    if ORG_NUMBER_LIKE.match(q):
        return query.where(org_number_condition(q, viewer))
    words = search_words(q)
    if not words:
        return query
    return query.where(Company.id.in_(postings_for(words).company_ids()))


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


def company_query(filters: CompanyFilters, viewer, postings: Postings | None = None):
    """SELECT of the companies matching `filters` (merged duplicates are never listed). With
    `postings` given the word search is left out: the caller reads the postings itself."""
    query = select(Company).where(Company.merged_into_id.is_(None))
    if postings is None:
        query = with_search(query, filters.q, viewer)
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
    words = search_words(filters.q)
    postings = postings_for(words) if words else None
    if postings is not None and postings.ordered and filters.sort == "name":
        page = word_search_page(filters, viewer, postings, cursor, per_page)
        if page is not None:
            return page
    query = with_list_relations(company_query(filters, viewer, postings))
    if postings is not None:
        query = query.where(Company.id.in_(postings.company_ids()))
    return paginate_by(query, SORTS[filters.sort], cursor, per_page)


def word_search_page(filters, viewer, postings: Postings, cursor, per_page: int) -> Page | None:
    """A page of a word search in name order, read from the postings (see companies.search);
    None when its filters are too selective for that (the caller joins instead)."""
    position = decode_position(cursor, SORTS["name"])
    query = company_query(filters, viewer, postings).with_only_columns(
        Company.id, Company.sort_name
    )
    request = PageRequest(
        query=postings.narrow(query),
        cursor=tuple(position) if position is not None else None,
        need=per_page + 1,
    )
    found = postings.page(request)
    if found is None:
        return None
    ids = [company_id for _, company_id in found[:per_page]]
    rows = db.session.scalars(with_list_relations(select(Company).where(Company.id.in_(ids))))
    items = sorted(rows, key=lambda company: (company.sort_name, company.id))
    next_cursor = None
    if len(found) > per_page:
        next_cursor = encode_position(list(found[per_page - 1]))
    return Page(items=items, next_cursor=next_cursor, is_first=position is None)


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
