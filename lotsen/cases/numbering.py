"""Case numbers LOTS-2026-0042: one counter row per year, incremented atomically.

One upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING) creates the year's row or increments
it; it takes a row lock on PostgreSQL and the write lock on SQLite, so two concurrent
submissions can never get the same number; a rolled-back submission gives its number back with
the rest of its transaction. Never max()+1.
"""

from functools import lru_cache

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lotsen.cases.models import CaseCounter
from lotsen.extensions import db

PREFIX = "LOTS"


def format_case_number(year: int, serial: int) -> str:
    return f"{PREFIX}-{year}-{serial:04d}"


@lru_cache(maxsize=4)
def counter_upsert(dialect: str):
    """The statement, built once per dialect (building it costs more than running it)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(CaseCounter).values(year=bindparam("year"), last_serial=1)
    return statement.on_conflict_do_update(
        index_elements=[CaseCounter.year],
        set_={"last_serial": CaseCounter.last_serial + 1},
    ).returning(CaseCounter.last_serial)


def next_case_number(year: int) -> tuple[int, str]:
    """Reserve the next serial for `year` in the current transaction; returns (serial, number).

    One statement: the first case of a year inserts the counter at 1, every later one
    increments it under the row lock."""
    statement = counter_upsert(db.session.get_bind().dialect.name)
    serial = db.session.execute(statement, {"year": year}).scalar_one()
    return serial, format_case_number(year, serial)
