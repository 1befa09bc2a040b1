"""Org numbers as people type them (spaces, en dashes, the VAT form) wherever one is typed."""

import pytest

from lotsen.accounts.models import Role
from lotsen.cases.models import Case
from lotsen.extensions import db
from tests.cases.helpers import latest_case, open_case_directly, submit_question
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory

TYPED = ["556012 5790", "556012–5790", "556 012-5790", "SE556012579001"]


@pytest.mark.parametrize("typed", TYPED)
def test_the_public_form_takes_the_number_as_typed(client, typed):
    response = submit_question(client, CategoryFactory(), org_number=typed)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert latest_case().org_number == "5560125790"


def test_the_company_form_and_the_searches_take_the_number_as_typed(client, login):
    login(Role.OFFICIAL)
    created = client.submit(
        "/foretag/ny",
        {"org_number": "556012–5790", "name": "Solrosen AB", "status": "active"},
        page_url="/foretag/ny",
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:3000]
    for typed in TYPED:
        page = client.get("/foretag/", query_string={"q": typed}).get_data(as_text=True)
        assert "Solrosen AB" in page, typed

    case, _token = open_case_directly(CategoryFactory(), org_number="5560125790")
    for typed in TYPED:
        page = client.get("/arenden/", query_string={"q": typed, "status": "all"})
        assert case.number in page.get_data(as_text=True), typed


def test_the_case_form_takes_the_number_as_typed(client, login):
    login(Role.OFFICIAL)
    make_company(org_number="556012-5790", name="Solrosen AB")
    category = CategoryFactory()
    response = client.submit(
        "/arenden/ny",
        {
            "channel": "phone",
            "category": str(category.id),
            "subject": "Uteservering",
            "description": "Frågan",
            "submitter_name": "Lina Berg",
            "org_number": "556012 5790",
            "submitter_phone": "070-123 45 67",
            "preferred_contact": "phone",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    case = db.session.get(Case, latest_case().id)
    assert case.org_number == "5560125790" and case.company is not None
