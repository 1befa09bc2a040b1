"""Single sign-on in Chromium against a real OpenID provider (node oidc-provider on localhost):
log in through the provider's pages, land in Lotsen with the role of the group claim, log out
at Lotsen and the provider; the break-glass administrator's password log-in. axe checks our
pages (the provider's development pages are not ours)."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lotsen.accounts.models import Role, UserIdentity
from lotsen.extensions import db
from tests.browser.helpers import LOGIN_PATH
from tests.factories import TEST_PASSWORD, UserFactory
from tests.sso.oidc_provider import (
    ACCOUNTS,
    ROLE_MAP,
    enable_sso,
    start_oidc_provider,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.browser

BREAK_GLASS = "nodkonto@kommun.example"
SSO_BUTTON = "Logga in med kommunens konto"


def keep_off_the_internet(page: Page) -> None:
    """The provider's development pages import a web font; nothing leaves the machine."""
    page.context.route(
        re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])"), lambda r: r.abort()
    )


@pytest.fixture
def sso_app(app, live_server, start_oidc_provider):  # noqa: F811
    """Lotsen with single sign-on only (password log-in for the break-glass account), groups
    mapped to roles, and its provider."""
    provider = start_oidc_provider(live_server.url)
    enable_sso(
        app,
        provider,
        OIDC_ROLE_MAP=ROLE_MAP,
        PASSWORD_LOGIN_ENABLED=False,
        BREAK_GLASS_ACCOUNTS=[BREAK_GLASS],
    )
    return provider


def log_in_at_the_provider(page: Page, login: str) -> None:
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("valfritt lösenord")
    page.locator('input[name="password"]').press("Enter")


def test_an_official_logs_in_and_out_with_the_municipality_account(
    app, live_server, page: Page, axe, sso_app
):
    provider = sso_app
    karin = UserFactory(email=ACCOUNTS["karin"]["email"], name="Karin Lindqvist")
    keep_off_the_internet(page)

    page.goto(live_server(LOGIN_PATH + "?next=/arenden/"))
    sso_button = page.get_by_role("link", name=SSO_BUTTON)
    expect(sso_button).to_be_visible()
    expect(page.get_by_text("Inloggning med lösenord är avstängd")).to_be_visible()
    expect(page.locator("#password")).to_be_hidden()  # folded away as the break-glass log-in
    axe(page)

    sso_button.click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    log_in_at_the_provider(page, "karin")

    expect(page.locator(".user-menu summary")).to_have_text("Karin Lindqvist")
    expect(page).to_have_url(live_server("/arenden/"))
    # The coordinators' group gave the coordinator's role: the triage queue is in the menu.
    expect(page.get_by_role("link", name=re.compile("^Fördelning"))).to_be_visible()
    axe(page)
    db.session.rollback()
    assert karin.roles == {Role.COORDINATOR, Role.OFFICIAL}
    page.locator(".user-menu summary").click()
    expect(page.get_by_role("link", name="Byt lösenord")).to_have_count(0)

    page.get_by_role("button", name="Logga ut").click()
    # The provider's end-session endpoint asks whether to log out there too.
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(live_server(LOGIN_PATH))
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    axe(page)
    (request,) = provider.named("end_session_request")
    assert request["id_token_hint"] is True
    assert request["post_logout_redirect_uri"] == live_server("/konto/sso/utloggad")
    assert provider.named("end_session") == [{"event": "end_session"}]
    db.session.rollback()
    assert db.session.scalar(select(UserIdentity.id_token)) is None

    # Lotsen's session is gone …
    page.goto(live_server("/arenden/"))
    expect(page).to_have_url(re.compile(re.escape(live_server(LOGIN_PATH))))
    # … and the provider's: the next log-in asks for the password there again.
    page.get_by_role("link", name=SSO_BUTTON).click()
    expect(page.locator('input[name="login"]')).to_be_visible()


def test_the_break_glass_admin_logs_in_with_a_password_and_others_cannot(
    app, live_server, page: Page, axe, sso_app
):
    UserFactory(email=BREAK_GLASS, name="Nödkonto Admin", roles=[Role.ADMIN])
    official = UserFactory(email="erik.johansson@kommun.example")
    page.goto(live_server(LOGIN_PATH))

    page.get_by_text("Nödinloggning för administratör").click()
    page.locator("#email").fill(official.email)
    page.locator("#password").fill(TEST_PASSWORD)
    page.locator("#password").press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#password-errors")).to_contain_text("Fel e-postadress eller lösenord.")
    axe(page)  # the unfolded form with its errors

    page.locator("#email").fill(BREAK_GLASS)
    page.locator("#password").fill(TEST_PASSWORD)
    page.locator("#password").press("Enter")
    expect(page.locator(".user-menu summary")).to_have_text("Nödkonto Admin")
