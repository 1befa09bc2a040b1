import os
from datetime import timedelta

from sqlalchemy import func, select, update

from lotsen.cases.models import Attachment, Case, CaseAccessToken, CaseEvent, CaseStatus, Message
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from tests.cases.helpers import (
    PDF,
    PNG,
    latest_case,
    mails_to,
    status_path_in,
    submit_question,
)
from tests.factories import CategoryFactory


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_form_works_without_an_account_and_shows_category_help(client):
    CategoryFactory(name="Livsmedel och servering", help_text="Registrering av livsmedelslokal.")
    page = client.get("/fraga").get_data(as_text=True)
    assert "Ställ en fråga till Lotsgruppen" in page
    assert "Livsmedel och servering" in page and "Registrering av livsmedelslokal." in page
    assert "personuppgifter" in page


def test_submitting_creates_case_message_attachment_event_and_receipt(app, client):
    category = CategoryFactory(name="Livsmedel och servering", target_first_response_hours=4)
    response = submit_question(client, category, files=[("ritning.pdf", PDF)])
    assert response.status_code == 302 and response.location == "/fraga/tack"

    case = latest_case()
    assert case.number.startswith("LOTS-") and case.status == CaseStatus.NEW
    assert case.channel == "web" and case.privacy_acknowledged_at is not None
    [message] = db.session.scalars(select(Message).where(Message.case_id == case.id)).all()
    assert message.author_kind == "submitter" and "uteservering" in message.body
    [attachment] = db.session.scalars(select(Attachment)).all()
    assert attachment.filename == "ritning.pdf" and attachment.content_type == "application/pdf"
    path = os.path.join(app.config["UPLOAD_FOLDER"], attachment.stored_name)
    with open(path, "rb") as stored:
        assert stored.read() == PDF
    assert not app.config["UPLOAD_FOLDER"].startswith(app.static_folder)
    assert (
        db.session.scalar(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)) == "created"
    )
    [receipt] = mails_to("lina@solrosen.example")
    assert case.number in receipt.subject and "/status/" in receipt.body_text

    page = client.get("/fraga/tack").get_data(as_text=True)
    assert case.number in page
    assert "4 arbetstimmar" in page
    assert status_path_in(page) == status_path_in(receipt.body_text)


def test_validation_errors_keep_everything_typed_and_the_attachments(client):
    category = CategoryFactory()
    response = submit_question(
        client,
        category,
        files=[("ritning.pdf", PDF)],
        subject="",
        submitter_email="inte-en-adress",
        privacy_acknowledged="",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Skriv en kort rubrik för din fråga." in page
    assert "Skriv en giltig e-postadress" in page
    assert "Du behöver bekräfta" in page
    assert 'value="Café Solrosen AB"' in page and "Vad behöver vi söka?" in page
    assert "ritning.pdf" in page and "du behöver inte välja dem igen" in page
    assert count(Case) == 0

    kept = page.split('name="kept_uploads" type="hidden" value="')[1].split('"')[0]
    fixed = submit_question(client, category, kept_uploads=kept)
    assert fixed.status_code == 302
    assert [a.filename for a in db.session.scalars(select(Attachment))] == ["ritning.pdf"]


def test_files_are_checked_by_content_not_by_name(client):
    category = CategoryFactory()
    page = submit_question(
        client, category, files=[("faktura.pdf", b"MZ\x90\x00 not a pdf"), ("bild.png", PNG)]
    ).get_data(as_text=True)
    assert "faktura.pdf är inte en tillåten filtyp" in page
    assert "bild.png" in page  # the good file is kept
    assert count(Case) == 0


def test_too_many_files_are_refused(client):
    category = CategoryFactory()
    files = [(f"sida{n}.pdf", PDF) for n in range(6)]
    page = submit_question(client, category, files=files).get_data(as_text=True)
    assert "Du kan bifoga högst 5 filer." in page


def test_a_tampered_kept_uploads_reference_is_ignored(client):
    category = CategoryFactory()
    response = submit_question(client, category, kept_uploads="forged.value")
    assert response.status_code == 302
    assert count(Attachment) == 0


def test_an_organisation_number_is_validated(client):
    category = CategoryFactory()
    page = submit_question(client, category, org_number="556012-5791").get_data(as_text=True)
    assert "Organisationsnummer" in page and count(Case) == 0
    assert submit_question(client, category, org_number="556012-5790").status_code == 302
    assert latest_case().org_number == "5560125790"


def test_phone_is_needed_when_the_owner_wants_a_call(client):
    category = CategoryFactory()
    page = submit_question(
        client, category, preferred_contact="phone", submitter_phone=""
    ).get_data(as_text=True)
    assert "Skriv ett telefonnummer om du vill bli uppringd." in page


def test_the_honeypot_catches_bots_without_saving(client):
    category = CategoryFactory()
    response = submit_question(client, category, homepage="http://spam.example")
    assert response.status_code == 200
    assert count(Case) == 0 and count(OutboxMessage) == 0


def test_submissions_are_rate_limited_per_address(app, client):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "2 per minute"
    category = CategoryFactory()
    assert submit_question(client, category).status_code == 302
    assert submit_question(client, category).status_code == 302
    blocked = submit_question(client, category)
    assert blocked.status_code == 429
    assert "För många försök" in blocked.get_data(as_text=True)


def test_an_oversized_upload_gets_a_clear_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    category = CategoryFactory()
    response = submit_question(client, category, files=[("stor.pdf", PDF + b"0" * 5000)])
    assert response.status_code == 413
    assert "för stort" in response.get_data(as_text=True)


def test_outside_office_hours_the_form_says_when_we_answer(app, client):
    app.config["OFFICE_HOURS"] = {}
    app.config["OFFICE_HOURS"] = {0: [("08:00", "08:01")]}
    page = client.get("/fraga").get_data(as_text=True)
    assert "Lotsgruppen har stängt just nu" in page and "måndag" in page


# --- The status page -----------------------------------------------------------------------


def submitted_case(client):
    category = CategoryFactory()
    submit_question(client, category, files=[("ritning.pdf", PDF)])
    case = latest_case()
    return case, status_path_in(mails_to("lina@solrosen.example")[0].body_text)


def test_the_status_page_shows_the_case_in_plain_swedish(client):
    case, path = submitted_case(client)
    page = client.get(path).get_data(as_text=True)
    assert case.number in page and "Vi har tagit emot din fråga" in page
    assert "Vad behöver vi söka?" in page and "ritning.pdf" in page
    assert "Utses inom kort" in page


def test_wrong_expired_and_revoked_tokens_give_404(client):
    case, path = submitted_case(client)
    assert client.get(path + "x").status_code == 404
    assert client.get("/status/" + "A" * 43).status_code == 404
    db.session.execute(update(CaseAccessToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get(path).status_code == 404
    db.session.execute(
        update(CaseAccessToken).values(expires_at=utcnow() + timedelta(days=1), revoked_at=utcnow())
    )
    db.session.commit()
    assert client.get(path).status_code == 404


def test_tokens_are_stored_only_as_hashes(client):
    _case, path = submitted_case(client)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits
    hashes = db.session.scalars(select(CaseAccessToken.token_hash)).all()
    assert token not in hashes and len(hashes[0]) == 64


def test_the_owner_replies_and_a_waiting_case_moves_back_to_in_progress(client):
    case, path = submitted_case(client)
    from lotsen.cases.workflow import change_status

    change_status(case, CaseStatus.WAITING)
    db.session.commit()
    response = client.submit(path, {"body": "Här kommer ritningen ni bad om."})
    assert response.status_code == 302
    case = latest_case()
    assert case.status == CaseStatus.IN_PROGRESS
    page = client.get(path).get_data(as_text=True)
    assert "Här kommer ritningen ni bad om." in page


def test_internal_notes_and_official_addresses_never_reach_the_status_page(app, client):
    from lotsen.cases import services
    from tests.factories import UserFactory

    case, path = submitted_case(client)
    official = UserFactory(name="Erik Johansson", email="erik.j@kommun.example")
    with app.test_request_context():
        services.add_internal_note(case, official, "Intern: kolla detaljplanen först.")
        services.post_public_reply(case, official, "Hej! Ni behöver söka bygglov.")
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Ni behöver söka bygglov" in page
    assert "kolla detaljplanen" not in page
    assert "erik.j@kommun.example" not in page


def test_asking_for_a_new_link_mails_it_and_old_links_stop_working(client):
    case, old_path = submitted_case(client)
    response = client.submit(
        "/status/ny-lank", {"case_number": case.number.lower(), "email": "LINA@solrosen.example"}
    )
    assert response.status_code == 302
    new_mail = mails_to("lina@solrosen.example")[-1]
    assert "Ny länk" in new_mail.subject
    new_path = status_path_in(new_mail.body_text)
    assert client.get(new_path).status_code == 200
    assert client.get(old_path).status_code == 404


def test_a_new_link_request_with_the_wrong_email_sends_nothing_but_says_the_same(client):
    case, _path = submitted_case(client)
    before = count(OutboxMessage)
    response = client.submit(
        "/status/ny-lank",
        {"case_number": case.number, "email": "annan@example.com"},
        follow_redirects=True,
    )
    assert "Om ärendenumret och e-postadressen hör ihop" in response.get_data(as_text=True)
    assert count(OutboxMessage) == before


def test_a_closed_case_takes_no_more_replies_and_says_what_to_do(client):
    case, path = submitted_case(client)
    from lotsen.cases.workflow import change_status

    change_status(case, CaseStatus.ANSWERED)
    change_status(case, CaseStatus.CLOSED)
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Ställ en ny fråga" in page and 'name="body"' not in page
    response = client.submit(path, {"body": "Hallå?"}, page_url="/fraga")
    assert "Ärendet är avslutat" in response.get_data(as_text=True)


def test_attachments_are_served_only_through_a_valid_link(client):
    _case, path = submitted_case(client)
    attachment = db.session.scalars(select(Attachment)).one()
    ok = client.get(f"{path}/bilaga/{attachment.id}")
    assert ok.status_code == 200 and ok.data == PDF
    assert "attachment" in ok.headers["Content-Disposition"]
    ok.close()
    assert client.get(f"/status/{'x' * 43}/bilaga/{attachment.id}").status_code == 404
    assert client.get(f"/arenden/{attachment.case_id}/bilaga/{attachment.id}").status_code == 302


def test_a_known_org_number_shows_the_registered_name_and_links_the_case(client):
    from flask import current_app

    from lotsen.companies.services import CompanyData, create_company

    with current_app.test_request_context():
        company = create_company(None, CompanyData(org_number="5560125790", name="Solrosen AB"))
    db.session.commit()
    category = CategoryFactory()
    page = submit_question(client, category, org_number="556012-5790", subject="").get_data(
        as_text=True
    )
    assert "Organisationsnumret hör till Solrosen AB." in page
    submit_question(client, category, org_number="5560125790")
    assert latest_case().company_id == company.id
    receipt = client.get("/fraga/tack").get_data(as_text=True)
    assert "Frågan är kopplad till Solrosen AB." in receipt
