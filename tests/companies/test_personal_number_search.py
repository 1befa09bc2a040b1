"""Searching the registry by personnummer: the hidden digits of a masked number cannot be found
by guessing, a full-number search is audited and rate-limited for non-admins, and the number
never lands in a URL, the session cookie or a log."""

import logging
import re

import pytest
from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.extensions import db
from tests.companies.helpers import (
    PERSONAL_DIGITS,
    PERSONAL_MASKED,
    PERSONAL_NUMBER,
    luhn_digit,
    make_company,
)
from tests.factories import TEST_PASSWORD, UserFactory

NAME = "Salong Hårfint"
PERSONAL_FORMS = (PERSONAL_DIGITS, PERSONAL_NUMBER, PERSONAL_DIGITS[2:], "810101-1230")


def assert_no_personnummer(text: str) -> None:
    for form in PERSONAL_FORMS:
        assert form not in text


@pytest.fixture
def sole_trader(app):
    company = make_company(org_number=PERSONAL_NUMBER, name=NAME, town="Alingsås")
    db.session.commit()
    return company


def search(client, q: str):
    """Search as the search box does (POST, then the redirect) and return the final page (or
    the refusal: 429 with the reason and no companies)."""
    response = client.submit("/foretag/", {"q": q}, page_url="/foretag/")
    if response.status_code == 429:
        return response
    assert response.status_code == 302
    assert_no_personnummer(response.headers["Location"])
    return client.get(response.headers["Location"])


def found(page) -> bool:
    return f">{NAME}</a>" in page.get_data(as_text=True)


def session_contents(app, client) -> str:
    cookie = client.get_cookie("session")
    serializer = app.session_interface.get_signing_serializer(app)
    return str(serializer.loads(cookie.value)) if cookie else ""


def searches_audited() -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "company.personal_number_searched")
        )
    )


def candidates() -> list[str]:
    """Every valid personnummer that 19810101-XXXX could hide (the last digit is a check
    digit: a thousand numbers)."""
    return [
        f"19810101-{three}{luhn_digit('810101' + three)}"
        for three in (f"{n:03d}" for n in range(1000))
    ]


def test_the_thousand_guesses_do_not_recover_the_hidden_digits(app, client, login, sole_trader):
    app.config["PERSONAL_NUMBER_SEARCH_RATE_LIMIT"] = "5 per day"
    login(Role.OFFICIAL)
    guesses = candidates()
    assert PERSONAL_NUMBER in guesses and guesses.index(PERSONAL_NUMBER) > 5
    refused = 0
    for guess in guesses[: guesses.index(PERSONAL_NUMBER) + 1]:
        page = search(client, guess)
        assert not found(page), guess
        refused += "Du har sökt på många personnummer" in page.get_data(as_text=True)
    assert refused == guesses.index(PERSONAL_NUMBER) + 1 - 5


@pytest.mark.parametrize(
    "q",
    [
        "19810101",
        "198101011",
        "1981010112",
        "19810101123",
        "19810101-1",
        "19810101-12",
        "19810101-123",
        "810101-123",
        "8101011",
        "810101123",
        "19810101-1231",  # wrong check digit: not a personnummer, so a prefix of one
        "Salong 19810101",
        "1981-01-01",
    ],
)
def test_part_of_a_personnummer_confirms_nothing_to_officials(client, login, sole_trader, q):
    login(Role.OFFICIAL)
    assert not found(search(client, q))
    assert not found(client.get("/foretag/", query_string={"q": q}))


def test_a_full_personnummer_search_is_audited_with_the_number_masked(
    app, client, login, sole_trader, caplog
):
    official = login(Role.OFFICIAL)
    with caplog.at_level(logging.DEBUG):
        page = search(client, PERSONAL_NUMBER)
    assert found(page)
    [audit] = searches_audited()
    assert audit.actor_id == official.id
    assert PERSONAL_MASKED in audit.summary
    assert audit.changes["company_ids"] == [sole_trader.id]
    assert_no_personnummer(audit.summary + str(audit.changes))
    assert_no_personnummer(caplog.text)
    # Paging and exporting the same search is not a new search.
    export = re.search(r'href="(/foretag/export\.csv[^"]*)"', page.get_data(as_text=True))
    assert NAME in client.get(export.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(searches_audited()) == 1


def test_the_personnummer_is_kept_out_of_the_session_cookie(app, client, login, sole_trader):
    login(Role.OFFICIAL)
    assert found(search(client, PERSONAL_NUMBER))
    assert_no_personnummer(session_contents(app, client))
    assert found(client.get(f"/foretag/?q={PERSONAL_DIGITS}", follow_redirects=True))
    assert_no_personnummer(session_contents(app, client))


def test_a_search_link_works_only_for_the_official_who_searched(app, client, login, sole_trader):
    make_company(name="Annat AB")
    db.session.commit()
    login(Role.OFFICIAL)
    response = client.submit("/foretag/", {"q": PERSONAL_NUMBER}, page_url="/foretag/")
    location = response.headers["Location"]
    assert "Annat AB" not in client.get(location).get_data(as_text=True)
    colleague = app.test_client()
    other = UserFactory(roles=[Role.OFFICIAL])
    colleague.submit("/konto/logga-in", {"email": other.email, "password": TEST_PASSWORD})
    page = colleague.get(location)
    # The colleague gets the whole list: the search is not theirs to see.
    assert page.status_code == 200 and "Annat AB" in page.get_data(as_text=True)
    assert_no_personnummer(page.get_data(as_text=True))


def test_personnummer_searches_are_rate_limited_per_official(app, client, login, sole_trader):
    app.config["PERSONAL_NUMBER_SEARCH_RATE_LIMIT"] = "2 per day"
    login(Role.OFFICIAL)
    assert found(search(client, PERSONAL_NUMBER))
    assert found(search(client, PERSONAL_DIGITS))
    refused = search(client, PERSONAL_NUMBER)
    assert not found(refused)
    assert "Du har sökt på många personnummer" in refused.get_data(as_text=True)
    # A name search still works.
    assert found(search(client, "hårfint"))


def test_admins_search_personnummer_without_limit_or_audit(app, client, login, sole_trader):
    app.config["PERSONAL_NUMBER_SEARCH_RATE_LIMIT"] = "1 per day"
    login(Role.ADMIN)
    for _ in range(3):
        assert found(search(client, PERSONAL_NUMBER))
    assert searches_audited() == []


def test_the_merge_form_does_not_confirm_personnummer_either(app, client, login, sole_trader):
    app.config["PERSONAL_NUMBER_SEARCH_RATE_LIMIT"] = "1 per day"
    keep = make_company(name="Hårfint AB")
    db.session.commit()
    login(Role.COORDINATOR)
    url = f"/foretag/{keep.id}/sammanfoga"
    first = client.submit(url, {"other": PERSONAL_NUMBER}).get_data(as_text=True)
    assert NAME in first and PERSONAL_MASKED in first
    second = client.submit(url, {"other": PERSONAL_NUMBER}).get_data(as_text=True)
    assert NAME not in second and "Du har sökt på många personnummer" in second


def test_the_visit_form_does_not_confirm_personnummer_either(app, client, login, sole_trader):
    app.config["PERSONAL_NUMBER_SEARCH_RATE_LIMIT"] = "1 per day"
    login(Role.OFFICIAL)
    fields = {"org_number": "19810101-0059", "starts_at": "2026-09-01T09:30", "purpose": "Dialog"}
    first = client.submit("/besok/nytt", fields).get_data(as_text=True)
    assert "Det finns inget företag med det organisationsnumret." in first
    [audit] = searches_audited()
    assert "19810101-XXXX" in audit.summary and audit.changes["company_ids"] == []
    second = client.submit("/besok/nytt", {**fields, "org_number": PERSONAL_NUMBER})
    text = second.get_data(as_text=True)
    assert "Du har sökt på många personnummer" in text
    assert second.status_code == 200 and NAME not in text
