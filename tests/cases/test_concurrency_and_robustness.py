import logging
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from lotsen.triage.saved_filters import FILTER_KEYS
from tests.cases.helpers import open_case_directly, question, status_path_in
from tests.factories import CategoryFactory

SUBMISSIONS = 50


@pytest.mark.commits  # ten threads submit at once
def test_fifty_parallel_submissions_get_fifty_distinct_numbers_and_mails(app):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "1000 per minute"
    category = SimpleNamespace(id=CategoryFactory().id)  # plain values: threads share no ORM state

    def submit(n: int) -> int:
        client = app.test_client()
        data = question(category, submitter_email=f"agare{n}@foretag.example", subject=f"Fråga {n}")
        return client.submit("/fraga", data).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(submit, range(SUBMISSIONS)))
    assert statuses == [302] * SUBMISSIONS
    db.session.rollback()  # end the test's read snapshot, to see what the requests wrote
    numbers = db.session.scalars(select(Case.number)).all()
    assert len(numbers) == SUBMISSIONS == len(set(numbers))
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, SUBMISSIONS + 1))
    recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
    assert sorted(recipients) == sorted(f"agare{n}@foretag.example" for n in range(SUBMISSIONS))


form_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300
) | st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "556012-5790", "<script>"])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "org_number",
                "company_name",
                "submitter_name",
                "submitter_email",
                "submitter_phone",
                "preferred_contact",
                "category",
                "subject",
                "description",
                "privacy_acknowledged",
                "kept_uploads",
                "homepage",
            ]
        ),
        form_text,
    )
)
def test_fuzzed_public_form_input_never_crashes(app, client, fields):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "100000 per minute"
    response = client.submit("/fraga", fields)
    assert response.status_code in (200, 302), response.status_code


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(token=st.text(max_size=120), query=form_text)
def test_fuzzed_status_links_and_list_queries_never_crash(app, client, token, query):
    assert client.get("/status/" + token.replace("/", "").replace("?", "")).status_code in (
        200,
        301,
        308,
        404,
    )
    # Anonymous: the case list sends every visitor to log in, whatever the query.
    response = client.get("/arenden/", query_string={"q": query, "after": query})
    assert response.status_code == 302
    assert response.location.startswith("/konto/logga-in")


# The saved filters' keys, plus what the list reads besides them.
CASE_LIST_ARGUMENTS = [*FILTER_KEYS, "sq", "page_size", "after"]


@pytest.fixture
def official_client(app, client, login):
    """A logged-in official, with a case on the list so that the list has rows to filter."""
    app.config["PERSONAL_NUMBER_SEARCH_RATE_LIMIT"] = "100000 per minute"
    login(Role.OFFICIAL)
    open_case_directly(CategoryFactory(), org_number="556012-5790")
    return client


def assert_the_official_got_the_case_list(response) -> None:
    """The list itself (200), or a redirect to it (a search holding a personnummer is moved to
    the server): never the log-in page, never a server error (which TESTING raises)."""
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert response.location.startswith("/arenden/"), response.location
    else:
        page = response.get_data(as_text=True)
        assert "<h1>Ärenden</h1>" in page, page[:300]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    arguments=st.dictionaries(st.sampled_from(CASE_LIST_ARGUMENTS), form_text, max_size=6),
    method=st.sampled_from(["GET", "POST"]),
)
def test_fuzzed_case_list_filters_and_searches_of_an_official_never_crash(
    app, official_client, arguments, method
):
    if method == "GET":
        response = official_client.get("/arenden/", query_string=arguments)
    else:
        response = official_client.submit("/arenden/", arguments)
    assert_the_official_got_the_case_list(response)


def test_status_tokens_never_reach_the_logs(app, client, caplog):
    from werkzeug.serving import WSGIRequestHandler  # noqa: F401  (the dev server's logger)

    category = CategoryFactory()
    caplog.set_level(logging.INFO)
    client.submit("/fraga", question(category))
    mail = db.session.scalars(select(OutboxMessage)).one()
    path = status_path_in(mail.body_text)
    token = path.rsplit("/", 1)[1]
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET %s HTTP/1.1" 200 -', path)
    app.logger.warning("Visited %s", path)
    client.get(path)
    assert caplog.records, "expected log records"
    assert all(token not in record.getMessage() for record in caplog.records)
    assert any("/status/[dold]" in record.getMessage() for record in caplog.records)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
