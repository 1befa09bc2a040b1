"""Every state-changing request without a valid CSRF token is refused."""

from lotsen.accounts.models import Role
from tests.core.test_access import endpoint_requests, needs_a_token

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def test_state_changing_requests_without_token_are_refused(app, client, login):
    login(Role.ADMIN, Role.COORDINATOR, Role.MANAGER, Role.OFFICIAL)
    checked = []
    for endpoint, method, url in endpoint_requests(app):
        if method not in STATE_CHANGING:
            continue
        response = client.open(url, method=method, data={"name": "x", "email": "a@b.se"})
        if needs_a_token(app, endpoint):
            # The API takes no cookie: a logged-in browser is not authenticated there, so there
            # is nothing to forge (a bearer token is not sent by the browser on its own).
            assert response.status_code == 401, (endpoint, method, response.status_code)
            continue
        assert response.status_code == 400, (endpoint, method, response.status_code)
        assert "Begäran kunde inte behandlas" in response.get_data(as_text=True)
        checked.append(endpoint)
    assert "accounts.login" in checked and "admin.create_user" in checked


def test_a_forged_token_is_refused(app, client, login):
    login(Role.ADMIN)
    response = client.post(
        "/admin/kategorier/ny", data={"csrf_token": "forged", "name": "Ny", "sort_order": "1"}
    )
    assert response.status_code == 400


def test_login_without_token_is_refused_even_with_right_password(client):
    from tests.factories import TEST_PASSWORD, UserFactory

    user = UserFactory()
    response = client.post("/konto/logga-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
