"""The full-text structures of the case search, per database (see models.py for the shape).

Writing a document: `write_documents(executor, rows)` with rows of (case_id, stems). Reading:
`match_condition` and `rank_expression` for the search queries (queries.py).
"""

from sqlalchemy import bindparam, cast, column, func, literal_column, table, text
from sqlalchemy.dialects.postgresql import TSQUERY

from lotsen.search.text import ParsedQuery, fts5_match, tsquery_literal, tsvector_literal

# --- DDL (migration 0015) ---------------------------------------------------------------------

SQLITE_TABLE = """CREATE VIRTUAL TABLE case_search_fts USING fts5(
    terms, content='case_search_documents', content_rowid='case_id',
    tokenize="unicode61 remove_diacritics 0")"""
# External content: the index reads `terms` from case_search_documents and stores no copy;
# these triggers keep it in step row by row.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS case_search_fts_insert AFTER INSERT ON case_search_documents
    BEGIN
        INSERT INTO case_search_fts (rowid, terms) VALUES (new.case_id, new.terms);
    END""",
    """CREATE TRIGGER IF NOT EXISTS case_search_fts_delete AFTER DELETE ON case_search_documents
    BEGIN
        INSERT INTO case_search_fts (case_search_fts, rowid, terms)
        VALUES ('delete', old.case_id, old.terms);
    END""",
    """CREATE TRIGGER IF NOT EXISTS case_search_fts_update
    AFTER UPDATE OF terms ON case_search_documents
    BEGIN
        INSERT INTO case_search_fts (case_search_fts, rowid, terms)
        VALUES ('delete', old.case_id, old.terms);
        INSERT INTO case_search_fts (rowid, terms) VALUES (new.case_id, new.terms);
    END""",
]
SQLITE_DDL = [SQLITE_TABLE, *SQLITE_TRIGGERS]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS case_search_fts_insert",
    "DROP TRIGGER IF EXISTS case_search_fts_delete",
    "DROP TRIGGER IF EXISTS case_search_fts_update",
    "DROP TABLE IF EXISTS case_search_fts",
]
POSTGRESQL_DDL = [
    "ALTER TABLE case_search_documents ADD COLUMN case_search_fts_vector tsvector "
    "NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX case_search_fts_gin ON case_search_documents USING gin (case_search_fts_vector)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS case_search_fts_gin",
    "ALTER TABLE case_search_documents DROP COLUMN IF EXISTS case_search_fts_vector",
]


def create(bind) -> None:
    for statement in POSTGRESQL_DDL if is_postgresql(bind) else SQLITE_DDL:
        bind.execute(text(statement))


def drop(bind) -> None:
    for statement in POSTGRESQL_DROP if is_postgresql(bind) else SQLITE_DROP:
        bind.execute(text(statement))


def suspend_sqlite_triggers(executor) -> None:
    """A full rebuild on SQLite writes the documents without the row triggers and then builds
    the FTS5 index from them in one pass (`finish_sqlite_rebuild`), which is several times
    faster than growing it row by row. The triggers come back at the end, and at the start of
    the next rebuild should a process have died in between."""
    for name in ("insert", "delete", "update"):
        executor.execute(text(f"DROP TRIGGER IF EXISTS case_search_fts_{name}"))


def finish_sqlite_rebuild(executor) -> None:
    executor.execute(text("INSERT INTO case_search_fts (case_search_fts) VALUES ('rebuild')"))
    for statement in SQLITE_TRIGGERS:
        executor.execute(text(statement))


def is_postgresql(executor) -> bool:
    """Whether `executor` (a Session or a Connection) talks to PostgreSQL."""
    dialect = getattr(executor, "dialect", None) or executor.get_bind().dialect
    return dialect.name == "postgresql"


# --- Writing ----------------------------------------------------------------------------------

SQLITE_UPSERT = text(
    "INSERT INTO case_search_documents (case_id, terms, indexed_at) "
    "VALUES (:case_id, :terms, CURRENT_TIMESTAMP) "
    "ON CONFLICT (case_id) DO UPDATE SET terms = excluded.terms, indexed_at = excluded.indexed_at"
)
POSTGRESQL_UPSERT = text(
    "INSERT INTO case_search_documents (case_id, terms, indexed_at, case_search_fts_vector) "
    "VALUES (:case_id, '', CURRENT_TIMESTAMP, CAST(:vector AS tsvector)) "
    "ON CONFLICT (case_id) DO UPDATE SET indexed_at = excluded.indexed_at, "
    "case_search_fts_vector = excluded.case_search_fts_vector"
)


def write_documents(executor, rows: list[tuple[int, list[str]]]) -> None:
    """Insert or replace the documents of these cases (one statement, many parameter sets)."""
    if not rows:
        return
    if is_postgresql(executor):
        params = [{"case_id": cid, "vector": tsvector_literal(stems)} for cid, stems in rows]
        executor.execute(POSTGRESQL_UPSERT, params)
    else:
        params = [{"case_id": cid, "terms": " ".join(stems)} for cid, stems in rows]
        executor.execute(SQLITE_UPSERT, params)


# --- Reading ----------------------------------------------------------------------------------

documents = table("case_search_documents", column("case_id"))
fts = table("case_search_fts", column("rowid"))


def search_source(postgresql: bool):
    """(FROM clause, its case id column) of the full-text index."""
    if postgresql:
        return documents, documents.c.case_id
    return fts, fts.c.rowid


VECTOR = literal_column("case_search_documents.case_search_fts_vector")


def tsquery(query: ParsedQuery, name: str):
    return cast(bindparam(name, tsquery_literal(query)), TSQUERY)


def match_condition(postgresql: bool, query: ParsedQuery):
    if postgresql:
        return VECTOR.op("@@")(tsquery(query, "search_query"))
    return literal_column("case_search_fts").op("MATCH")(
        bindparam("search_match", fts5_match(query))
    )


def rank_expression(postgresql: bool, query: ParsedQuery):
    """Higher is better on both databases (FTS5's bm25 is negated)."""
    if postgresql:
        return func.ts_rank(VECTOR, tsquery(query, "rank_query"))
    return -func.bm25(literal_column("case_search_fts"))
