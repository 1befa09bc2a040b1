"""Rate limits behind a proxy, per account, from the environment, and without Redis."""

import logging
import socket

import pytest
from sqlalchemy import func, select

from lotsen import create_app
from lotsen.accounts import services
from lotsen.config import settings_from_environment
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from tests.cases.helpers import submit_question
from tests.conftest import FormClient, base_test_config
from tests.factories import TEST_PASSWORD, CategoryFactory, UserFactory


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_with(app, database):
    """Another app on the test's database with some settings changed (its engine is closed at
    the end of the test)."""
    made = []

    def make(**settings):
        config = base_test_config(database["url"], database["instance_path"])
        config.update(settings)
        other = create_app(config)
        other.test_client_class = FormClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def failed_login(client, email, ip="10.0.0.1", token=None, **headers):
    return client.post(
        "/konto/logga-in",
        data={"csrf_token": token, "email": email, "password": "fel-lösenord"},
        environ_base={"REMOTE_ADDR": ip},
        headers=headers,
    )


# --- Settings from the environment ---------------------------------------------------------------


def test_every_rate_limit_setting_can_be_set_from_the_environment():
    from lotsen.config import DefaultConfig

    names = [name for name in dir(DefaultConfig) if name.endswith("_RATE_LIMIT")]
    assert {"PUBLIC_FORM_RATE_LIMIT", "LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_RATE_LIMIT"} <= set(names)
    environ = {name: "3 per hour" for name in names}
    assert settings_from_environment(environ) == environ


def test_proxy_hops_session_lifetime_and_fallback_come_from_the_environment():
    environ = {
        "PROXY_FIX_HOPS": "1",
        "REMEMBER_COOKIE_DAYS": "7",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": "false",
    }
    assert settings_from_environment(environ) == {
        "PROXY_FIX_HOPS": 1,
        "REMEMBER_COOKIE_DAYS": 7,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
    }


# --- Behind the TLS proxy ---------------------------------------------------------------------


def test_behind_the_proxy_each_client_has_its_own_login_limit(app_with):
    proxied = app_with(PROXY_FIX_HOPS=1, LOGIN_RATE_LIMIT="2 per minute")
    client = proxied.test_client()
    token = client.csrf_token()
    # Every request comes from the proxy's address; the client's is in X-Forwarded-For.
    for email in ("a@kommun.example", "b@kommun.example"):
        response = failed_login(client, email, "127.0.0.1", token, **{"X-Forwarded-For": "1.1.1.1"})
        assert response.status_code == 200
    blocked = failed_login(
        client, "c@kommun.example", "127.0.0.1", token, **{"X-Forwarded-For": "1.1.1.1"}
    )
    assert blocked.status_code == 429
    other = failed_login(
        client, "d@kommun.example", "127.0.0.1", token, **{"X-Forwarded-For": "2.2.2.2"}
    )
    assert other.status_code == 200


def test_without_proxy_hops_a_forwarded_for_header_is_not_believed(app_with):
    direct = app_with(LOGIN_RATE_LIMIT="2 per minute")
    client = direct.test_client()
    token = client.csrf_token()
    for spoofed in ("1.1.1.1", "2.2.2.2"):
        response = failed_login(
            client, "a@kommun.example", "10.0.0.9", token, **{"X-Forwarded-For": spoofed}
        )
        assert response.status_code == 200
    blocked = failed_login(
        client, "a@kommun.example", "10.0.0.9", token, **{"X-Forwarded-For": "3.3.3.3"}
    )
    assert blocked.status_code == 429


def test_login_attempts_on_one_account_are_limited_from_any_address(app_with):
    limited = app_with(LOGIN_ACCOUNT_RATE_LIMIT="3 per hour")
    client = limited.test_client()
    token = client.csrf_token()
    user = UserFactory(email="sara@kommun.example")
    for attempt in range(3):
        response = failed_login(client, "Sara@Kommun.example", f"10.0.1.{attempt}", token)
        assert response.status_code == 200
    blocked = client.post(
        "/konto/logga-in",
        data={"csrf_token": token, "email": user.email, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.2.1"},
    )
    assert blocked.status_code == 429
    # Another account is not affected.
    assert failed_login(client, "annan@kommun.example", "10.0.2.2", token).status_code == 200


# --- Password reset: the same work for known and unknown addresses -----------------------------


def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(
    app, client, count_queries
):
    UserFactory(email="kanda@kommun.example")
    token = client.csrf_token("/konto/glomt-losenord")
    work = {}
    for email in ("kanda@kommun.example", "okand@kommun.example"):
        with count_queries() as queries:
            response = client.post(
                "/konto/glomt-losenord", data={"csrf_token": token, "email": email}
            )
        assert response.status_code == 302
        work[email] = sorted(queries.kinds())
    assert work["kanda@kommun.example"] == work["okand@kommun.example"]
    # Nothing is mailed in the request: the mail worker does it.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_mail_worker_turns_a_reset_request_into_a_link_for_known_addresses_only(app, runner):
    user = UserFactory(email="kanda@kommun.example")
    services.request_password_reset("Kanda@Kommun.example ")
    services.request_password_reset("okand@kommun.example")
    db.session.commit()
    assert services.process_password_reset_requests() == 1
    db.session.commit()
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    assert mail.recipient == user.email and "/konto/nytt-losenord/" in mail.body_text
    assert services.process_password_reset_requests() == 0  # each request is handled once


def test_the_send_mail_command_handles_queued_reset_requests(app, runner):
    UserFactory(email="kanda@kommun.example")
    services.request_password_reset("kanda@kommun.example")
    db.session.commit()
    runner.invoke(args=["lotsen", "send-mail"])
    recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
    assert recipients == ["kanda@kommun.example"]


# --- Redis unreachable ------------------------------------------------------------------------


def test_with_redis_down_the_public_form_and_login_still_work_and_say_so_in_the_log(
    app_with, caplog
):
    broken = app_with(
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port()}/0",
        PUBLIC_FORM_RATE_LIMIT="2 per minute",
    )
    client = broken.test_client()
    category = CategoryFactory()
    user = UserFactory()
    with caplog.at_level(logging.WARNING):
        assert submit_question(client, category).status_code == 302
        response = client.submit(
            "/konto/logga-in", {"email": user.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    # The limit still holds, counted in this process.
    assert submit_question(client, category).status_code == 302
    assert submit_question(client, category).status_code == 429
