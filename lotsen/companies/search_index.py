"""Upkeep of the company search index (read by lotsen.companies.search).

Triggers keep the index in step with `companies` row by row. A large import suspends them and
the index's own indexes, loads, and rebuilds the index in one pass: building it from the finished
table costs a fraction of keeping it up to date through millions of single changes. A suspended
index (say the import process was killed) is noticed and rebuilt by the next import, or by
`flask lotsen rebuild-search-index`.

- SQLite: a contentless FTS5 table `company_search` whose rowid is the name key
  (models.name_key), with prefix indexes; triggers insert and delete postings.
- PostgreSQL: the table `company_search_terms` (term, sort_name, company_id) of the lexemes of
  to_tsvector('swedish', name || ' ' || town), statement-level triggers with transition tables,
  and the GIN full-text index on companies.search_vector.
"""

from sqlalchemy import text

from lotsen.companies.models import FTS_PREFIX_LENGTHS, name_key_sql

# --- SQLite -----------------------------------------------------------------------------------

SQLITE_KEY_NEW = name_key_sql("new.sort_name", "new.id")
SQLITE_KEY_OLD = name_key_sql("old.sort_name", "old.id")
# Contentless: the index alone, its rowid the name key. Only word-prefix queries are asked (no
# phrases, no columns), so detail=none keeps it small; prefix indexes let a prefix query read
# one ordered list of postings.
SQLITE_TABLE = f"""CREATE VIRTUAL TABLE company_search USING fts5(
    name, town, content='', detail=none,
    prefix='{" ".join(map(str, FTS_PREFIX_LENGTHS))}',
    tokenize="unicode61 remove_diacritics 0")"""
SQLITE_EMPTY = "INSERT INTO company_search (company_search) VALUES ('delete-all')"
SQLITE_FILL = f"""INSERT INTO company_search (rowid, name, town)
    SELECT {name_key_sql("sort_name", "id")}, name, town FROM companies"""
SQLITE_TRIGGERS = {
    "company_search_insert": f"""CREATE TRIGGER company_search_insert AFTER INSERT ON companies
    BEGIN
        INSERT INTO company_search (rowid, name, town)
        VALUES ({SQLITE_KEY_NEW}, new.name, new.town);
    END""",
    "company_search_delete": f"""CREATE TRIGGER company_search_delete AFTER DELETE ON companies
    BEGIN
        INSERT INTO company_search (company_search, rowid, name, town)
        VALUES ('delete', {SQLITE_KEY_OLD}, old.name, old.town);
    END""",
    "company_search_update": f"""CREATE TRIGGER company_search_update
    AFTER UPDATE OF name, town, sort_name ON companies
    BEGIN
        INSERT INTO company_search (company_search, rowid, name, town)
        VALUES ('delete', {SQLITE_KEY_OLD}, old.name, old.town);
        INSERT INTO company_search (rowid, name, town)
        VALUES ({SQLITE_KEY_NEW}, new.name, new.town);
    END""",
}

# --- PostgreSQL -------------------------------------------------------------------------------

TERMS_OF = (
    "unnest(tsvector_to_array(to_tsvector('swedish'::regconfig, {0}.name || ' ' || "
    "coalesce({0}.town, ''))))"
)
CHANGED = "(o.name, o.town, o.sort_name) IS DISTINCT FROM (n.name, n.town, n.sort_name)"
POSTGRESQL_TABLE = [
    """CREATE TABLE company_search_terms (
        term text COLLATE "C" NOT NULL,
        sort_name varchar(250) COLLATE "C" NOT NULL,
        company_id integer NOT NULL)""",
    # The search reads the most common terms' shares from the statistics to pick the rarest word.
    "ALTER TABLE company_search_terms ALTER COLUMN term SET STATISTICS 1000",
    f"""CREATE FUNCTION company_search_terms_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO company_search_terms (term, sort_name, company_id)
        SELECT DISTINCT term, n.sort_name, n.id FROM new_rows n, {TERMS_OF.format("n")} AS term;
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
        FROM new_rows n JOIN old_rows o ON o.id = n.id, {TERMS_OF.format("n")} AS term
        WHERE {CHANGED};
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION company_search_terms_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE company_search_terms;
        RETURN NULL;
    END $$""",
]
POSTGRESQL_EMPTY = "TRUNCATE company_search_terms"
POSTGRESQL_FILL = f"""INSERT INTO company_search_terms (term, sort_name, company_id)
    SELECT DISTINCT term, c.sort_name, c.id FROM companies c, {TERMS_OF.format("c")} AS term"""
POSTGRESQL_INDEXES = {
    "pk_company_search_terms": "ALTER TABLE company_search_terms "
    "ADD CONSTRAINT pk_company_search_terms PRIMARY KEY (term, sort_name, company_id)",
    "company_search_terms_company": "CREATE INDEX company_search_terms_company "
    "ON company_search_terms (company_id, term)",
    "ix_companies_fulltext": "CREATE INDEX ix_companies_fulltext ON companies "
    "USING gin (search_vector)",
}
POSTGRESQL_DROP_INDEXES = [
    "ALTER TABLE company_search_terms DROP CONSTRAINT IF EXISTS pk_company_search_terms",
    "DROP INDEX IF EXISTS company_search_terms_company",
    "DROP INDEX IF EXISTS ix_companies_fulltext",
]
POSTGRESQL_TRIGGERS = {
    "company_search_terms_insert": """CREATE TRIGGER company_search_terms_insert
        AFTER INSERT ON companies REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION company_search_terms_insert()""",
    "company_search_terms_delete": """CREATE TRIGGER company_search_terms_delete
        AFTER DELETE ON companies REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION company_search_terms_delete()""",
    "company_search_terms_update": """CREATE TRIGGER company_search_terms_update
        AFTER UPDATE ON companies REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION company_search_terms_update()""",
    "company_search_terms_truncate": """CREATE TRIGGER company_search_terms_truncate
        AFTER TRUNCATE ON companies
        FOR EACH STATEMENT EXECUTE FUNCTION company_search_terms_truncate()""",
}


def is_postgresql(connection) -> bool:
    return connection.dialect.name == "postgresql"


def execute_all(connection, statements) -> None:
    for statement in statements:
        connection.execute(text(statement))


def create(connection) -> None:
    """The search index, filled from `companies` (for the migration)."""
    if is_postgresql(connection):
        execute_all(connection, POSTGRESQL_TABLE)
    else:
        connection.execute(text(SQLITE_TABLE))
    rebuild(connection)


def trigger_names(connection) -> set[str]:
    if is_postgresql(connection):
        sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'companies'::regclass"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'companies'"
    return set(connection.execute(text(sql)).scalars())


def is_suspended(connection) -> bool:
    wanted = POSTGRESQL_TRIGGERS if is_postgresql(connection) else SQLITE_TRIGGERS
    return not set(wanted) <= trigger_names(connection)


def suspend(connection) -> None:
    """Stop keeping the index up to date (before a large import)."""
    if is_postgresql(connection):
        for name in POSTGRESQL_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON companies"))
        execute_all(connection, POSTGRESQL_DROP_INDEXES)
    else:
        for name in SQLITE_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild(connection) -> None:
    """Fill the index again from `companies` and keep it up to date from now on."""
    suspend(connection)
    if is_postgresql(connection):
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        execute_all(connection, [POSTGRESQL_EMPTY, POSTGRESQL_FILL])
        execute_all(connection, POSTGRESQL_INDEXES.values())
        execute_all(connection, POSTGRESQL_TRIGGERS.values())
        execute_all(connection, ["ANALYZE company_search_terms"])
    else:
        execute_all(connection, [SQLITE_EMPTY, SQLITE_FILL])
        execute_all(connection, SQLITE_TRIGGERS.values())
