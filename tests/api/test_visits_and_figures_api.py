"""Visits, follow-ups, the dashboard's figures and the survey results through the API."""

from datetime import date

from lotsen.accounts.models import Role
from tests.api.helpers import bearer, issue
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory, UserFactory


def test_visits_are_created_listed_and_read_with_follow_ups(app, client):
    company = make_company(name="Verkstaden AB")
    colleague = UserFactory(roles=[Role.OFFICIAL])
    secret, token = issue(["visits:read", "visits:write"], roles=[Role.OFFICIAL])
    created = client.post(
        "/api/v1/visits",
        json={
            "company_id": company.id,
            "starts_at": "2026-03-10T09:00:00+01:00",
            "purpose": "Besök om utbyggnad",
            "participant_ids": [colleague.id],
            "needs": ["premises"],
        },
        headers=bearer(secret),
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    visit = created.get_json()
    assert visit["company"]["name"] == "Verkstaden AB" and visit["needs"] == ["premises"]
    follow_up = client.post(
        f"/api/v1/visits/{visit['id']}/follow-ups",
        json={
            "text": "Skicka lista över lediga lokaler",
            "owner_id": colleague.id,
            "due_on": "2026-03-20",
        },
        headers=bearer(secret),
    )
    assert follow_up.status_code == 201
    read = client.get(f"/api/v1/visits/{visit['id']}", headers=bearer(secret)).get_json()
    assert [f["text"] for f in read["follow_ups"]] == ["Skicka lista över lediga lokaler"]
    listed = client.get("/api/v1/visits", headers=bearer(secret)).get_json()["items"]
    assert [v["id"] for v in listed] == [visit["id"]]
    open_ones = client.get(
        "/api/v1/follow-ups",
        query_string={"owner": colleague.id, "open": "true"},
        headers=bearer(secret),
    ).get_json()["items"]
    assert [f["due_on"] for f in open_ones] == ["2026-03-20"]
    unknown = client.post(
        "/api/v1/visits",
        json={"company_id": 2147483647, "starts_at": "2026-03-10T09:00:00+01:00", "purpose": "x"},
        headers=bearer(secret),
    )
    assert unknown.status_code == 400 and unknown.get_json()["field"] == "company_id"
    naive = client.post(
        "/api/v1/visits",
        json={"company_id": company.id, "starts_at": "2026-03-10T09:00:00", "purpose": "x"},
        headers=bearer(secret),
    )
    assert naive.status_code == 422 and "starts_at" in naive.get_json()["errors"]


def test_the_dashboard_figures_are_the_reports_own(app, client):
    category = CategoryFactory()
    submitter, _token = issue(["cases:create"])
    client.post(
        "/api/v1/cases",
        json={
            "category_id": category.id,
            "subject": "Fråga",
            "description": "Text",
            "submitter_name": "Lina",
            "submitter_email": "lina@example.com",
            "privacy_acknowledged": True,
        },
        headers=bearer(submitter),
    )
    secret, _token = issue(["reports:read"], roles=[Role.MANAGER])
    year = date.today().year
    body = client.get(
        "/api/v1/reports/figures",
        query_string={"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"},
        headers=bearer(secret),
    ).get_json()
    assert body["summary"]["received"] == 1 and body["summary"]["open"] == 1
    assert [row["name"] for row in body["by_category"]] == [category.name]
    assert len(body["trend"]) == 12
    backwards = client.get(
        "/api/v1/reports/figures?date_from=2026-05-01&date_to=2026-01-01", headers=bearer(secret)
    )
    assert backwards.status_code == 400 and backwards.get_json()["field"] == "date_to"
    official, _token = issue(["reports:read"], roles=[Role.OFFICIAL])
    assert client.get("/api/v1/reports/figures", headers=bearer(official)).status_code == 403


def test_survey_results_hide_groups_below_the_threshold(app, client):
    secret, _token = issue(["survey:read"], roles=[Role.MANAGER])
    body = client.get("/api/v1/survey/results?grouping=department", headers=bearer(secret))
    assert body.status_code == 200
    result = body.get_json()
    assert result["min_answers"] == app.config["SURVEY_MIN_ANSWERS"]
    assert result["total"]["hidden"] is True and result["total"]["nki"] is None
