"""The journeys as people live them (issue 14): statuses after a reply, replies without an
address, status links, waiting for the company, requests for a decision (förvaltningslagen 12 §)."""

from datetime import timedelta

from sqlalchemy import select, update

from lotsen.accounts.models import Role
from lotsen.cases import services
from lotsen.cases.models import Case, CaseAccessToken, CaseEvent, CaseStatus, Message
from lotsen.cases.workflow import change_status
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.triage.queries import triage_query
from tests.cases.helpers import mails_to, open_case_directly, status_path_in
from tests.factories import CategoryFactory, UserFactory


def reload(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def events(case, kind) -> list[CaseEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
            .order_by(CaseEvent.id)
        )
    )


def reply(client, case, body="Hej! Ni behöver söka bygglov.", then_status=""):
    return client.submit(
        f"/arenden/{case.id}/svar",
        {"reply-body": body, "reply-then_status": then_status},
        page_url=f"/arenden/{case.id}",
        follow_redirects=True,
    )


def assigned_case(lead, **overrides):
    case, token = open_case_directly(CategoryFactory(), **overrides)
    case = db.session.get(Case, case.id)
    case.lead_id = lead.id
    change_status(case, CaseStatus.ASSIGNED, lead)
    db.session.commit()
    return case, token


# --- 1. "Behåll status" keeps the status ---------------------------------------------------


def test_a_reply_that_keeps_the_status_keeps_assigned(client, login):
    lead = login(Role.OFFICIAL)
    case, _token = assigned_case(lead)
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Behåll status (Tilldelad)" in page
    response = reply(client, case)
    assert response.status_code == 200
    case = reload(case)
    assert case.status == CaseStatus.ASSIGNED
    assert case.first_response_at is not None
    assert "Svaret är skickat till företagaren." in response.get_data(as_text=True)


def test_a_reply_can_still_move_the_case_to_in_progress(client, login):
    lead = login(Role.OFFICIAL)
    case, _token = assigned_case(lead)
    assert "Pågår" in client.get(f"/arenden/{case.id}").get_data(as_text=True)
    reply(client, case, then_status="in_progress")
    assert reload(case).status == CaseStatus.IN_PROGRESS


def test_a_reply_on_a_new_case_that_keeps_the_status_leaves_it_in_triage(client, login):
    login(Role.COORDINATOR)
    case, _token = open_case_directly(CategoryFactory())
    reply(client, case)
    case = reload(case)
    assert case.status == CaseStatus.NEW and case.lead_id is None
    assert db.session.scalars(triage_query()).all() == [case]


def test_the_coordinated_answer_keeps_the_status_when_asked_to(app):
    from lotsen.team import coordinated_answer

    lead = UserFactory(roles=[Role.OFFICIAL])
    case, _token = assigned_case(lead)
    with app.test_request_context():
        coordinated_answer.send_coordinated_answer(lead, case, "Här är vårt samlade svar.", None)
        db.session.commit()
    assert reload(case).status == CaseStatus.ASSIGNED


# --- 3. A reply on a case without an e-mail address ---------------------------------------


def test_a_reply_without_an_address_says_it_was_not_sent_and_how_to_reach_them(client, login):
    login(Role.COORDINATOR)
    case, _token = open_case_directly(
        CategoryFactory(), submitter_email=None, submitter_phone="070-123 45 67"
    )
    response = reply(client, case)
    page = response.get_data(as_text=True)
    assert "Svaret är skickat till företagaren" not in page
    assert "inte skickat" in page and "ingen e-postadress" in page
    assert "070-123 45 67" in page
    case = reload(case)
    assert db.session.scalar(select(Message).where(Message.author_kind == "official"))
    assert case.status == CaseStatus.NEW and case in db.session.scalars(triage_query()).all()


def test_an_official_who_moves_an_unled_case_out_of_triage_becomes_its_lead(client, login):
    official = login(Role.OFFICIAL)
    case, _token = open_case_directly(CategoryFactory(), submitter_email=None)
    reply(client, case, then_status="answered")
    case = reload(case)
    assert case.status == CaseStatus.ANSWERED and case.lead_id == official.id
    [event] = events(case, "assigned")
    assert event.details["how"] == "self"

    other, _token = open_case_directly(CategoryFactory(name="Mark"))
    client.submit(
        f"/arenden/{other.id}/status",
        {"status-status": "in_progress"},
        page_url=f"/arenden/{other.id}",
    )
    other = reload(other)
    assert other.status == CaseStatus.IN_PROGRESS and other.lead_id == official.id


# --- 5. and issue 13 point 11: status links ------------------------------------------------


def test_an_expired_link_says_so_and_offers_a_new_one(client):
    _case, token = open_case_directly(CategoryFactory())
    db.session.execute(update(CaseAccessToken).values(expires_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    response = client.get(f"/status/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Länken har gått ut" in page and 'href="/status/ny-lank"' in page
    assert "Få en ny länk" in page
    unknown = client.get("/status/" + "B" * 43).get_data(as_text=True)
    assert "Länken gäller inte" in unknown and 'href="/status/ny-lank"' in unknown


def test_asking_for_a_new_link_keeps_the_old_one_until_the_new_one_is_used(client):
    case, token = open_case_directly(CategoryFactory(), submitter_email="lina@solrosen.example")
    old_path = f"/status/{token}"
    client.submit("/status/ny-lank", {"case_number": case.number, "email": "lina@solrosen.example"})
    assert client.get(old_path).status_code == 200  # someone else asking does not lock her out
    new_path = status_path_in(mails_to("lina@solrosen.example")[-1].body_text)
    assert new_path != old_path
    assert client.get(new_path).status_code == 200
    response = client.get(old_path)
    assert response.status_code == 404 and "Länken har ersatts" in response.get_data(as_text=True)
    assert client.get(new_path).status_code == 200


def test_replies_send_the_same_valid_link_instead_of_new_ones(app):
    official = UserFactory(roles=[Role.OFFICIAL])
    case, token = assigned_case(official, submitter_email="lina@solrosen.example")
    with app.test_request_context():
        services.post_public_reply(case, official, "Första svaret.")
        services.post_public_reply(case, official, "Andra svaret.")
        db.session.commit()
    receipt, first, second = mails_to("lina@solrosen.example")
    assert status_path_in(first.body_text) == f"/status/{token}"
    assert status_path_in(second.body_text) == f"/status/{token}"
    assert len(db.session.scalars(select(CaseAccessToken)).all()) == 1


def test_a_reply_replaces_a_link_that_is_about_to_expire(app, client):
    official = UserFactory(roles=[Role.OFFICIAL])
    case, token = assigned_case(official, submitter_email="lina@solrosen.example")
    db.session.execute(update(CaseAccessToken).values(expires_at=utcnow() + timedelta(days=3)))
    db.session.commit()
    with app.test_request_context():
        services.post_public_reply(case, official, "Svar.")
        db.session.commit()
    new_path = status_path_in(mails_to("lina@solrosen.example")[-1].body_text)
    assert new_path != f"/status/{token}"
    assert client.get(new_path).status_code == 200
    assert client.get(f"/status/{token}").status_code == 404


def test_changing_the_owners_address_revokes_old_links_and_mails_the_new_address(client, login):
    login(Role.OFFICIAL)
    case, token = open_case_directly(CategoryFactory(), submitter_email="gammal@foretag.example")
    client.submit(
        f"/arenden/{case.id}/redigera",
        {
            "category": str(case.category_id),
            "channel": "web",
            "subject": case.subject,
            "submitter_name": case.submitter_name,
            "submitter_email": "ny@foretag.example",
            "preferred_contact": "email",
            "version": str(case.version),
        },
    )
    assert reload(case).submitter_email == "ny@foretag.example"
    assert client.get(f"/status/{token}").status_code == 404
    [mail] = mails_to("ny@foretag.example")
    assert client.get(status_path_in(mail.body_text)).status_code == 200


# --- 8. Waiting for the company tells the company what is awaited --------------------------


def test_waiting_for_the_company_needs_a_message_which_is_sent_to_them(client, login):
    lead = login(Role.OFFICIAL)
    case, _token = assigned_case(lead, submitter_email="lina@solrosen.example")
    url = f"/arenden/{case.id}/status"
    refused = client.submit(url, {"status-status": "waiting_for_company"}, page_url=url[:-7])
    assert refused.status_code == 400
    assert "Skriv vad ni väntar på" in refused.get_data(as_text=True)
    assert reload(case).status == CaseStatus.ASSIGNED

    client.submit(
        url,
        {
            "status-status": "waiting_for_company",
            "status-message": "Skicka en ritning över uteserveringen.",
        },
        page_url=url[:-7],
    )
    assert reload(case).status == CaseStatus.WAITING
    mail = mails_to("lina@solrosen.example")[-1]
    assert "Skicka en ritning över uteserveringen." in mail.body_text
    public = db.session.scalar(select(Message).where(Message.author_kind == "official"))
    assert public.body == "Skicka en ritning över uteserveringen." and not public.is_internal


# --- 11. Förvaltningslagen 12 §: a request that the case be decided -----------------------


def test_the_delay_notice_cites_12_paragraph_for_the_right_to_a_decision(app):
    from lotsen.reports.delay.services import notice_text

    case, _token = open_case_directly(CategoryFactory())
    with app.test_request_context():
        text = notice_text(case, "Remiss", utcnow().date() + timedelta(days=20))
    assert "förvaltningslagen 12 §" in text and "11 §" not in text
    assert "sex månader" in text and "fyra veckor" in text


def test_a_request_for_a_decision_is_recorded_shown_and_settled_by_the_answer(client, login):
    lead = login(Role.OFFICIAL)
    case, _token = assigned_case(lead)
    today = utcnow().date()
    received = client.submit(
        f"/arenden/{case.id}/begaran-om-avgorande",
        {"decision-received_on": today.isoformat()},
        page_url=f"/arenden/{case.id}",
        follow_redirects=True,
    ).get_data(as_text=True)
    due = (today + timedelta(days=28)).isoformat()
    assert f"Ska avgöras senast {due}" in received
    case = reload(case)
    assert case.decision_due_on.isoformat() == due
    [event] = events(case, "decision_requested")
    assert event.details["due_on"] == due

    reply(client, case, body="Beslut: ni får bygglov.", then_status="answered")
    case = reload(case)
    assert case.decision_due_on is None
    assert len(events(case, "decision_request_settled")) == 1
    assert "Ska avgöras senast" not in client.get(f"/arenden/{case.id}").get_data(as_text=True)


def test_a_request_can_be_refused_in_a_separate_decision_sent_to_the_company(client, login):
    lead = login(Role.OFFICIAL)
    case, _token = assigned_case(lead, submitter_email="lina@solrosen.example")
    client.submit(
        f"/arenden/{case.id}/begaran-om-avgorande",
        {"decision-received_on": utcnow().date().isoformat()},
        page_url=f"/arenden/{case.id}",
    )
    empty = client.submit(
        f"/arenden/{case.id}/begaran-om-avgorande/avslag",
        {"refusal-reason": ""},
        page_url=f"/arenden/{case.id}",
    )
    assert empty.status_code == 400
    client.submit(
        f"/arenden/{case.id}/begaran-om-avgorande/avslag",
        {"refusal-reason": "Vi väntar på länsstyrelsens prövning."},
        page_url=f"/arenden/{case.id}",
    )
    case = reload(case)
    assert case.decision_due_on is None and case.status == CaseStatus.ASSIGNED
    [event] = events(case, "decision_request_refused")
    assert event.reason == "Vi väntar på länsstyrelsens prövning."
    mail = mails_to("lina@solrosen.example")[-1]
    assert "avslår begäran" in mail.body_text and "länsstyrelsens prövning" in mail.body_text


def test_a_request_in_the_future_or_twice_is_refused_with_a_message(client, login):
    lead = login(Role.OFFICIAL)
    case, _token = assigned_case(lead)
    url = f"/arenden/{case.id}/begaran-om-avgorande"
    tomorrow = (utcnow().date() + timedelta(days=2)).isoformat()
    future = client.submit(url, {"decision-received_on": tomorrow}, page_url=url[:-21])
    assert future.status_code == 400 and "framtiden" in future.get_data(as_text=True)
    today = utcnow().date().isoformat()
    client.submit(url, {"decision-received_on": today}, page_url=url[:-21])
    twice = client.submit(url, {"decision-received_on": today}, page_url=url[:-21])
    assert twice.status_code == 400 and "redan registrerad" in twice.get_data(as_text=True)


def test_refusing_when_no_request_is_pending_says_so(client, login):
    lead = login(Role.OFFICIAL)
    case, _token = assigned_case(lead)
    response = client.submit(
        f"/arenden/{case.id}/begaran-om-avgorande/avslag",
        {"refusal-reason": "Skäl"},
        page_url=f"/arenden/{case.id}",
    )
    assert response.status_code == 400
    assert "Det finns ingen begäran om avgörande att avslå." in response.get_data(as_text=True)
    bad_date = client.submit(
        f"/arenden/{case.id}/begaran-om-avgorande",
        {"decision-received_on": "igår"},
        page_url=f"/arenden/{case.id}",
    )
    assert bad_date.status_code == 400
    assert 'value="igår"' in bad_date.get_data(as_text=True)
    assert "Skriv datumet som ÅÅÅÅ-MM-DD." in bad_date.get_data(as_text=True)
