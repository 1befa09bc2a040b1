"""Every endpoint is either explicitly public, or needs a login; role-restricted ones answer 403."""

import pytest

from lotsen.accounts.models import Role
from tests.factories import TEST_PASSWORD, UserFactory

# The only endpoints an anonymous visitor may reach. Adding one here is a conscious decision.
PUBLIC_ENDPOINTS = {
    "static",
    "accounts.login",
    "accounts.logout",
    "accounts.forgot_password",
    "accounts.reset_password",
    # Single sign-on: off to the provider, back with the code, back after its log-out (all 404
    # while it is not configured).
    "accounts.sso_login",
    "accounts.sso_callback",
    "accounts.sso_logged_out",
    "main.set_language",
    "main.health",
    "main.accessibility_statement",
    "main.favicon",
    # The business owner's side: no account needed; the status pages need a valid token.
    "public.ask",
    "public.receipt",
    "public.status",
    "public.status_attachment",
    "public.new_link",
    # The satisfaction survey after a closed case: needs a valid token; GET records nothing.
    "survey.start",
    "survey.answer",
    # The REST API's OpenAPI document and its reference page: they describe it, hold no data.
    "api_reference.openapi_json",
    "api_reference.reference_page",
}
DUMMY_ARGUMENTS = {
    "integer": 1,
    "float": 1.5,
    "default": "x",
    "string": "x",
    "path": "x",
    "uuid": "x",
}


def endpoint_requests(app):
    """(endpoint, method, url) for every rule, with placeholder values for URL arguments."""
    requests = []
    for rule in app.url_map.iter_rules():
        values = {}
        for argument, converter in rule._converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            if kind == "any":
                values[argument] = sorted(converter.items)[0]
            else:
                values[argument] = DUMMY_ARGUMENTS.get(kind, "x")
        _domain, url = rule.build(values, append_unknown=False)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            requests.append((rule.endpoint, method, url))
    return requests


def send(client, method, url, **kwargs):
    return client.open(url, method=method, **kwargs)


def needs_a_token(app, endpoint: str) -> bool:
    """The REST API's views ask for a bearer token instead of a log-in (lotsen.api): they are
    checked in tests/api/test_api_edges.py (401 problem+json without a valid token, and a
    logged-in session does not reach them)."""
    return getattr(app.view_functions[endpoint], "bearer_token_only", False)


def test_public_endpoints_are_exactly_the_allow_list(app):
    public = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "is_public", False)
    }
    assert public == PUBLIC_ENDPOINTS


def test_anonymous_visitors_are_sent_to_login_everywhere_else(app, client):
    app.config["WTF_CSRF_ENABLED"] = False  # so POSTs reach the login check
    checked = 0
    for endpoint, method, url in endpoint_requests(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = send(client, method, url)
        if needs_a_token(app, endpoint):
            assert response.status_code == 401, (endpoint, method, response.status_code)
            assert response.mimetype == "application/problem+json"
            continue
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.location.startswith("/konto/logga-in"), (endpoint, response.location)
        checked += 1
    assert checked > 10


def test_anonymous_json_clients_get_401(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    for endpoint, method, url in endpoint_requests(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = send(client, method, url, headers={"Accept": "application/json"})
        assert response.status_code == 401, (endpoint, method)
        assert response.is_json


def log_in_as(app, role):
    user = UserFactory(roles=[role])
    client = app.test_client()
    response = client.submit("/konto/logga-in", {"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", list(Role))
def test_role_restricted_endpoints_refuse_other_roles(app, role):
    client = log_in_as(app, role)
    app.config["WTF_CSRF_ENABLED"] = False
    refused = allowed = 0
    for endpoint, method, url in endpoint_requests(app):
        required = getattr(app.view_functions[endpoint], "required_roles", None)
        if not required:
            continue
        response = send(client, method, url)
        if role in required:
            assert response.status_code != 403, (endpoint, method)
            allowed += 1
        else:
            assert response.status_code == 403, (endpoint, method, response.status_code)
            assert "behörighet" in response.get_data(as_text=True)
            refused += 1
    assert refused + allowed > 0


def test_every_logged_in_role_reaches_the_start_page(app):
    for role in Role:
        client = log_in_as(app, role)
        response = client.get("/")
        assert response.status_code == 200
        assert role.label in response.get_data(as_text=True)
