"""Single sign-on end to end against a real OpenID provider (node oidc-provider on localhost),
with Lotsen driven by the Flask test client and the provider's pages by `requests`: the code
flow with PKCE, state and nonce, ID token validation, roles from the group claim, refusals, and
log-out at the provider's end-session endpoint."""

from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from sqlalchemy import select

from lotsen.accounts import oidc
from lotsen.accounts.models import Role, User, UserIdentity
from lotsen.audit.models import AuditEvent
from lotsen.extensions import db
from tests.factories import UserFactory
from tests.sso.oidc_provider import (
    ACCOUNTS,
    COORDINATORS_GROUP,
    ROLE_MAP,
    enable_sso,
    start_oidc_provider,  # noqa: F401  (fixture)
)

KARIN = ACCOUNTS["karin"]["email"]


@pytest.fixture
def provider(app, start_oidc_provider):  # noqa: F811
    """A provider whose client sends the browser back to the test client's http://localhost."""
    provider = start_oidc_provider("http://localhost")
    enable_sso(app, provider)
    return provider


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def start(client, next_url: str | None = None) -> str:
    response = client.get("/konto/sso" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.location


def sso_log_in(client, provider, login="karin", browser=None, next_url=None):
    """Click "Logga in med kommunens konto", log in at the provider, come back: the response."""
    browser = browser or requests.Session()
    callback = provider.log_in(browser, start(client, next_url), login)
    return client.get(callback)


def logged_in_as(client) -> str | None:
    page = client.get("/")
    return page.get_data(as_text=True) if page.status_code == 200 else None


def flashed(client) -> str:
    return client.get("/konto/logga-in").get_data(as_text=True)


def test_the_login_page_offers_the_municipality_account_when_configured(client, provider):
    page = client.get("/konto/logga-in?next=/arenden").get_data(as_text=True)
    assert "Logga in med kommunens konto" in page
    assert 'href="/konto/sso?next=/arenden"' in page
    assert page.index("Logga in med kommunens konto") < page.index('name="password"')


def test_without_sso_there_is_no_button_and_its_routes_are_not_found(client):
    page = client.get("/konto/logga-in")
    assert "Logga in med kommunens konto" not in page.get_data(as_text=True)
    assert "form-action 'self';" in page.headers["Content-Security-Policy"]
    assert client.get("/konto/sso").status_code == 404
    assert client.get("/konto/sso/callback?code=x&state=y").status_code == 404
    assert client.get("/konto/sso/utloggad").status_code == 404


def test_the_authorization_request_uses_pkce_state_and_nonce(client, provider):
    params = query(start(client))
    assert urlsplit(start(client)).netloc == urlsplit(provider.issuer).netloc
    assert params["response_type"] == "code"
    assert params["client_id"] == provider.app_settings()["OIDC_CLIENT_ID"]
    assert params["redirect_uri"] == "http://localhost/konto/sso/callback"
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert "code_verifier" not in params


def test_an_official_logs_in_with_the_municipality_account(client, provider):
    user = UserFactory(email=KARIN, name="Karin Lindqvist", roles=[Role.OFFICIAL])
    response = sso_log_in(client, provider, next_url="/arenden")
    assert response.status_code == 302 and response.location == "/arenden"
    assert "Karin Lindqvist" in logged_in_as(client)
    identity = db.session.scalar(select(UserIdentity))
    assert (identity.user_id, identity.issuer, identity.subject) == (
        user.id,
        provider.issuer,
        "karin",
    )
    assert identity.id_token and identity.id_token.count(".") == 2
    events = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert events == ["user.sso_linked", "user.sso_login"]


def test_the_group_claim_gives_the_role(app, client, provider):
    app.config["OIDC_ROLE_MAP"] = ROLE_MAP
    enable_sso(app, provider)
    user = UserFactory(email=KARIN, roles=[Role.OFFICIAL])
    sso_log_in(client, provider)
    db.session.expire_all()
    assert user.roles == {Role.COORDINATOR, Role.OFFICIAL}
    assert "Fördelning" in logged_in_as(client)  # the coordinator's triage queue
    change = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.roles_from_claims")
    )
    assert change.changes["roles"] == [["official"], ["coordinator", "official"]]


def test_a_first_log_in_can_create_the_account(app, client, provider):
    enable_sso(app, provider, OIDC_CREATE_USERS=True, OIDC_ROLE_MAP=ROLE_MAP)
    sso_log_in(client, provider, login="karin")
    user = db.session.scalar(select(User).where(User.email == KARIN))
    assert user.name == "Karin Lindqvist"
    assert user.roles == {Role.COORDINATOR, Role.OFFICIAL}
    assert "Karin Lindqvist" in logged_in_as(client)


def test_an_entra_style_token_matches_by_oid_and_trusted_email_with_app_roles(
    app, client, provider
):
    enable_sso(app, provider, OIDC_TRUST_EMAIL=True, OIDC_ROLE_MAP={"Lotsen.Admin": ["admin"]})
    user = UserFactory(email=ACCOUNTS["entra"]["email"], roles=[Role.OFFICIAL])
    sso_log_in(client, provider, login="entra")
    identity = db.session.scalar(select(UserIdentity))
    assert identity.subject == ACCOUNTS["entra"]["oid"]
    db.session.expire_all()
    assert user.roles == {Role.ADMIN}
    assert "Administration" in logged_in_as(client)


def test_an_unverified_email_logs_no_one_in(client, provider):
    UserFactory(email=ACCOUNTS["olle"]["email"])
    response = sso_log_in(client, provider, login="olle")
    assert response.status_code == 302 and response.location == "/konto/logga-in"
    assert "ingen bekräftad e-postadress" in flashed(client)
    assert logged_in_as(client) is None


def test_an_unknown_official_is_told_to_ask_the_administrator(client, provider):
    sso_log_in(client, provider, login="erik")
    page = flashed(client)
    assert "Det finns inget konto i Lotsen för erik.johansson@kommun.example" in page
    assert logged_in_as(client) is None


def test_an_inactive_account_cannot_log_in_through_the_provider(client, provider):
    UserFactory(email=KARIN, active=False)
    sso_log_in(client, provider)
    assert "Ditt konto i Lotsen är inaktiverat." in flashed(client)
    assert logged_in_as(client) is None
    assert db.session.scalars(select(UserIdentity)).all() == []


def test_a_log_in_without_a_mapped_group_is_refused(app, client, provider):
    enable_sso(app, provider, OIDC_ROLE_MAP={COORDINATORS_GROUP: "coordinator"})
    UserFactory(email=ACCOUNTS["erik"]["email"], roles=[Role.OFFICIAL])
    sso_log_in(client, provider, login="erik")
    assert "ger ingen behörighet i Lotsen" in flashed(client)
    assert logged_in_as(client) is None


def test_a_callback_whose_state_was_not_issued_here_is_refused(app, client, provider):
    UserFactory(email=KARIN)
    # Another browser started the log-in (a login-CSRF attempt): its code is useless here.
    attacker = app.test_client()
    callback = provider.log_in(requests.Session(), start(attacker), "karin")
    response = client.get(callback)
    assert response.status_code == 302
    assert "startades i en annan flik" in flashed(client)
    assert logged_in_as(client) is None


def test_a_code_cannot_be_used_twice(app, client, provider):
    UserFactory(email=KARIN)
    browser = requests.Session()
    callback = provider.log_in(browser, start(client), "karin")
    assert client.get(callback).status_code == 302
    assert logged_in_as(client)
    client.submit("/konto/logga-ut", {}, page_url="/")
    replay = client.get(callback)  # the state was used up with the first exchange
    assert replay.status_code == 302
    assert logged_in_as(client) is None


def test_the_session_is_the_same_kind_as_a_password_log_in(app, client, provider):
    user = UserFactory(email=KARIN)
    sso_log_in(client, provider)
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert logged_in_as(thief)
    assert client.get_cookie("remember_token") is None  # no "remember me" with single sign-on
    db.session.expire_all()
    old_nonce = user.session_nonce
    client.submit("/konto/logga-ut", {}, page_url="/")
    db.session.expire_all()
    assert user.session_nonce != old_nonce
    assert logged_in_as(thief) is None  # every copy of the session cookie ends


def test_log_out_ends_the_session_and_the_providers_too(client, provider):
    UserFactory(email=KARIN)
    browser = requests.Session()
    sso_log_in(client, provider, browser=browser)
    identity = db.session.scalar(select(UserIdentity))
    id_token = identity.id_token

    response = client.submit("/konto/logga-ut", {}, page_url="/")
    assert response.status_code == 302
    end_session = response.location
    assert end_session.startswith(provider.issuer + "/session/end?")
    params = query(end_session)
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://localhost/konto/sso/utloggad"
    assert params["client_id"] == provider.app_settings()["OIDC_CLIENT_ID"]
    assert logged_in_as(client) is None
    db.session.expire_all()
    assert identity.id_token is None

    # The provider asks for confirmation, ends its session and sends the browser back.
    page = browser.get(end_session, timeout=10)
    assert page.status_code == 200
    form = {"xsrf": page.text.split('name="xsrf" value="')[1].split('"')[0], "logout": "yes"}
    confirmed = browser.post(
        provider.issuer + "/session/end/confirm", data=form, allow_redirects=False, timeout=10
    )
    back = confirmed.headers["Location"]
    assert back.startswith("http://localhost/konto/sso/utloggad?")
    assert provider.named("end_session_request") == [
        {
            "event": "end_session_request",
            "id_token_hint": True,
            "post_logout_redirect_uri": "http://localhost/konto/sso/utloggad",
        }
    ]
    assert provider.named("end_session") == [{"event": "end_session"}]
    landing = client.get(back)
    assert landing.status_code == 302 and landing.location == "/konto/logga-in"
    assert "Du är utloggad." in flashed(client)

    # Logged out at the provider as well: the next log-in asks for the password again.
    authorize = start(client)
    assert 'name="login"' in browser.get(authorize, timeout=10).text


def test_a_password_log_in_logs_out_locally_only(app, client, provider):
    from tests.factories import TEST_PASSWORD

    user = UserFactory(email=KARIN)
    client.submit("/konto/logga-in", {"email": user.email, "password": TEST_PASSWORD})
    response = client.submit("/konto/logga-ut", {}, page_url="/")
    assert response.location == "/konto/logga-in"
    assert provider.named("end_session_request") == []


def test_the_provider_refusing_or_the_person_cancelling_is_explained(client, provider):
    authorize = start(client)
    browser = requests.Session()
    page = browser.get(authorize, timeout=10)  # the provider's log-in page
    url = urljoin(page.url, page.text.split('href="')[1].split('"')[0].replace("&amp;", "&"))
    while not url.startswith("http://localhost"):  # "[ Cancel ]", then back to Lotsen
        url = urljoin(url, browser.get(url, allow_redirects=False, timeout=10).headers["Location"])
    assert query(url)["error"] == "access_denied"
    client.get(url)
    assert "avbröts eller nekades" in flashed(client)
    assert logged_in_as(client) is None


def test_a_response_naming_another_issuer_is_refused(client, provider):
    UserFactory(email=KARIN)
    callback = provider.log_in(requests.Session(), start(client), "karin")
    forged = callback.replace("iss=", "iss=https%3A%2F%2Fevil.example&x=")
    client.get(forged)
    assert "gick inte att slutföra" in flashed(client)
    assert logged_in_as(client) is None


def test_a_discovery_document_for_another_issuer_is_refused(app, client, provider):
    # The provider answers at localhost too, but calls itself 127.0.0.1: not the one configured.
    enable_sso(app, provider, OIDC_ISSUER=provider.issuer.replace("127.0.0.1", "localhost"))
    response = client.get("/konto/sso")
    assert response.status_code == 302 and response.location == "/konto/logga-in"
    assert "gick inte att slutföra" in flashed(client)


def test_a_provider_that_cannot_be_reached_is_explained(client, provider):
    provider.stop()
    response = client.get("/konto/sso")
    assert response.status_code == 302 and response.location == "/konto/logga-in"
    assert "Kommunens inloggning svarar inte just nu." in flashed(client)


def test_claims_only_in_userinfo_are_fetched_when_configured(app, client, start_oidc_provider):  # noqa: F811
    strict = start_oidc_provider("http://localhost", conform=True)
    enable_sso(app, strict, OIDC_ROLE_MAP=ROLE_MAP)
    UserFactory(email=KARIN)
    sso_log_in(client, strict)  # the ID token holds no e-mail: no account can be found
    assert "ingen bekräftad e-postadress" in flashed(client)

    enable_sso(app, strict, OIDC_ROLE_MAP=ROLE_MAP, OIDC_FETCH_USERINFO=True)
    sso_log_in(client, strict)
    assert logged_in_as(client)
    assert db.session.scalar(select(User).where(User.email == KARIN)).roles == {
        Role.COORDINATOR,
        Role.OFFICIAL,
    }


def test_the_single_sign_on_steps_are_rate_limited_per_address(app, client):
    # Every step costs calls to the provider (here one that is down): the log-in limit applies.
    app.config.update(
        OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="lotsen", LOGIN_RATE_LIMIT="2 per minute"
    )
    oidc.install(app)
    assert [client.get("/konto/sso").status_code for _ in range(3)] == [302, 302, 429]
    statuses = [client.get("/konto/sso/callback?code=x&state=y").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
