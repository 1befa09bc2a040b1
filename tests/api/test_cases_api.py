"""Cases through the API: the public form's intake, the register, one case, messages, status."""

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.cases.models import Case, CaseStatus, Channel
from lotsen.extensions import db
from tests.api.helpers import bearer, issue
from tests.cases.helpers import mails_to
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory


def question(category, **overrides) -> dict:
    data = {
        "category_id": category.id,
        "subject": "Uteservering på Torget",
        "description": "Vi vill öppna ett café med uteservering i sommar.",
        "submitter_name": "Lina Berg",
        "submitter_email": "lina@solrosen.example",
        "company_name": "Café Solrosen AB",
        "privacy_acknowledged": True,
    }
    data.update(overrides)
    return data


def test_a_case_is_created_as_the_public_form_does_with_receipt_and_audit(app, client):
    category = CategoryFactory()
    secret, token = issue(["cases:create"])
    response = client.post("/api/v1/cases", json=question(category), headers=bearer(secret))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["number"].startswith("LOTS-") and body["status"] == "new"
    assert "/status/" in body["status_url"]
    case = db.session.get(Case, body["id"])
    assert case.channel == Channel.WEB and case.created_by_id is None
    assert case.privacy_acknowledged_at is not None
    (receipt,) = mails_to("lina@solrosen.example")
    assert case.number in receipt.subject
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.case_created")
    ).one()
    assert event.changes["integration"] == "E-tjänsteplattformen"
    assert event.actor_id == token.account_id and "E-tjänsteplattformen" in event.summary
    assert "Set-Cookie" not in response.headers


def test_the_public_forms_rules_refuse_with_field_errors(app, client):
    category = CategoryFactory()
    secret, _token = issue(["cases:create"])
    bad = question(
        category,
        submitter_email="inte-en-adress",
        org_number="556012-5791",
        privacy_acknowledged=False,
        preferred_contact="phone",
    )
    response = client.post("/api/v1/cases", json=bad, headers=bearer(secret))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert set(errors) >= {"submitter_email", "org_number", "privacy_acknowledged"}
    assert "submitter_phone" in errors  # phone chosen without a number, as the form says
    assert "giltig e-postadress" in errors["submitter_email"][0]
    assert db.session.scalars(select(Case)).first() is None


def test_validation_errors_are_english_by_accept_language(app, client):
    secret, _token = issue(["cases:create"])
    response = client.post(
        "/api/v1/cases", json={"subject": 5}, headers=bearer(secret, **{"Accept-Language": "en"})
    )
    body = response.get_json()
    assert response.status_code == 422
    assert body["errors"]["category_id"] == ["Missing data for required field."]
    assert body["errors"]["subject"] == ["Not a valid string."]
    assert body["detail"] == "The data in the request is not valid."
    swedish = client.post("/api/v1/cases", json={"subject": 5}, headers=bearer(secret))
    assert swedish.get_json()["errors"]["category_id"] == ["Fältet måste fyllas i."]


def test_an_inactive_category_is_refused_by_the_intake_service(app, client):
    category = CategoryFactory(active=False)
    secret, _token = issue(["cases:create"])
    response = client.post("/api/v1/cases", json=question(category), headers=bearer(secret))
    assert response.status_code == 400
    assert response.get_json()["detail"] == "Välj en kategori i listan."


def test_case_creation_counts_against_the_public_forms_rate_limit(app, client):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "2 per minute"
    category = CategoryFactory()
    secret, _token = issue(["cases:create"])
    statuses = [
        client.post("/api/v1/cases", json=question(category), headers=bearer(secret)).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]
    other, _token = issue(["cases:create"], name="Annan integration")
    assert (
        client.post("/api/v1/cases", json=question(category), headers=bearer(other)).status_code
        == 201
    )


def test_the_register_lists_with_filters_and_keyset_pages(app, client):
    category, other = CategoryFactory(), CategoryFactory()
    submitter, _token = issue(["cases:create"])
    for index in range(5):
        client.post(
            "/api/v1/cases",
            json=question(category if index < 3 else other, subject=f"Fråga {index}"),
            headers=bearer(submitter),
        )
    secret, _token = issue(["cases:read"], roles=[Role.MANAGER])
    seen, cursor = [], None
    while True:
        query = {"category": category.id, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/cases", query_string=query, headers=bearer(secret)).get_json()
        seen += [item["subject"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["Fråga 2", "Fråga 1", "Fråga 0"]
    closed = client.get("/api/v1/cases?status=closed", headers=bearer(secret)).get_json()
    assert closed["items"] == []
    tampered = client.get("/api/v1/cases?cursor=%%%", headers=bearer(secret))
    assert tampered.status_code == 200  # a tampered cursor starts from the top
    too_big = client.get("/api/v1/cases?limit=1000", headers=bearer(secret))
    assert too_big.status_code == 422 and "query.limit" in too_big.get_json()["errors"]


def test_reading_follows_the_case_access_policy(app, client):
    category = CategoryFactory()
    submitter, _token = issue(["cases:create"])
    created = client.post(
        "/api/v1/cases", json=question(category), headers=bearer(submitter)
    ).get_json()
    case = db.session.get(Case, created["id"])
    department, elsewhere = DepartmentFactory(), DepartmentFactory()
    case.department_id = department.id
    case.org_number = "196408233234"
    db.session.commit()
    outsider = UserFactory(roles=[Role.OFFICIAL])
    outsider.departments.append(elsewhere)
    db.session.commit()
    secret, _token = issue(["cases:read"], account=outsider)
    response = client.get(f"/api/v1/cases/{case.id}", headers=bearer(secret))
    assert response.status_code == 403  # only the register's summary, as in the UI
    listed = client.get("/api/v1/cases", headers=bearer(secret)).get_json()["items"]
    assert [item["id"] for item in listed] == [case.id]
    assert "submitter_email" not in listed[0]
    manager, _token = issue(["cases:read"], roles=[Role.MANAGER])
    detail = client.get(f"/api/v1/cases/{case.id}", headers=bearer(manager)).get_json()
    assert detail["submitter_email"] == "lina@solrosen.example"
    assert detail["org_number"] == "19640823-XXXX"
    assert detail["may_work_on"] is False  # managers only read
    admin_only, _token = issue(["cases:read"], roles=[Role.ADMIN])
    assert client.get("/api/v1/cases", headers=bearer(admin_only)).status_code == 403


def test_messages_and_status_go_through_the_workflow(app, client):
    category = CategoryFactory()
    submitter, _token = issue(["cases:create"])
    created = client.post(
        "/api/v1/cases", json=question(category), headers=bearer(submitter)
    ).get_json()
    secret, token = issue(["cases:read", "cases:write"], roles=[Role.COORDINATOR])
    url = f"/api/v1/cases/{created['id']}"
    reply = client.post(
        url + "/messages",
        json={"body": "Ni behöver söka bygglov.", "then_status": "answered"},
        headers=bearer(secret),
    )
    assert reply.status_code == 201 and reply.get_json()["is_internal"] is False
    case = db.session.get(Case, created["id"])
    assert case.status == CaseStatus.ANSWERED and case.lead_id == token.account_id
    assert len(mails_to("lina@solrosen.example")) == 2  # the receipt and the reply
    note = client.post(
        url + "/messages", json={"body": "Ring.", "internal": True}, headers=bearer(secret)
    )
    assert note.status_code == 201
    messages = client.get(url + "/messages", headers=bearer(secret)).get_json()["items"]
    assert [m["is_internal"] for m in messages] == [False, False, True]
    refused = client.post(url + "/status", json={"status": "new"}, headers=bearer(secret))
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    reopened = client.post(url + "/status", json={"status": "in_progress"}, headers=bearer(secret))
    assert reopened.status_code == 400  # a reopening needs a reason
    assert "varför" in reopened.get_json()["detail"]
    closed = client.post(url + "/status", json={"status": "closed"}, headers=bearer(secret))
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("api.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["api.case_created", "api.case_reply", "api.case_note", "api.case_status"]


def test_writing_needs_the_scope_and_the_policy(app, client):
    category = CategoryFactory()
    submitter, _token = issue(["cases:create"])
    created = client.post(
        "/api/v1/cases", json=question(category), headers=bearer(submitter)
    ).get_json()
    reader, _token = issue(["cases:read"], roles=[Role.COORDINATOR])
    url = f"/api/v1/cases/{created['id']}/messages"
    response = client.post(url, json={"body": "Hej"}, headers=bearer(reader))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    manager, _token = issue(["cases:read", "cases:write"], roles=[Role.MANAGER])
    assert client.post(url, json={"body": "Hej"}, headers=bearer(manager)).status_code == 403


def test_a_page_of_the_register_costs_the_same_statements_for_few_or_many_cases(
    app, client, count_queries
):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "1000 per minute"
    category = CategoryFactory()
    submitter, _token = issue(["cases:create"])
    secret, _token = issue(["cases:read"], roles=[Role.MANAGER])

    def statements() -> int:
        client.get("/api/v1/cases?status=all&limit=25", headers=bearer(secret))  # warm up
        with count_queries() as queries:
            response = client.get("/api/v1/cases?status=all&limit=25", headers=bearer(secret))
        assert response.status_code == 200
        return len(queries)

    for _ in range(2):
        client.post("/api/v1/cases", json=question(category), headers=bearer(submitter))
    few = statements()
    for _ in range(8):
        client.post("/api/v1/cases", json=question(category), headers=bearer(submitter))
    assert statements() == few
