"""A sole trader's personnummer on cases: masked in the edit form for everyone but admins, and
a case search for one kept out of URLs, the session cookie and the case's event log."""

import re

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.cases.models import Case, CaseEvent
from lotsen.extensions import db
from tests.cases.helpers import open_case_directly
from tests.companies.helpers import PERSONAL_DIGITS, PERSONAL_MASKED, PERSONAL_NUMBER, make_company
from tests.factories import CategoryFactory

PERSONAL_FORMS = (PERSONAL_DIGITS, PERSONAL_NUMBER, PERSONAL_DIGITS[2:], "810101-1230")
OTHER_PERSONAL_NUMBER = "19790315-2382"


def assert_no_personnummer(text: str) -> None:
    for form in PERSONAL_FORMS:
        assert form not in text


def sole_trader_case():
    case, _token = open_case_directly(
        CategoryFactory(), org_number=PERSONAL_DIGITS, company_name="Salong Hårfint"
    )
    return case


def edit_form_values(page: str) -> dict:
    values = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    values.update(category=re.search(r'<option selected value="(\d+)"', page).group(1))
    values.update(channel="web", preferred_contact="email")
    return values


def stored_org_number(case) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(Case.org_number).where(Case.id == case.id))


def test_the_case_edit_form_masks_a_personnummer_for_officials(client, login, app):
    case = sole_trader_case()
    login(Role.OFFICIAL)
    page = client.get(f"/arenden/{case.id}/redigera").get_data(as_text=True)
    assert f'value="{PERSONAL_MASKED}"' in page
    assert_no_personnummer(page)


def test_saving_the_masked_form_keeps_the_number(client, login, app):
    case = sole_trader_case()
    login(Role.OFFICIAL)
    page = client.get(f"/arenden/{case.id}/redigera").get_data(as_text=True)
    values = edit_form_values(page)
    assert values["org_number"] == PERSONAL_MASKED
    response = client.submit(f"/arenden/{case.id}/redigera", {**values, "subject": "Ny rubrik"})
    assert response.status_code == 302
    assert stored_org_number(case) == PERSONAL_DIGITS


def test_a_form_that_fails_validation_stays_masked(client, login, app):
    case = sole_trader_case()
    login(Role.OFFICIAL)
    values = edit_form_values(client.get(f"/arenden/{case.id}/redigera").get_data(as_text=True))
    page = client.submit(f"/arenden/{case.id}/redigera", {**values, "subject": ""})
    assert page.status_code == 200
    assert f'value="{PERSONAL_MASKED}"' in page.get_data(as_text=True)
    assert_no_personnummer(page.get_data(as_text=True))


def test_an_official_may_still_correct_the_number(client, login, app):
    case = sole_trader_case()
    login(Role.OFFICIAL)
    values = edit_form_values(client.get(f"/arenden/{case.id}/redigera").get_data(as_text=True))
    response = client.submit(
        f"/arenden/{case.id}/redigera", {**values, "org_number": OTHER_PERSONAL_NUMBER}
    )
    assert response.status_code == 302
    assert stored_org_number(case) == "197903152382"
    details = db.session.scalars(
        select(CaseEvent.details).where(CaseEvent.case_id == case.id, CaseEvent.kind == "edited")
    ).one()
    assert details["org_number"] == [PERSONAL_MASKED, "19790315-XXXX"]


def test_admins_see_the_full_number_in_the_edit_form(client, login, app):
    case = sole_trader_case()
    login(Role.ADMIN, Role.OFFICIAL)
    page = client.get(f"/arenden/{case.id}/redigera").get_data(as_text=True)
    assert PERSONAL_DIGITS in page or PERSONAL_NUMBER in page


def test_no_page_of_the_case_or_its_company_shows_the_personnummer(client, login, app):
    company = make_company(org_number=PERSONAL_NUMBER, name="Salong Hårfint")
    db.session.commit()
    case = sole_trader_case()
    login(Role.OFFICIAL)
    for url in (
        f"/arenden/{case.id}",
        f"/arenden/{case.id}/redigera",
        "/arenden/",
        f"/foretag/{company.id}",
        f"/foretag/{company.id}/andra",
        "/foretag/",
        "/foretag/export.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_personnummer(response.get_data(as_text=True))


def search_cases(client, q: str):
    response = client.submit("/arenden/", {"q": q, "status": "all"}, page_url="/arenden/")
    assert response.status_code == 302
    return response


def test_a_case_search_for_a_personnummer_keeps_it_out_of_url_and_cookie(client, login, app):
    case = sole_trader_case()
    official = login(Role.OFFICIAL)
    response = search_cases(client, PERSONAL_NUMBER)
    location = response.headers["Location"]
    assert_no_personnummer(location)
    assert "sq=" in location
    page = client.get(location).get_data(as_text=True)
    assert case.number in page
    cookie = client.get_cookie("session")
    serializer = app.session_interface.get_signing_serializer(app)
    assert_no_personnummer(str(serializer.loads(cookie.value)))
    [audit] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "company.personal_number_searched")
    ).all()
    assert audit.actor_id == official.id and PERSONAL_MASKED in audit.summary


def test_a_personnummer_typed_into_the_case_list_url_is_moved_to_the_server(client, login, app):
    case = sole_trader_case()
    login(Role.OFFICIAL)
    response = client.get(f"/arenden/?q={PERSONAL_DIGITS}&status=all")
    assert response.status_code == 302
    assert_no_personnummer(response.headers["Location"])
    assert case.number in client.get(response.headers["Location"]).get_data(as_text=True)


def test_case_searches_for_personnummer_are_rate_limited(client, login, app):
    app.config["PERSONAL_NUMBER_SEARCH_RATE_LIMIT"] = "1 per day"
    case = sole_trader_case()
    login(Role.OFFICIAL)
    assert case.number in client.get(search_cases(client, PERSONAL_NUMBER).location).get_data(
        as_text=True
    )
    refused = search_cases(client, PERSONAL_NUMBER).location
    assert "sq=" not in refused and "q=" not in refused  # no search was made
    assert "Du har sökt på många personnummer" in client.get(refused).get_data(as_text=True)
