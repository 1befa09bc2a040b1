"""The URL-map tests of tests/core (access and CSRF on every route) really reach every route."""

from tests.core.test_access import PUBLIC_ENDPOINTS, endpoint_requests
from tests.core.test_csrf import STATE_CHANGING


def test_the_access_test_sends_a_request_to_every_rule_and_method(app):
    sent = {(endpoint, method) for endpoint, method, _url in endpoint_requests(app)}
    expected = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert sent == expected
    assert {endpoint for endpoint, _method in sent} == set(app.view_functions)
    assert len(endpoint_requests(app)) == sum(
        len(rule.methods - {"HEAD", "OPTIONS"}) for rule in app.url_map.iter_rules()
    )


def test_every_method_the_app_accepts_is_either_read_only_or_checked_for_csrf(app):
    methods = {method for rule in app.url_map.iter_rules() for method in rule.methods}
    assert methods <= {"GET", "HEAD", "OPTIONS"} | STATE_CHANGING


def test_every_endpoint_is_public_on_purpose_or_needs_a_login(app):
    for endpoint, view in app.view_functions.items():
        is_public = getattr(view, "is_public", False)
        assert is_public == (endpoint in PUBLIC_ENDPOINTS), endpoint


def test_only_the_rest_api_takes_a_token_instead_of_a_login(app):
    token_views = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "bearer_token_only", False)
    }
    assert token_views and all(endpoint.startswith("api.") for endpoint in token_views)
    assert token_views == {
        endpoint for endpoint in app.view_functions if endpoint.startswith("api.")
    }
    assert not token_views & PUBLIC_ENDPOINTS
