"""What every API request meets: bearer tokens only, no session, problem+json, the document."""

import pytest

from lotsen.accounts.models import Role
from lotsen.api import tokens
from tests.api.helpers import bearer, issue

API_ENDPOINTS_PREFIX = "api."


def api_rules(app):
    return [
        rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(API_ENDPOINTS_PREFIX)
    ]


def test_every_api_view_declares_a_known_scope(app):
    rules = api_rules(app)
    assert len(rules) >= 12
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        assert view.bearer_token_only is True
        view_class = getattr(view, "view_class", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            handler = getattr(view_class, method.lower()) if view_class else view
            assert handler.api_scope in tokens.SCOPES, (rule.endpoint, method)


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer lotsen_" + "x" * 43]
)
def test_without_a_valid_token_every_operation_answers_401_problem(app, client, header):
    headers = {"Authorization": header} if header else {}
    for rule in api_rules(app):
        url = rule.rule.replace("<int:case_id>", "1").replace("<int:company_id>", "1")
        url = url.replace("<int:visit_id>", "1")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, headers=headers, json={})
            assert response.status_code == 401, (method, url)
            assert response.mimetype == "application/problem+json"
            assert response.headers["WWW-Authenticate"].startswith('Bearer realm="Lotsen API"')
            assert "Set-Cookie" not in response.headers


def test_a_logged_in_browser_session_does_not_reach_the_api(app, client, login):
    login(Role.COORDINATOR, Role.MANAGER, Role.ADMIN)
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_no_csrf_token_is_needed_and_no_cookie_is_set(app, client):
    secret, _token = issue(["companies:write", "companies:read"], roles=[Role.OFFICIAL])
    response = client.post(
        "/api/v1/companies",
        json={"org_number": "556012-5790", "name": "Ett AB"},
        headers=bearer(secret),
    )
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_expired_and_revoked_tokens_answer_401(app, client):
    secret, token = issue(["cases:read"])
    tokens.revoke_token(None, token)
    from lotsen.extensions import db

    db.session.commit()
    response = client.get("/api/v1/cases", headers=bearer(secret))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_unknown_paths_methods_and_bodies_are_problems(app, client):
    secret, _token = issue()
    missing = client.get("/api/v1/nothing-here", headers=bearer(secret))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.get_json()["title"] == "Not Found"
    wrong_method = client.delete("/api/v1/cases", headers=bearer(secret))
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    assert wrong_method.mimetype == "application/problem+json"
    broken = client.post(
        "/api/v1/cases", data="{not json", content_type="application/json", headers=bearer(secret)
    )
    assert broken.status_code in (400, 422) and broken.mimetype == "application/problem+json"
    huge_id = client.get("/api/v1/cases/99999999999", headers=bearer(secret))
    assert huge_id.status_code == 404
    nul = client.post(
        "/api/v1/companies",
        json={"org_number": "556012-5790", "name": "A\x00B"},
        headers=bearer(secret),
    )
    assert nul.status_code == 201 and nul.get_json()["name"] == "AB"


def test_the_openapi_document_is_public_and_31(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/cases/{case_id}/status" in document["paths"]
    create = document["paths"]["/api/v1/cases"]["post"]
    assert create["security"] == [{"bearerAuth": ["cases:create"]}]
    assert "GetCase" in create["responses"]["201"]["links"]
    problem = document["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert "application/problem+json" in problem


def test_the_reference_page_lists_every_operation(app, client):
    response = client.get("/integrationer/api")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for path in ("/api/v1/cases", "/api/v1/companies/{company_id}", "/api/v1/survey/results"):
        assert path in page
    assert "cases:create" in page and "CaseCreate" in page
    assert "cdn" not in page.lower()
