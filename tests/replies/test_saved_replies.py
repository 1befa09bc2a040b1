"""Saved replies: coordinators manage them; officials insert them, filled in from the case."""

from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.cases.models import Message
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from lotsen.replies import services
from lotsen.replies.models import SavedReply
from tests.team.helpers import led_case, make_team

GREETING = "Hej {kontaktperson}! Ärende {ärendenummer} för {företag} handläggs av {handläggare}."


def test_placeholders_are_filled_from_the_case(app):
    team = make_team()
    case = led_case(team)
    text = services.fill(
        GREETING + " Klart senast {förfallodatum}.", services.placeholder_values(case)
    )
    assert case.submitter_name in text and case.number in text and team.lead.name in text
    assert "{" not in text and "None" not in text
    assert case.figures.resolution_due_at is not None
    assert case.figures.resolution_due_at.astimezone(services.STOCKHOLM).date().isoformat() in text


def test_missing_values_leave_the_placeholder_empty(app):
    team = make_team()
    case = led_case(team)
    case.lead_id, case.lead, case.company_name = None, None, ""
    text = services.fill(
        "Lots: {handläggare}. Företag: {företag}.", services.placeholder_values(case)
    )
    assert text == "Lots: . Företag: ."


def test_unknown_placeholders_are_refused_when_saving(client, login):
    login(Role.COORDINATOR)
    page = client.submit(
        "/svarsmallar/ny",
        {"title": "Hälsning", "category_id": "", "body": "Hej {foretag} och {namn}"},
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Okänd platshållare: {foretag}, {namn}" in text and "{företag}" in text
    assert "Hej {foretag} och {namn}" in text  # what was typed is kept
    assert db.session.scalar(select(SavedReply)) is None


def test_an_official_cannot_manage_saved_replies(client, login):
    login(Role.OFFICIAL)
    assert client.get("/svarsmallar/").status_code == 403
    assert client.get("/svarsmallar/ny").status_code == 403


def test_a_coordinator_creates_edits_archives_and_sees_the_history(client, login):
    coordinator = login(Role.COORDINATOR)
    response = client.submit(
        "/svarsmallar/ny", {"title": "Bekräftelse", "category_id": "", "body": GREETING}
    )
    assert response.status_code == 302
    reply = db.session.scalar(select(SavedReply))
    assert reply.created_by_id == coordinator.id
    edit = f"/svarsmallar/{reply.id}"
    assert (
        client.submit(
            edit, {"title": "Bekräftelse 2", "category_id": "", "body": GREETING}
        ).status_code
        == 302
    )
    assert client.submit(f"{edit}/arkivera", {}, page_url=edit).status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == [
        "saved_replies.created",
        "saved_replies.updated",
        "saved_replies.archived",
    ]
    page = client.get(edit).get_data(as_text=True)
    assert "Ändringshistorik" in page and "Svarsmall arkiverad" in page
    assert "Bekräftelse 2" not in client.get("/svarsmallar/").get_data(as_text=True)
    assert "Bekräftelse 2" in client.get("/svarsmallar/?visa=arkiverade").get_data(as_text=True)


def test_the_list_is_searchable_and_paged(client, login):
    login(Role.COORDINATOR)
    for number in range(services.PER_PAGE + 2):
        db.session.add(SavedReply(title=f"Mall {number:02d}", body="Hej {kontaktperson}"))
    db.session.add(SavedReply(title="Serveringstillstånd", body="Om alkoholservering"))
    db.session.commit()
    first = client.get("/svarsmallar/").get_data(as_text=True)
    assert 'rel="next"' in first and "Mall 00" in first
    found = client.get("/svarsmallar/?q=alkohol").get_data(as_text=True)
    assert "Serveringstillstånd" in found and "Mall 00" not in found


def test_the_lead_inserts_a_template_into_the_coordinated_answer(client, login):
    team = make_team()
    case = led_case(team)
    other = SavedReply(title="Annan kategori", body="X", category_id=None)
    db.session.add(
        SavedReply(title="Välkomsthälsning", body=GREETING, category_id=case.category_id)
    )
    db.session.add(other)
    db.session.commit()
    reply_id = db.session.scalar(
        select(SavedReply.id).where(SavedReply.title == "Välkomsthälsning")
    )
    login(user=team.lead)
    url = f"/arenden/{case.id}/samlat-svar"
    page = client.submit(
        url,
        {
            "body": "Det jag redan skrivit.",
            "saved_reply": str(reply_id),
            "insert_saved_reply": "Infoga",
            "then_status": "",
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Det jag redan skrivit." in text
    assert f"Ärende {case.number}" in text and team.lead.name in text
    assert (
        db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.subject.contains("Svar")))
        is None
    )


def test_a_template_of_another_category_is_not_inserted(client, login):
    team = make_team()
    case = led_case(team)
    from tests.factories import CategoryFactory

    foreign = SavedReply(title="Fel", body="Fel text", category_id=CategoryFactory().id)
    db.session.add(foreign)
    db.session.commit()
    login(user=team.lead)
    page = client.submit(
        f"/arenden/{case.id}/samlat-svar",
        {"body": "Mitt svar", "saved_reply": str(foreign.id), "insert_saved_reply": "Infoga"},
    )
    text = page.get_data(as_text=True)
    assert "Välj en svarsmall i listan." in text and "Fel text" not in text and "Mitt svar" in text


def test_a_template_is_inserted_into_the_reply_on_the_case_page(client, login):
    team = make_team()
    case = led_case(team)
    db.session.add(SavedReply(title="Allmän hälsning", body=GREETING))
    db.session.commit()
    reply_id = db.session.scalar(select(SavedReply.id))
    login(user=team.lead)
    page_url = f"/arenden/{case.id}"
    assert "Allmän hälsning" in client.get(page_url).get_data(as_text=True)
    page = client.submit(
        f"/arenden/{case.id}/svar",
        {
            "reply-body": "Tack för frågan.",
            "reply-saved_reply": str(reply_id),
            "reply-insert_saved_reply": "Infoga",
            "reply-then_status": "",
        },
        page_url=page_url,
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Tack för frågan.\n\nHej " in text and f"Ärende {case.number}" in text
    messages = db.session.scalar(
        select(func.count()).select_from(Message).where(Message.case_id == case.id)
    )
    assert messages == 1  # the company's question only: nothing was sent


def test_the_demo_templates_are_valid_and_loaded_once(app):
    from lotsen.replies.demo import DEMO_REPLIES, load_demo_replies
    from tests.factories import CategoryFactory

    for name in {category for _title, category, _body in DEMO_REPLIES if category}:
        CategoryFactory(name=name)
    assert load_demo_replies() == len(DEMO_REPLIES)
    assert load_demo_replies() == 0
    db.session.commit()
    assert 6 <= len(DEMO_REPLIES) <= 8
    for reply in db.session.scalars(select(SavedReply)):
        assert services.unknown_placeholders(reply.body) == []


def test_hand_made_ids_are_form_errors_not_server_errors(client, login):
    team = make_team()
    case = led_case(team)
    login(user=team.lead)
    page = client.submit(
        f"/arenden/{case.id}/samlat-svar",
        {"body": "Mitt svar", "saved_reply": str(2**40), "insert_saved_reply": "Infoga"},
    )
    assert page.status_code == 200
    assert "Välj en svarsmall i listan." in page.get_data(as_text=True)
    client.post("/konto/logga-ut", data={"csrf_token": client.csrf_token("/")})
    login(Role.COORDINATOR)
    page = client.submit(
        "/svarsmallar/ny", {"title": "Mall", "category_id": str(2**40), "body": "Hej"}
    )
    assert page.status_code == 400
    assert "Välj en kategori i listan." in page.get_data(as_text=True)
    assert db.session.scalar(select(SavedReply)) is None
