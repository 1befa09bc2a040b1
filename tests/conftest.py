"""Fixtures: an app per database backend, each test starting from empty tables.

Every test that uses `app` (directly or through `client`, `db_session`, factories …) runs once on
SQLite and once on PostgreSQL. PostgreSQL must be reachable: a missing server fails the run
instead of skipping it. Each test session creates its own PostgreSQL database and drops it after.
"""

import contextvars
import os
import re
import uuid

import psycopg
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from lotsen import create_app
from lotsen.extensions import db

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_ADMIN_URL = os.environ.get(
    "LOTSEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


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


class FormClient(FlaskClient):
    """A test client that submits forms the way a browser does: with the page's CSRF token.

    Each request runs in a fresh context, as in production: it gets its own app context, `g` and
    database session instead of sharing the test's (which would leak the logged-in user and
    cached rows between requests and clients).
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
def app(database):
    app = create_app(base_test_config(database["url"], database["instance_path"]))
    app.test_client_class = FormClient
    app.config["DATABASE_BACKEND"] = database["backend"]
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables(database["backend"])
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
