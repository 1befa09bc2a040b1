"""While the database cannot be reached every page answers a friendly 503 with Retry-After, and
the log gets one line per failure, not a traceback (issue 13, point 20)."""

import logging
import socket
import time

import pytest

from lotsen import create_app
from tests.conftest import base_test_config

SKIPPED = {"static", "reports.yearly_report_pdf"}
# The REST API answers without a page (problem+json; see the test of its own below); its OpenAPI
# document and reference page need no database at all.
API_BLUEPRINTS = ("api.", "api_reference.")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable_app(request, tmp_path):
    if request.param == "postgresql":
        url = f"postgresql://postgres@127.0.0.1:{closed_port()}/lotsen"
    else:
        url = "sqlite:///" + str(tmp_path / "no-such-directory" / "lotsen.sqlite")
    return create_app(base_test_config(url, str(tmp_path)))


def get_pages(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint not in SKIPPED
        and not rule.endpoint.startswith(API_BLUEPRINTS)
    )


def test_every_page_answers_503_with_retry_after_and_one_log_line(unreachable_app, caplog):
    client = unreachable_app.test_client()
    with client.session_transaction() as session:  # a logged-in official's cookie
        # The session id format of lotsen.accounts.sessions.session_id: id, nonce, issued, kind.
        session["_user_id"] = f"1:nonce:{int(time.time())}:s"
        session["_fresh"] = True
    caplog.set_level(logging.INFO)
    pages = get_pages(unreachable_app)
    assert len(pages) > 30
    unavailable = []
    for page in pages + ["/arenden/1", "/status/" + "a" * 43]:
        caplog.clear()
        response = client.get(page)
        if response.status_code < 500 and not caplog.records:
            continue  # a page that needs no database (a redirect to the favicon)
        assert response.status_code == 503, (page, response.status_code)
        unavailable.append(page)
        assert response.headers["Retry-After"].isdigit()
        body = response.get_data(as_text=True)
        assert "Tjänsten är tillfälligt otillgänglig" in body
        assert '<html lang="sv">' in body
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1, (page, [r.getMessage() for r in errors])
        assert errors[0].exc_info is None and "Traceback" not in caplog.text
        assert "Database unavailable" in errors[0].getMessage()
    assert len(unavailable) >= len(pages) - 2


def test_the_api_answers_503_problems_and_its_document_still_loads(unreachable_app, caplog):
    client = unreachable_app.test_client()
    token = {"Authorization": "Bearer lotsen_" + "a" * 43}
    api_pages = [
        rule.rule
        for rule in unreachable_app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and "GET" in rule.methods and not rule.arguments
    ]
    assert len(api_pages) >= 5
    for page in api_pages:
        caplog.clear()
        response = client.get(page, headers=token)
        assert response.status_code == 503, page
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"].isdigit()
        assert response.json["status"] == 503
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_public_form_and_health_check_answer_503_for_anonymous_visitors(unreachable_app):
    client = unreachable_app.test_client()
    for page in ("/healthz", "/fraga", "/"):
        response = client.get(page)
        if page == "/":
            assert response.status_code in (302, 503)
        else:
            assert response.status_code == 503, page
            assert response.headers["Retry-After"].isdigit()
    health = client.get("/healthz", headers={"Accept": "application/json"})
    assert health.status_code == 503 and health.json["status"] == 503


def test_a_failed_statement_never_logs_the_values_sent(app, caplog):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from lotsen.extensions import db

    with pytest.raises(DBAPIError) as failure:
        db.session.execute(
            text("INSERT INTO no_such_table (name) VALUES (:name)"),
            {"name": "Lina Berg lina@solrosen.example"},
        )
    db.session.rollback()
    assert "lina@solrosen.example" not in str(failure.value)
