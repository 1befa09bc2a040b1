"""Fixtures: an app per database backend, each test starting from empty tables.

Every test that uses `app` (directly or through `client`, `login`, factories …) runs once on
SQLite and once on PostgreSQL; `--backend sqlite` or `--backend postgresql` runs one of them only.
PostgreSQL must be reachable: a missing server fails the run instead of skipping it. Each test
session creates its own PostgreSQL database and drops it after.

How a test's data goes away again — two ways, chosen per test:

- **Rolled back (the default).** The `app` fixture opens one connection and begins a transaction
  on it; every session of the test — the test's own `db.session` and the fresh session of each
  request the test client sends — joins that transaction through a SAVEPOINT
  (`join_transaction_mode="create_savepoint"`). So services and requests commit and roll back as
  in production (a commit releases the savepoint, a rollback returns to it) and see each other's
  writes, and at the end the outer transaction is rolled back: nothing to empty. On SQLite this
  works because the engine already emits BEGIN itself (`lotsen/database.py`, pysqlite's own
  transaction handling is off). PostgreSQL sequences are not rolled back: ids keep growing from
  test to test, so a test must never assume an id.
- **Committed, then emptied (`@pytest.mark.commits`).** For tests whose data must be seen by
  another connection: a live server thread (browser tests), threads submitting in parallel,
  gunicorn or worker subprocesses, a second app or engine, DDL that another connection waits on,
  pg_dump. Their commits are real, and the tables are emptied after the test (TRUNCATE on
  PostgreSQL, DELETE on SQLite). Tests using `live_server` get the marker automatically. A test
  that is not marked and touches the database from another thread fails at once with a message
  naming the marker, instead of corrupting the shared connection.

`count_queries` counts the SQL statements run inside a block (both ways alike: the BEGIN and
SAVEPOINT statements of the transaction handling are not counted).
"""

import contextvars
import os
import re
import threading
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, text

from lotsen import create_app
from lotsen.extensions import db

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_ADMIN_URL = os.environ.get(
    "LOTSEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Fixtures whose use means the test's data must be committed for real (see the docstring).
COMMITTING_FIXTURES = {"live_server"}
# Statements of the transaction handling, not of the code under test.
TRANSACTION_CONTROL = re.compile(
    r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT)\b", re.IGNORECASE
)


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="run the database tests on this backend only (repeatable; default: both)",
    )


def selected_backends(config) -> list[str]:
    return config.getoption("--backend") or BACKENDS


def pytest_collection_modifyitems(config, items):
    chosen = set(selected_backends(config))
    kept, deselected = [], []
    for item in items:
        if COMMITTING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.commits)
        params = getattr(getattr(item, "callspec", None), "params", {})
        backends = {value for value in params.values() if isinstance(value, str)}
        if backends & set(BACKENDS) - chosen:
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def base_test_config(database_url: str, instance_path: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; scrypt in production
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": 1,  # nothing listens: tests that send mail start their own SMTP server
        "SERVER_NAME": None,
        "UPLOAD_FOLDER": os.path.join(instance_path, "uploads"),
    }


def create_postgres_database() -> str:
    name = f"lotsen_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is required for the test suite and is not reachable: {error}")
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory):
    """A migrated, empty database of one backend, shared by the tests of this session."""
    instance_path = str(tmp_path_factory.mktemp(f"instance-{request.param}"))
    if request.param == "sqlite":
        url = "sqlite:///" + os.path.join(instance_path, "lotsen-test.sqlite")
    else:
        url = create_postgres_database()
    app = create_app(base_test_config(url, instance_path))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield {"backend": request.param, "url": url, "instance_path": instance_path}
    if request.param == "postgresql":
        drop_postgres_database(url)


def empty_all_tables(backend: str) -> None:
    tables = [table.name for table in db.metadata.sorted_tables]
    if backend == "postgresql":
        # A response a test left unread (a streamed export) may still hold a transaction open;
        # end such leftovers so that TRUNCATE does not wait for them forever.
        db.session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        db.session.execute(text("SET LOCAL lock_timeout = '30s'"))
        quoted = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


class SharedConnectionSession(FlaskSession):
    """A session that runs every statement on the test's connection, inside its transaction.

    Flask-SQLAlchemy picks the engine itself and would ignore the `bind` a session is made with;
    here every app of the test's database (the test's own, or another one a test makes with the
    same URL) uses the test's connection. Another database gets its own engine as usual.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self._db.engine.url == self.bind.engine.url:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


# The one thread allowed to use the rolled-back test's connection (None: no such test running).
connection_owner: dict[str, threading.Thread | None] = {"thread": None}


@contextmanager
def connection_lent_to(thread: threading.Thread):
    """Let `thread` use the test's connection while the test waits for it to end (the security
    walker sends each request from a thread of its own, to notice a request that hangs)."""
    lender = connection_owner["thread"]
    if lender is not None:
        connection_owner["thread"] = thread
    try:
        yield
    finally:
        if lender is not None:
            connection_owner["thread"] = lender


@contextmanager
def rolled_back_at_the_end():
    """Every session in the block joins one outer transaction that is rolled back at the end."""
    connection_owner["thread"] = threading.current_thread()
    connection = db.engine.connect()

    def refuse_other_threads(*_args):
        if threading.current_thread() is not connection_owner["thread"]:
            raise RuntimeError(
                "Another thread used the test's database connection. Tests with threads, "
                "servers or other processes need real commits: mark them @pytest.mark.commits."
            )

    def refuse_other_connections(other):
        other.close()  # back to the pool: a connection left to the garbage collector warns
        raise RuntimeError(
            "The test opened a second database connection, which cannot see the test's "
            "rolled-back transaction (and may wait for its locks forever). Tests that need "
            "another connection need real commits: mark them @pytest.mark.commits."
        )

    event.listen(connection, "before_cursor_execute", refuse_other_threads)
    engine = db.engine
    event.listen(engine, "engine_connect", refuse_other_connections)
    outer = connection.begin()
    production_session = db.session
    db.session = db._make_scoped_session(
        {
            "class_": SharedConnectionSession,
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
        }
    )
    try:
        yield
    finally:
        event.remove(engine, "engine_connect", refuse_other_connections)
        db.session.remove()
        db.session = production_session
        if outer.is_active:
            outer.rollback()
        connection.close()
        connection_owner["thread"] = None


class FormClient(FlaskClient):
    """A test client that submits forms the way a browser does: with the page's CSRF token.

    Each request runs in a fresh context, as in production: it gets its own app context, `g` and
    database session instead of sharing the test's (which would leak the logged-in user and
    cached rows between requests and clients). Its session joins the test's transaction, so it
    sees what the test wrote, and the test sees what it committed.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction first, as a finished request would: on SQLite an open
        # read snapshot would make the test's next write fail once the request has written.
        if has_app_context():
            db.session.commit()
        # Buffered: a streamed body is read to the end inside the request's own context, so the
        # request's teardown (closing its database session) runs there too.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self, page_url: str = "/konto/logga-in") -> str:
        page = self.get(page_url)
        match = CSRF_INPUT.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {page_url} (status {page.status_code})"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, page_url: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(page_url or url))
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def app(request, database):
    """The app on one backend, inside an app context; its data goes away after the test (rolled
    back, or emptied for tests marked `commits`: see the module's docstring)."""
    app = create_app(base_test_config(database["url"], database["instance_path"]))
    app.test_client_class = FormClient
    app.config["DATABASE_BACKEND"] = database["backend"]
    commits = request.node.get_closest_marker("commits") is not None
    app.config["TEST_COMMITS"] = commits
    with app.app_context():
        if commits:
            yield app
            db.session.remove()
            empty_all_tables(database["backend"])
        else:
            with rolled_back_at_the_end():
                yield app
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def backend(app):
    return app.config["DATABASE_BACKEND"]


class QueryLog:
    """The SQL statements run while a `count_queries()` block was open, transaction control
    (BEGIN, SAVEPOINT, RELEASE …) left out. `len(log)` is their number."""

    def __init__(self):
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def kinds(self) -> list[str]:
        """The first word of every statement (SELECT, INSERT …), in order."""
        return [statement.split(None, 1)[0].upper() for statement in self.statements]


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: …` then `len(queries)`: the statements of the block."""

    @contextmanager
    def counting():
        log = QueryLog()

        def record(_conn, _cursor, statement, _parameters, _context, _executemany):
            if not TRANSACTION_CONTROL.match(statement):
                log.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield log
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def login(client):
    """Log in through the real form: login(role) creates a user with that role; returns it."""
    from lotsen.accounts.models import Role
    from tests.factories import TEST_PASSWORD, UserFactory

    def log_in(*roles: Role, user=None):
        if user is None:
            user = UserFactory(roles=list(roles) or [Role.OFFICIAL])
        response = client.submit(
            "/konto/logga-in", {"email": user.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return log_in
