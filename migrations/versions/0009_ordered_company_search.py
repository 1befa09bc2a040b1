"""ordered company search: one sort-key alphabet, search postings keyed by name order

Sort keys are recomputed with lotsen.companies.models.name_sort_key (accents stripped,
punctuation as spaces), so that every character is one of SORT_ALPHABET and the name key
(models.name_key: the first five characters of the sort key above the id) can be computed in SQL.

The search structures (created by lotsen.companies.search_index, which also rebuilds them after
large imports) hand out their matches in list order (see lotsen.companies.search):
- SQLite: the FTS5 table `company_search` becomes contentless, its rowid the name key, with
  prefix indexes, kept in sync by triggers.
- PostgreSQL: the table `company_search_terms` (term, sort_name, company_id) with the lexemes
  of to_tsvector('swedish', name || ' ' || town), primary key (term, sort_name, company_id) so
  that each term's companies come out in list order, and an index (company_id, term) to check
  a company's other words; kept in sync by statement-level triggers with transition tables (one
  set-based statement per COPY or INSERT … SELECT). The GIN full-text index on search_vector
  stays: it intersects words that seldom meet. The trigram index is dropped (the search box
  matches words, not fragments).

Revision ID: 0009_ordered_company_search
Revises: 0008_attachment_message_index
Create Date: 2026-11-23 15:20:00

"""

import sqlalchemy as sa
from alembic import op

from lotsen.companies import search_index
from lotsen.companies.models import name_sort_key

# revision identifiers, used by Alembic.
revision = "0009_ordered_company_search"
down_revision = "0008_attachment_message_index"
branch_labels = None
depends_on = None

CHUNK = 10_000


def upgrade():
    recompute_sort_names()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_companies_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_companies_fulltext")
    else:
        for trigger in ("company_search_insert", "company_search_delete", "company_search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS company_search")
    search_index.create(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in (
            "DROP TABLE IF EXISTS company_search_terms",
            "DROP FUNCTION IF EXISTS company_search_terms_insert() CASCADE",
            "DROP FUNCTION IF EXISTS company_search_terms_update() CASCADE",
            "DROP FUNCTION IF EXISTS company_search_terms_delete() CASCADE",
            "DROP FUNCTION IF EXISTS company_search_terms_truncate() CASCADE",
            "DROP INDEX IF EXISTS ix_companies_fulltext",
            "CREATE INDEX ix_companies_name_trgm ON companies USING gin (lower(name) gin_trgm_ops)",
            "CREATE INDEX IF NOT EXISTS ix_companies_fulltext ON companies USING gin (search_vector)",
        ):
            op.execute(statement)
    else:
        for trigger in ("company_search_insert", "company_search_delete", "company_search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS company_search")
        for statement in SQLITE_SEARCH_0002:
            op.execute(statement)


def recompute_sort_names():
    """Every sort key again with today's name_sort_key, CHUNK companies at a time."""
    connection = op.get_bind()
    companies = sa.table("companies", sa.column("id"), sa.column("name"), sa.column("sort_name"))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(companies.c.id, companies.c.name, companies.c.sort_name)
            .where(companies.c.id > last_id)
            .order_by(companies.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        changed = [
            {"b_id": row.id, "b_sort_name": sort_name}
            for row in rows
            if (sort_name := name_sort_key(row.name)) != row.sort_name
        ]
        if changed:
            connection.execute(
                companies.update()
                .where(companies.c.id == sa.bindparam("b_id"))
                .values(sort_name=sa.bindparam("b_sort_name")),
                changed,
            )
        last_id = rows[-1].id


# The search objects of revision 0002, for downgrade.
SQLITE_SEARCH_0002 = [
    """CREATE VIRTUAL TABLE company_search USING fts5(
        name, town, content='companies', content_rowid='id',
        tokenize="unicode61 remove_diacritics 0")""",
    """CREATE TRIGGER company_search_insert AFTER INSERT ON companies BEGIN
        INSERT INTO company_search (rowid, name, town) VALUES (new.id, new.name, new.town);
    END""",
    """CREATE TRIGGER company_search_delete AFTER DELETE ON companies BEGIN
        INSERT INTO company_search (company_search, rowid, name, town)
        VALUES ('delete', old.id, old.name, old.town);
    END""",
    """CREATE TRIGGER company_search_update AFTER UPDATE OF name, town ON companies BEGIN
        INSERT INTO company_search (company_search, rowid, name, town)
        VALUES ('delete', old.id, old.name, old.town);
        INSERT INTO company_search (rowid, name, town) VALUES (new.id, new.name, new.town);
    END""",
    "INSERT INTO company_search (company_search) VALUES ('rebuild')",
]
