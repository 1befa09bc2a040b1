"""The pathological-input corpus on every form, query parameter and route; bombs and Markdown.

Where the walk (test_walk.py) samples, these send every value of the corpus deliberately:
NUL bytes, CR/LF and line separators, huge numbers and 100 kB in every text field, CR/LF in
`next=`, forged cursors, huge numbers and invalid UTF-8 in every query parameter, huge ids in
every route; pathological Markdown in a note and on the page that shows it; zip bombs through
the public form. Anonymous and as a user
holding every role (who sees every page), on both databases.
"""

import io
import tracemalloc
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.cases.models import Attachment, Case
from lotsen.extensions import db
from tests.cases.helpers import question
from tests.factories import TEST_PASSWORD, UserFactory
from tests.security.bombs import zip_bomb
from tests.security.conftest import Login, log_in
from tests.security.inputs import PATHOLOGICAL_MARKDOWN, RAW_QUERY_VALUES
from tests.security.test_walk import form_is_safe_to_fuzz, huge_id_urls
from tests.security.walker import (
    TIME_LIMIT,
    crawl,
    placeholder_urls,
    problems_with,
    requests_sent,
    timed,
)

# Every text field gets each of these (the walk samples the whole CORPUS at random).
FIELD_VALUES = [
    "ärende\x00NUL\r\nSet-Cookie: lotsen=hijacked\u2028skiljare\u2029stycke\u0085\u202e",
    "99999999999999999999999999999999",
    "A" * 100_000,
]
# Every page gets every query parameter it might read, set to each of these at once.
QUERY_VALUES = [
    "eyJpZCI6IDEsICJrZXkiOiBbMSwgMiwgM119",  # a forged keyset cursor
    "99999999999999999999",
]
NEXT_VALUES = [
    "/\r\nLocation: https://evil.example/",
    "//evil.example/",
    "https://evil.example/%0d%0aX-Injected:%201",
    "/\x00",
    "/\u2028",
]
HUGE_ID = 2**63
# A zip bomb may cost this much memory at most while it is looked at (it unpacks to 300 MB).
BOMB_MEMORY_LIMIT = 50 * 1024 * 1024


def all_roles_login() -> Login:
    user = UserFactory(roles=list(Role), name="Vera Allroll")
    return Login(user.id, user.name, user.email, TEST_PASSWORD)


def text_fields(form) -> list[str]:
    skip = {"select", "checkbox", "radio", "file", "hidden"}
    return [each.name for each in form.fields if each.kind not in skip]


def send_corpus(app, client, login) -> list[str]:
    me = login.name if login else None
    site = crawl(app, client, ["/", *placeholder_urls(app)], per_endpoint=1)
    outcomes = list(site.outcomes)
    forms = [form for form in site.forms.values() if form_is_safe_to_fuzz(app, form, login)]
    for form in forms:
        fields = text_fields(form)
        if not fields:
            continue
        for value in FIELD_VALUES:
            data = form.valid_values() | dict.fromkeys(fields, value)
            outcomes.append(timed(client, form.method, form.action, data=data))
    names = sorted(site.query_names)
    for urls in site.urls.values():
        page = urls[0].split("?")[0]
        for value in QUERY_VALUES:
            query = urlencode(dict.fromkeys(names, value))
            outcomes.append(timed(client, "GET", f"{page}?{query}"))
        raw = "&".join(f"{name}={RAW_QUERY_VALUES[i % 6]}" for i, name in enumerate(names))
        outcomes.append(timed(client, "GET", f"{page}?{raw}"))
    for value in NEXT_VALUES:
        outcomes.append(timed(client, "GET", "/konto/logga-in?" + urlencode({"next": value})))
    token = next(f.value for f in forms[0].fields if f.name == "csrf_token")
    for method, url in huge_id_urls(app, HUGE_ID):
        outcomes.append(timed(client, method, url, data={"csrf_token": token}))
    problems = [problem for outcome in outcomes for problem in problems_with(outcome, me)]
    for outcome in outcomes:
        location = outcome.location
        if "evil.example" in location or "\r" in location or "\n" in location:
            problems.append(f"{outcome.method} {outcome.url[:120]!r}: redirects to {location!r}")
    return [f"[{me or 'anonymous'}] {problem}" for problem in problems]


def test_pathological_corpus_on_every_form_query_parameter_and_route(app, world):
    problems = send_corpus(app, log_in(app, None), None)
    login = all_roles_login()
    problems += send_corpus(app, log_in(app, login), login)
    print(f"\nrequests sent so far in this process: {requests_sent['count']}")
    assert not problems, "\n".join(dict.fromkeys(problems))


@pytest.mark.parametrize("member", ["mimetype", "[Content_Types].xml"])
def test_a_zip_bomb_through_the_public_form_costs_bounded_time_and_memory(app, client, member):
    from tests.factories import CategoryFactory

    category = CategoryFactory()
    bomb = zip_bomb(member, megabytes=300)
    data = question(category, submitter_email="bomb@foretag.example")
    data["attachments"] = [(io.BytesIO(bomb), "offert.odt")]
    data["csrf_token"] = client.csrf_token("/fraga")  # the page view also compiles templates
    tracemalloc.start()
    try:
        outcome = timed(client, "POST", "/fraga", data=data, content_type="multipart/form-data")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.status == 200, outcome.text[:200]  # the form again, the file refused
    assert outcome.elapsed < TIME_LIMIT, f"took {outcome.elapsed:.2f} s"
    assert peak < BOMB_MEMORY_LIMIT, f"peak {peak / 2**20:.0f} MB while the bomb was checked"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_pathological_markdown_is_refused_or_rendered_in_bounded_time(app, world):
    client = log_in(app, all_roles_login())
    case_id = db.session.scalars(select(Case.id).order_by(Case.id)).first()
    page = f"/arenden/{case_id}"
    token = client.csrf_token(page)
    for body in PATHOLOGICAL_MARKDOWN:
        sent = timed(
            client, "POST", f"{page}/anteckning", data={"csrf_token": token, "note-body": body}
        )
        assert sent.status < 500 and sent.elapsed < TIME_LIMIT, (
            body[:40],
            sent.status,
            sent.elapsed,
        )
        shown = timed(client, "GET", page)
        assert shown.status == 200 and shown.elapsed < TIME_LIMIT, (body[:40], shown.elapsed)
