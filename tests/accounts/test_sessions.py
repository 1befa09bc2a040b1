"""Sessions end on the server: log-out, new password and deactivation revoke every copy of the
session and remember-me cookies, and a log-in lasts a bounded time."""

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from lotsen.accounts import services, sessions
from lotsen.accounts.models import Role
from lotsen.db_types import utcnow
from lotsen.extensions import db
from tests.factories import TEST_PASSWORD, UserFactory

NEW_PASSWORD = "sommarstuga vid sjön 1977"


def log_in(client, user, remember=False):
    data = {"email": user.email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.submit("/konto/logga-in", data)
    assert response.status_code == 302
    return response


def copy_of(app, client, *names):
    """Another browser holding copies of `client`'s cookies `names` (a stolen cookie)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def official(app):
    return UserFactory(roles=[Role.OFFICIAL])


def test_a_copied_session_cookie_stops_working_after_logout(app, client, official):
    log_in(client, official)
    thief = copy_of(app, client, "session")
    assert logged_in(thief)
    client.submit("/konto/logga-ut", {}, page_url="/")
    assert not logged_in(client)
    assert not logged_in(thief)


def test_a_copied_remember_me_cookie_stops_working_after_logout(app, client, official):
    log_in(client, official, remember=True)
    thief = copy_of(app, client, "remember_token")
    assert logged_in(thief)  # the remember-me cookie alone logs in
    client.submit("/konto/logga-ut", {}, page_url="/")
    assert not logged_in(copy_of(app, thief, "remember_token"))


def test_a_new_password_ends_remembered_sessions_elsewhere(app, client, official):
    other_device = app.test_client()
    log_in(other_device, official, remember=True)
    remembered = copy_of(app, other_device, "remember_token")
    log_in(client, official)
    response = client.submit(
        "/konto/losenord",
        {
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert logged_in(client)
    assert not logged_in(other_device)
    assert not logged_in(remembered)


def test_deactivation_ends_session_and_remember_me_cookies(app, client, official):
    log_in(client, official, remember=True)
    remembered = copy_of(app, client, "remember_token")
    admin = UserFactory(roles=[Role.ADMIN])
    services.set_user_active(admin, official, False)
    db.session.commit()
    assert not logged_in(client)
    assert not logged_in(remembered)


def test_remember_me_lasts_thirty_days_by_default(app, client, official):
    response = log_in(client, official, remember=True)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "remember_token=" in h)
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert timedelta(days=29) < expires - utcnow() <= timedelta(days=30)


def test_the_server_refuses_a_remembered_login_older_than_its_lifetime(
    app, client, official, monkeypatch
):
    log_in(client, official, remember=True)
    remembered = copy_of(app, client, "remember_token")
    now = utcnow()
    monkeypatch.setattr(sessions, "utcnow", lambda: now + timedelta(days=29))
    assert logged_in(copy_of(app, remembered, "remember_token"))
    monkeypatch.setattr(sessions, "utcnow", lambda: now + timedelta(days=31))
    assert not logged_in(copy_of(app, remembered, "remember_token"))


def test_a_session_without_remember_me_is_refused_after_its_lifetime(
    app, client, official, monkeypatch
):
    app.config["SESSION_LIFETIME_HOURS"] = 12
    log_in(client, official)
    now = utcnow()
    monkeypatch.setattr(sessions, "utcnow", lambda: now + timedelta(hours=11))
    assert logged_in(client)
    monkeypatch.setattr(sessions, "utcnow", lambda: now + timedelta(hours=13))
    assert not logged_in(client)


@pytest.mark.parametrize(
    "value",
    ["", "1", "1:x", "x:y:1:r", "1:nonce:notanumber:r", "1:nonce:1:q", "9" * 40 + ":n:1:r"],
)
def test_malformed_session_ids_load_no_user(app, official, value):
    assert sessions.user_for_session_id(value) is None
