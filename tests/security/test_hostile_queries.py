"""Tampered cursors, hostile query arguments and control characters never give a 500 (issue 13,
point 14). The tests walk the URL map: every page reachable by GET without URL arguments (which
includes every list page) gets each hostile query."""

import base64
import json
import re

import pytest
from flask import render_template_string
from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.cases.models import Case
from lotsen.extensions import db
from tests.cases.helpers import open_case_directly, question
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory

EVERY_ROLE = [Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER, Role.ADMIN]
SLOW_OR_BINARY = {"reports.yearly_report_pdf", "main.favicon"}
QUERY_NAME = re.compile(r"""request\.args\.get\(\s*["'](\w+)["']""")
FIELD_NAME = re.compile(r"""<(?:input|select|textarea)[^>]*\bname="([^"]+)\"""")


def token(payload) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = [
    "!!!",
    "%00",
    "a" * 5000,
    token(["x", 1]),
    token([1, "x"]),
    token([1, 2**70]),
    token([2**70, 1]),
    token([-(2**70), 1]),
    token([{"dt": "2026-01-01T10:00:00"}, 1]),  # no time zone
    token([{"dt": "not a date"}, 1]),
    token([{"d": "2026-13-45"}, 1]),
    token([{"d": "2026-01-01"}, 1]),
    token(["2026-01-01", 1]),
    token([None, 1]),
    token([True, 1]),
    token([1.5, 1]),
    token([[1], 1]),
    token(["x\u0000y", 1]),
    token(["x", "y", 1]),
    token(["x", None, 1]),
    token([None, None, None]),
    token([{"d": "2026-01-01"}, "a", 1]),
    token([1e308, 1]),
    token({"a": 1}),
    token("[" * 5000),
]
HOSTILE_VALUES = ["1" * 23, str(2**31), str(2**63), "-1", "x", "\x00", "a\x00b", "%", "\r\nX: y"]


def list_and_plain_pages(app) -> list[str]:
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in SLOW_OR_BINARY:
            pages.append(rule.rule)
    return sorted(pages)


def query_names_in_source(app) -> set[str]:
    import pathlib

    import lotsen

    names = set()
    for path in pathlib.Path(lotsen.__file__).parent.rglob("*.py"):
        names.update(QUERY_NAME.findall(path.read_text()))
    return names


@pytest.fixture
def everything(app, client, login):
    """A user with every role, a case and a company (so the company page lists its cases)."""
    user = login(*EVERY_ROLE)
    category = CategoryFactory()
    company = make_company(name="Eks Åkeri AB")
    case, _token = open_case_directly(category, org_number=company.org_number)
    return {"user": user, "case_id": case.id, "company_id": company.id}


def failures_of(client, urls_and_queries):
    failures = []
    for url, query in urls_and_queries:
        response = client.get(url, query_string=query)
        if response.status_code >= 500:
            failures.append((url, query, response.status_code))
    return failures


def test_every_page_ignores_a_tampered_cursor(app, client, everything):
    pages = list_and_plain_pages(app) + [f"/foretag/{everything['company_id']}"]
    assert {"/arenden/", "/foretag/", "/besok/", "/delsvar/", "/lotsmoten/"} <= set(pages)
    assert {"/fordelning/", "/fordelning/notiser", "/admin/anvandare", "/admin/logg"} <= set(pages)
    requests = [(page, {"after": cursor}) for page in pages for cursor in BAD_CURSORS]
    requests += [
        ("/admin/anvandare", {"after": cursor, "sort": sort})
        for sort in ("name", "created", "email")
        for cursor in BAD_CURSORS
    ]
    requests += [
        ("/foretag/", {"after": cursor, "sort": sort})
        for sort in ("name", "town", "registered")
        for cursor in BAD_CURSORS
    ]
    requests += [
        ("/arenden/", {"after": cursor, "sort": sort, "status": "all"})
        for sort in ("received_desc", "received_asc", "updated_desc")
        for cursor in BAD_CURSORS
    ]
    assert failures_of(client, requests) == []


def test_every_query_argument_of_every_page_survives_hostile_values(app, client, everything):
    pages = list_and_plain_pages(app)
    names = query_names_in_source(app) | {"q", "after", "endpoint", "_external", "_anchor"}
    for page in pages:
        response = client.get(page)
        names.update(FIELD_NAME.findall(response.get_data(as_text=True)))
    names.discard("csrf_token")
    assert {"year", "avdelning", "category", "department", "lead"} <= names
    requests = [
        (page, {name: value for name in names}) for page in pages for value in HOSTILE_VALUES
    ]
    assert failures_of(client, requests) == []


def test_next_page_links_keep_odd_query_arguments_without_breaking(app, client, everything):
    app.config["PAGE_SIZE"] = 1
    category = CategoryFactory()
    open_case_directly(category)
    odd = {"endpoint": "x", "_external": "1", "_anchor": "y", "case_id": "3", "status": "all"}
    response = client.get("/arenden/", query_string=odd)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    next_link = re.search(r'<a href="([^"]+)" rel="next">', page).group(1)
    assert next_link.startswith("/arenden/?")
    assert "endpoint=x" in next_link and "_anchor=y" in next_link and "#" not in next_link
    second = client.get(next_link.replace("&amp;", "&"))
    assert second.status_code == 200


def test_url_with_keeps_the_page_for_any_query_on_every_page(app):
    odd = "endpoint=x&_external=1&_anchor=y&_scheme=javascript&_method=POST&after=z&a=1&a=2"
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments:
            continue
        with app.test_request_context(f"{rule.rule}?{odd}"):
            link = render_template_string("{{ url_with(after='c') }}").replace("&amp;", "&")
        path, _sep, query = link.partition("?")
        assert path == rule.rule
        assert sorted(query.split("&")) == sorted(
            ["endpoint=x", "_external=1", "_anchor=y", "_scheme=javascript", "_method=POST"]
            + ["a=1", "a=2", "after=c"]
        )


FORM_TEXT = "Hej\x00 där\x01\x1f\x7f – rad två\r\nrad\ttre"
CLEAN_TEXT = "Hej där – rad två\r\nrad\ttre"


def test_control_characters_in_the_public_form_are_stripped(app, client):
    category = CategoryFactory()
    data = question(
        category,
        submitter_name="Lina\x00 Berg",
        company_name="Café\x00 Solrosen AB",
        subject="Ute\x00servering",
        description=FORM_TEXT,
    )
    response = client.submit("/fraga", data)
    assert response.status_code == 302
    case = db.session.scalars(select(Case)).one()
    assert (case.submitter_name, case.company_name, case.subject) == (
        "Lina Berg",
        "Café Solrosen AB",
        "Uteservering",
    )


def test_control_characters_in_new_link_reply_note_and_search_are_harmless(app, client, login):
    from lotsen.cases.models import Message

    category = CategoryFactory()
    case, status_token = open_case_directly(category)
    assert client.submit("/status/ny-lank", {"email": "johan\x00@akeri.example"}).status_code in (
        200,
        302,
    )
    status_page = f"/status/{status_token}"
    reply = client.submit(status_page, {"body": FORM_TEXT})
    assert reply.status_code in (200, 302), reply.status_code
    login(Role.OFFICIAL, Role.COORDINATOR)
    case_page = f"/arenden/{case.id}"
    assert client.submit(f"{case_page}/anteckning", {"note-body": FORM_TEXT}, page_url=case_page)
    assert client.get("/arenden/", query_string={"q": "a\x00b"}).status_code == 200
    assert client.get("/foretag/", query_string={"q": "a\x00b"}).status_code == 200
    db.session.expire_all()
    bodies = db.session.scalars(select(Message.body).where(Message.case_id == case.id)).all()
    assert all("\x00" not in body for body in bodies)
    assert bodies.count(CLEAN_TEXT) >= 1


@pytest.mark.parametrize("target", ["/arenden/\r\nSet-Cookie: x=1", "/\n/evil.example", "/a\tb"])
def test_next_with_line_breaks_while_logged_in_goes_home(app, client, login, target):
    login()
    response = client.get("/konto/logga-in", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_control_characters_in_url_tokens_answer_404(app, client):
    for path in ("/status/a%00b", "/enkat/a%00b", "/konto/nytt-losenord/a%00b", "/status/%01"):
        assert client.get(path).status_code == 404
