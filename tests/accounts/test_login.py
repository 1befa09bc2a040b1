import pytest
from sqlalchemy import select

from lotsen.accounts.models import Role, User
from lotsen.extensions import db
from tests.factories import TEST_PASSWORD, UserFactory


def log_in(client, email, password=TEST_PASSWORD, next_url=None):
    url = "/konto/logga-in" + (f"?next={next_url}" if next_url else "")
    return client.submit(url, {"email": email, "password": password}, page_url="/konto/logga-in")


def test_official_logs_in_and_sees_the_start_page(client):
    user = UserFactory(name="Erik Johansson", email="erik.johansson@kommun.example")
    response = log_in(client, "Erik.Johansson@Kommun.example ")
    assert response.status_code == 302 and response.location == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Välkommen, Erik Johansson" in page
    assert db.session.scalar(select(User.last_login_at).where(User.id == user.id)) is not None


def test_wrong_password_is_refused_with_a_swedish_message_keeping_the_email(client):
    UserFactory(email="sara@kommun.example")
    response = log_in(client, "sara@kommun.example", "fel-lösenord-123")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Fel e-postadress eller lösenord." in page
    assert 'value="sara@kommun.example"' in page
    assert client.get("/").status_code == 302


def test_unknown_email_gets_the_same_message(client):
    page = log_in(client, "ingen@kommun.example").get_data(as_text=True)
    assert "Fel e-postadress eller lösenord." in page


def test_empty_form_explains_what_is_missing(client):
    page = client.submit("/konto/logga-in", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Fyll i din e-postadress." in page
    assert "Fyll i ditt lösenord." in page


def test_deactivated_account_cannot_log_in(client):
    user = UserFactory(active=False)
    response = log_in(client, user.email)
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_login_never_redirects_off_site(client, next_url):
    user = UserFactory()
    response = log_in(client, user.email, next_url=next_url)
    assert response.status_code == 302
    assert response.location == "/"


def test_login_returns_to_the_page_asked_for(client):
    user = UserFactory(roles=[Role.ADMIN])
    assert client.get("/admin/anvandare").location == "/konto/logga-in?next=/admin/anvandare"
    response = log_in(client, user.email, next_url="/admin/anvandare")
    assert response.location == "/admin/anvandare"


def test_logout_ends_the_session(client, login):
    login(Role.OFFICIAL)
    response = client.submit("/konto/logga-ut", {}, page_url="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_login_attempts_are_rate_limited(client):
    user = UserFactory()
    token = client.csrf_token()
    statuses = [
        client.post(
            "/konto/logga-in", data={"csrf_token": token, "email": user.email, "password": "x"}
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    blocked = client.post(
        "/konto/logga-in",
        data={"csrf_token": token, "email": user.email, "password": TEST_PASSWORD},
    )
    assert blocked.status_code == 429
    assert "För många försök" in blocked.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(client):
    user = UserFactory()
    response = log_in(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
