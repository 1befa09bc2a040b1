"""Password log-in turned off (PASSWORD_LOGIN_ENABLED = False): officials log in with the
municipality's account, only the break-glass administrator(s) (BREAK_GLASS_ACCOUNTS) still with
a password; the log-in page says so in Swedish."""

import pytest
from sqlalchemy import select

from lotsen.accounts import oidc, services
from lotsen.accounts.models import Role
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from tests.factories import TEST_PASSWORD, UserFactory

BREAK_GLASS = "nodkonto@kommun.example"


@pytest.fixture
def password_login_off(app):
    app.config.update(
        PASSWORD_LOGIN_ENABLED=False,
        BREAK_GLASS_ACCOUNTS=["Nodkonto@Kommun.example"],
        # A provider that is never called: rendering the log-in page needs no discovery.
        OIDC_ISSUER="https://login.microsoftonline.com/3f1c2a9e-0000-4000-8000-000000000001/v2.0",
        OIDC_CLIENT_ID="lotsen",
        OIDC_CLIENT_SECRET="secret",
    )
    oidc.install(app)


def log_in(client, email, password=TEST_PASSWORD):
    return client.submit("/konto/logga-in", {"email": email, "password": password})


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


def outbox() -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage)).all()


def test_a_normal_officials_right_password_is_refused(client, password_login_off):
    official = UserFactory(email="erik@kommun.example")
    response = log_in(client, official.email)
    assert response.status_code == 200
    # The same words as any wrong password: the page does not tell which address is the
    # break-glass account.
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)
    assert not logged_in(client)


def test_the_break_glass_admin_still_logs_in_with_a_password(client, password_login_off):
    admin = UserFactory(email=BREAK_GLASS, name="Nödkonto Admin", roles=[Role.ADMIN])
    response = log_in(client, "NODKONTO@kommun.example ")
    assert response.status_code == 302
    assert logged_in(client)
    assert "Nödkonto Admin" in client.get("/").get_data(as_text=True)
    assert (
        log_in(client.application.test_client(), admin.email, "fel-lösenord-123").status_code == 200
    )


def test_the_login_page_puts_the_municipality_account_first_and_explains(
    client, password_login_off
):
    response = client.get("/konto/logga-in")
    page = response.get_data(as_text=True)
    assert "Logga in med kommunens konto" in page
    assert "Inloggning med lösenord är avstängd" in page
    # The log-out form may lead on to the provider's end-session endpoint.
    csp = response.headers["Content-Security-Policy"]
    assert "form-action 'self' https://login.microsoftonline.com;" in csp
    assert "Nödinloggning för administratör" in page
    assert page.index("Logga in med kommunens konto") < page.index('<details class="break-glass"')
    assert page.index('<details class="break-glass"') < page.index('name="password"')
    assert '<details class="break-glass" open>' not in page  # folded away until used
    failed = log_in(client, "erik@kommun.example").get_data(as_text=True)
    assert '<details class="break-glass" open>' in failed  # the error is shown, not hidden


def test_in_english_too(client, password_login_off):
    client.submit(
        "/sprak", {"language": "en", "next": "/konto/logga-in"}, page_url="/konto/logga-in"
    )
    page = client.get("/konto/logga-in").get_data(as_text=True)
    assert "Log in with the municipality's account" in page
    assert "Emergency log-in for administrators" in page


def test_with_password_log_in_on_both_ways_are_offered(app, client):
    app.config.update(OIDC_ISSUER="https://idp.kommun.example", OIDC_CLIENT_ID="lotsen")
    oidc.install(app)
    page = client.get("/konto/logga-in").get_data(as_text=True)
    assert "Eller logga in med e-post och lösenord" in page
    assert "break-glass" not in page
    official = UserFactory()
    assert log_in(client, official.email).status_code == 302


def test_reset_links_go_to_break_glass_accounts_only(app, client, password_login_off):
    official = UserFactory(email="erik@kommun.example")
    admin = UserFactory(email=BREAK_GLASS, roles=[Role.ADMIN])
    for email in (official.email, admin.email):
        client.submit("/konto/glomt-losenord", {"email": email})
    assert services.process_password_reset_requests() == 1
    assert [message.recipient for message in outbox()] == [admin.email]


def test_an_old_reset_link_of_a_normal_official_stops_working(app, client, password_login_off):
    official = UserFactory(email="erik@kommun.example")
    token = services.make_reset_token(official)
    assert client.get(f"/konto/nytt-losenord/{token}").status_code == 404


def test_new_accounts_get_no_password_mail_and_cannot_change_one(app, client, password_login_off):
    admin = UserFactory(email=BREAK_GLASS, roles=[Role.ADMIN])
    data = services.UserData(
        email="ny@kommun.example", name="Ny Person", roles={Role.OFFICIAL}, departments=[]
    )
    new = services.create_user(admin, data)
    assert outbox() == []
    with pytest.raises(services.AccountError, match="kommunens konto"):
        services.send_password_link(new)
    official = UserFactory(email="erik@kommun.example")
    with pytest.raises(services.AccountError, match="kommunens konto"):
        services.change_password(official, TEST_PASSWORD, "en helt ny fras 2026")


def test_change_password_is_offered_only_to_those_who_log_in_with_a_password(app, client):
    user = UserFactory(email="erik@kommun.example")
    log_in(client, user.email)
    assert "Byt lösenord" in client.get("/").get_data(as_text=True)
    app.config.update(PASSWORD_LOGIN_ENABLED=False, BREAK_GLASS_ACCOUNTS=[BREAK_GLASS])
    assert "Byt lösenord" not in client.get("/").get_data(as_text=True)
    app.config.update(PASSWORD_LOGIN_ENABLED=True)
    user.password_hash = None  # an account created at a single sign-on log-in
    db.session.commit()
    assert not services.has_password_login(user)
    assert "Byt lösenord" not in client.get("/").get_data(as_text=True)
