"""Companies through the API: the list's search, masking of personnummer, create and update."""

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.companies.models import Company
from lotsen.extensions import db
from tests.api.helpers import bearer, issue
from tests.companies.helpers import PERSONAL_MASKED, PERSONAL_NUMBER, make_company, org_number
from tests.factories import UserFactory


def test_search_uses_the_registry_search_and_pages(app, client):
    for name in ("Bageriet i Lerum AB", "Bagarstugan AB", "Lerums Cykel AB"):
        make_company(name=name, town="Lerum")
    secret, _token = issue(["companies:read"], roles=[Role.OFFICIAL])
    body = client.get("/api/v1/companies?q=bag&limit=1", headers=bearer(secret)).get_json()
    assert [c["name"] for c in body["items"]] == ["Bagarstugan AB"]
    following = client.get(
        "/api/v1/companies",
        query_string={"q": "bag", "limit": 1, "cursor": body["next_cursor"]},
        headers=bearer(secret),
    ).get_json()
    assert [c["name"] for c in following["items"]] == ["Bageriet i Lerum AB"]
    assert following["next_cursor"] is None


def test_personnummer_are_masked_unless_the_scope_and_the_account_allow(app, client):
    sole_trader = make_company(org_number=PERSONAL_NUMBER, name="Anna Svensson Konsult")
    official, _token = issue(["companies:read"], roles=[Role.OFFICIAL])
    admin_without_scope, _token = issue(["companies:read"], roles=[Role.ADMIN])
    admin, _token = issue(["companies:read", "companies:personal"], roles=[Role.ADMIN])
    url = f"/api/v1/companies/{sole_trader.id}"
    assert client.get(url, headers=bearer(official)).get_json()["org_number"] == PERSONAL_MASKED
    shown = client.get(url, headers=bearer(admin_without_scope)).get_json()["org_number"]
    assert shown == PERSONAL_MASKED
    assert client.get(url, headers=bearer(admin)).get_json()["org_number"] == PERSONAL_NUMBER
    # A prefix of a personnummer finds nothing for a token that may not see them.
    prefix = client.get("/api/v1/companies?q=19810101", headers=bearer(admin_without_scope))
    assert prefix.get_json()["items"] == []
    found = client.get("/api/v1/companies?q=19810101", headers=bearer(admin)).get_json()
    assert [c["id"] for c in found["items"]] == [sole_trader.id]


def test_a_full_personnummer_search_is_counted_and_audited_as_in_the_ui(app, client):
    app.config["PERSONAL_NUMBER_SEARCH_RATE_LIMIT"] = "1 per day"
    sole_trader = make_company(org_number=PERSONAL_NUMBER, name="Anna Svensson Konsult")
    secret, token = issue(["companies:read"], roles=[Role.OFFICIAL])
    first = client.get(
        "/api/v1/companies", query_string={"q": PERSONAL_NUMBER}, headers=bearer(secret)
    )
    assert [c["id"] for c in first.get_json()["items"]] == [sole_trader.id]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "company.personal_number_searched")
    ).one()
    assert event.actor_id == token.account_id and PERSONAL_NUMBER not in event.summary
    second = client.get(
        "/api/v1/companies", query_string={"q": PERSONAL_NUMBER}, headers=bearer(secret)
    )
    assert second.status_code == 429 and second.headers["Retry-After"]


def test_create_validates_the_org_number_and_refuses_duplicates(app, client):
    secret, token = issue(["companies:read", "companies:write"], roles=[Role.OFFICIAL])
    number = org_number()
    created = client.post(
        "/api/v1/companies",
        json={"org_number": number, "name": "Nya Bolaget AB", "sni_codes": ["56100"]},
        headers=bearer(secret),
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["sni_codes"] == ["56100"]
    duplicate = client.post(
        "/api/v1/companies", json={"org_number": number, "name": "Igen AB"}, headers=bearer(secret)
    )
    assert duplicate.status_code == 409
    assert duplicate.get_json()["existing_id"] == created.get_json()["id"]
    invalid = client.post(
        "/api/v1/companies",
        json={"org_number": "556012-5791", "name": "Fel AB"},
        headers=bearer(secret),
    )
    assert invalid.status_code == 400 and invalid.get_json()["field"] == "org_number"
    assert "kontrollsiffran" in invalid.get_json()["detail"]
    audited = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "companies")
    ).all()
    assert sorted(audited) == ["api.company_created", "companies.created"]


def test_update_changes_only_the_fields_given(app, client):
    company = make_company(name="Gamla Namnet AB", town="Lerum", tags=["besökt"])
    secret, _token = issue(["companies:write", "companies:read"], roles=[Role.OFFICIAL])
    response = client.patch(
        f"/api/v1/companies/{company.id}", json={"name": "Nya Namnet AB"}, headers=bearer(secret)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["name"], body["town"], body["tags"]) == ("Nya Namnet AB", "Lerum", ["besökt"])
    refused = client.patch(
        f"/api/v1/companies/{company.id}", json={"org_number": org_number()}, headers=bearer(secret)
    )
    assert refused.status_code == 403  # only who may see personnummer changes org numbers
    bad_site = client.patch(
        f"/api/v1/companies/{company.id}",
        json={"website": "inte en adress"},
        headers=bearer(secret),
    )
    assert bad_site.status_code == 400 and bad_site.get_json()["field"] == "website"
    db.session.expire_all()
    assert db.session.get(Company, company.id).website is None
    missing = client.patch("/api/v1/companies/2147483647", json={}, headers=bearer(secret))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_a_read_only_token_cannot_write(app, client):
    secret, _token = issue(["companies:read"], account=UserFactory(roles=[Role.ADMIN]))
    response = client.post(
        "/api/v1/companies", json={"org_number": org_number(), "name": "X"}, headers=bearer(secret)
    )
    assert response.status_code == 403
