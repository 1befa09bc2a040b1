"""ordered company search: one sort-key alphabet, search postings keyed by name order

Sort keys are recomputed with lotsen.companies.models.name_sort_key (accents stripped,
punctuation as spaces), so that every character is one of SORT_ALPHABET and the name key
(models.name_key: the first five characters of the sort key above the id) can be computed in SQL.

The search structures hand out their matches in list order (see lotsen.companies.search):
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

from lotsen.companies.models import FTS_PREFIX_LENGTHS, name_key_sql, name_sort_key

# revision identifiers, used by Alembic.
revision = "0009_ordered_company_search"
down_revision = "0008_attachment_message_index"
branch_labels = None
depends_on = None

CHUNK = 10_000


def upgrade():
    recompute_sort_names()
    if op.get_bind().dialect.name == "postgresql":
        for statement in ("DROP INDEX IF EXISTS ix_companies_name_trgm", *POSTGRESQL_SEARCH):
            op.execute(statement)
    else:
        for trigger in ("company_search_insert", "company_search_delete", "company_search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS company_search")
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in (
            "DROP TABLE IF EXISTS company_search_terms",
            "DROP FUNCTION IF EXISTS company_search_terms_insert() CASCADE",
            "DROP FUNCTION IF EXISTS company_search_terms_update() CASCADE",
            "DROP FUNCTION IF EXISTS company_search_terms_delete() CASCADE",
            "DROP FUNCTION IF EXISTS company_search_terms_truncate() CASCADE",
            "CREATE INDEX ix_companies_name_trgm ON companies USING gin (lower(name) gin_trgm_ops)",
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
            {"b_id": row.id, "b_sort_name": name_sort_key(row.name)}
            for row in rows
            if name_sort_key(row.name) != row.sort_name
        ]
        if changed:
            connection.execute(
                companies.update()
                .where(companies.c.id == sa.bindparam("b_id"))
                .values(sort_name=sa.bindparam("b_sort_name")),
                changed,
            )
        last_id = rows[-1].id


SQLITE_KEY_NEW = name_key_sql("new.sort_name", "new.id", "instr")
SQLITE_KEY_OLD = name_key_sql("old.sort_name", "old.id", "instr")
SQLITE_SEARCH = [
    # Contentless: the index alone, its rowid the name key. Only word-prefix queries are asked
    # (no phrases, no columns), so detail=none keeps it small; prefix indexes let a prefix
    # query read one ordered list of postings.
    f"""CREATE VIRTUAL TABLE company_search USING fts5(
        name, town, content='', detail=none,
        prefix='{" ".join(map(str, FTS_PREFIX_LENGTHS))}',
        tokenize="unicode61 remove_diacritics 0")""",
    f"""CREATE TRIGGER company_search_insert AFTER INSERT ON companies BEGIN
        INSERT INTO company_search (rowid, name, town)
        VALUES ({SQLITE_KEY_NEW}, new.name, new.town);
    END""",
    f"""CREATE TRIGGER company_search_delete AFTER DELETE ON companies BEGIN
        INSERT INTO company_search (company_search, rowid, name, town)
        VALUES ('delete', {SQLITE_KEY_OLD}, old.name, old.town);
    END""",
    f"""CREATE TRIGGER company_search_update AFTER UPDATE OF name, town, sort_name ON companies
    BEGIN
        INSERT INTO company_search (company_search, rowid, name, town)
        VALUES ('delete', {SQLITE_KEY_OLD}, old.name, old.town);
        INSERT INTO company_search (rowid, name, town)
        VALUES ({SQLITE_KEY_NEW}, new.name, new.town);
    END""",
    f"""INSERT INTO company_search (rowid, name, town)
        SELECT {name_key_sql("sort_name", "id", "instr")}, name, town FROM companies""",
]

POSTGRESQL_TERMS = (
    "unnest(tsvector_to_array(to_tsvector('swedish'::regconfig, {0}.name || ' ' || "
    "coalesce({0}.town, ''))))"
)
CHANGED = "(o.name, o.town, o.sort_name) IS DISTINCT FROM (n.name, n.town, n.sort_name)"
POSTGRESQL_SEARCH = [
    """CREATE TABLE company_search_terms (
        term text COLLATE "C" NOT NULL,
        sort_name varchar(250) COLLATE "C" NOT NULL,
        company_id integer NOT NULL)""",
    f"""INSERT INTO company_search_terms (term, sort_name, company_id)
        SELECT DISTINCT term, c.sort_name, c.id
        FROM companies c, {POSTGRESQL_TERMS.format("c")} AS term""",
    "ALTER TABLE company_search_terms ADD CONSTRAINT pk_company_search_terms "
    "PRIMARY KEY (term, sort_name, company_id)",
    "CREATE INDEX company_search_terms_company ON company_search_terms (company_id, term)",
    # The search reads the most common terms' shares from the statistics to pick the rarest word.
    "ALTER TABLE company_search_terms ALTER COLUMN term SET STATISTICS 1000",
    f"""CREATE FUNCTION company_search_terms_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO company_search_terms (term, sort_name, company_id)
        SELECT DISTINCT term, n.sort_name, n.id FROM new_rows n, {POSTGRESQL_TERMS.format("n")} AS term;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION company_search_terms_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM company_search_terms s USING old_rows o WHERE s.company_id = o.id;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION company_search_terms_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM company_search_terms s
        USING old_rows o JOIN new_rows n ON n.id = o.id
        WHERE s.company_id = o.id AND {CHANGED};
        INSERT INTO company_search_terms (term, sort_name, company_id)
        SELECT DISTINCT term, n.sort_name, n.id
        FROM new_rows n JOIN old_rows o ON o.id = n.id, {POSTGRESQL_TERMS.format("n")} AS term
        WHERE {CHANGED};
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER company_search_terms_insert AFTER INSERT ON companies
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION company_search_terms_insert()""",
    """CREATE TRIGGER company_search_terms_delete AFTER DELETE ON companies
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION company_search_terms_delete()""",
    """CREATE TRIGGER company_search_terms_update AFTER UPDATE ON companies
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION company_search_terms_update()""",
    """CREATE FUNCTION company_search_terms_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE company_search_terms;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER company_search_terms_truncate AFTER TRUNCATE ON companies
        FOR EACH STATEMENT EXECUTE FUNCTION company_search_terms_truncate()""",
    "ANALYZE company_search_terms",
]

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
