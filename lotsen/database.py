"""Engine set-up that depends on the database backend.

SQLite is the embedded default, so it gets the settings a web app needs: WAL (readers never wait
for the writer), a busy timeout (writers queue instead of failing), foreign keys enforced, and
proper transactions. pysqlite's own transaction handling is switched off and SQLAlchemy emits
BEGIN itself; requests that change data (POST, PUT, PATCH, DELETE) use BEGIN IMMEDIATE, so
a transaction that reads and then writes cannot fail half-way when another request wrote first.
"""

from flask import g, has_app_context, request
from sqlalchemy import event

from lotsen.companies.words import words_begin_words
from lotsen.writes import WRITE_INTENT, will_write

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def configure_engine(app, engine) -> None:
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
        app.before_request(mark_write_intent)


def mark_write_intent() -> None:
    if request.method not in SAFE_METHODS:
        will_write()


def configure_sqlite(engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.create_function(
            "lotsen_words_begin", 3, words_begin_words, deterministic=True
        )

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        immediate = has_app_context() and g.get(WRITE_INTENT, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
