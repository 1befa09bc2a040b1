"""The admin's API-token pages: create (the secret shown once), list, revoke; admins only."""

import re

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.api.models import ApiToken
from lotsen.extensions import db
from tests.factories import UserFactory


def form(account, **overrides):
    data = {
        "name": "E-tjänsteplattformen",
        "account": str(account.id),
        "scopes": ["cases:create", "cases:read"],
        "lifetime_days": "90",
    }
    data.update(overrides)
    return data


def test_an_admin_creates_a_token_and_sees_the_secret_once(app, client, login):
    login(Role.ADMIN)
    account = UserFactory(roles=[Role.COORDINATOR], name="Integrationskonto")
    response = client.submit("/admin/api-nycklar/ny", form(account))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = re.search(r'id="secret">(lotsen_[A-Za-z0-9_\-]+)<', page).group(1)
    assert "Set-Cookie" not in response.headers or secret not in response.headers["Set-Cookie"]
    token = db.session.scalars(select(ApiToken)).one()
    assert token.scopes == ["cases:create", "cases:read"] and token.account_id == account.id
    listing = client.get("/admin/api-nycklar/").get_data(as_text=True)
    assert "E-tjänsteplattformen" in listing and token.token_prefix in listing
    assert secret not in listing and "Aldrig" in listing
    detail = client.get(f"/admin/api-nycklar/{token.id}").get_data(as_text=True)
    assert secret not in detail and "Integrationskonto" in detail
    used = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"})
    assert used.status_code == 200
    assert "Aldrig" not in client.get("/admin/api-nycklar/").get_data(as_text=True)


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(app, client, login):
    login(Role.ADMIN)
    official = UserFactory(roles=[Role.OFFICIAL])
    response = client.submit(
        "/admin/api-nycklar/ny",
        form(official, scopes=["companies:read", "companies:personal"]),
        page_url="/admin/api-nycklar/ny",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "E-tjänsteplattformen" in page
    assert "en administratör" in page
    assert db.session.scalars(select(ApiToken)).first() is None


def test_revoking_stops_the_token_at_once(app, client, login):
    login(Role.ADMIN)
    account = UserFactory(roles=[Role.COORDINATOR])
    page = client.submit("/admin/api-nycklar/ny", form(account)).get_data(as_text=True)
    secret = re.search(r'id="secret">(lotsen_[A-Za-z0-9_\-]+)<', page).group(1)
    token = db.session.scalars(select(ApiToken)).one()
    response = client.submit(
        f"/admin/api-nycklar/{token.id}/aterkalla", page_url=f"/admin/api-nycklar/{token.id}"
    )
    assert response.status_code == 302
    assert "Återkallad" in client.get(f"/admin/api-nycklar/{token.id}").get_data(as_text=True)
    assert (
        client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


def test_only_admins_reach_the_token_pages(app, client, login):
    login(Role.COORDINATOR, Role.MANAGER, Role.OFFICIAL)
    for url in ("/admin/api-nycklar/", "/admin/api-nycklar/ny"):
        assert client.get(url).status_code == 403
