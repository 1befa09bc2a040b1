"""The whole conversation by e-mail: web form → receipt (SMTP) → reply by e-mail (IMAP) → on the
case and the status page → the lead's answer e-mailed back, threaded under the reply."""

from email import message_from_bytes, policy
from email.utils import make_msgid

from lotsen.accounts.models import User
from lotsen.cases import services
from lotsen.cases.models import CaseStatus
from lotsen.extensions import db
from lotsen.mail.services import send_due_mail
from tests.cases.helpers import latest_case, status_path_in, submit_question
from tests.inbound import mails
from tests.inbound.test_fetch_mail import case_messages, fetch


def received(inbox, index):
    return message_from_bytes(inbox.messages[index].content, policy=policy.default)


def test_question_receipt_reply_by_mail_and_threaded_answer(
    client, runner, mailbox, category, lead, start_smtp_server, login
):
    inbox = start_smtp_server()
    lead_id = lead.id
    assert submit_question(client, category).status_code == 302
    send_due_mail()
    receipt = received(inbox, 0)
    status_path = status_path_in(receipt.get_body(("plain",)).get_content())
    case = latest_case()
    assert receipt["Reply-To"] == f"lotsgruppen+{case.reply_token}@kommun.example"
    services.move_case(case, lead, CaseStatus.IN_PROGRESS)  # the lead takes the case
    db.session.commit()
    case_id = case.id

    reply_id = make_msgid(domain="solrosen.example")
    mailbox.deliver(
        mails.plain(
            to=receipt["Reply-To"],
            subject=f"Re: {receipt['Subject']}",
            body=mails.reply_text("Adressen är Storgatan 4, precis vid torget."),
            message_id=reply_id,
            in_reply_to=receipt["Message-ID"],
        )
    )
    fetch(runner)

    status_page = client.get(status_path).get_data(as_text=True)
    assert "Adressen är Storgatan 4, precis vid torget." in status_page
    lead = db.session.get(User, lead_id)
    login(user=lead)
    case_page = client.get(f"/arenden/{case_id}").get_data(as_text=True)
    assert "Adressen är Storgatan 4, precis vid torget." in case_page
    assert "E-post" in case_page and "original.eml" in case_page

    case, lead = latest_case(), db.session.get(User, lead_id)
    services.post_public_reply(case, lead, "Då behöver ni söka tillstånd för uteservering.")
    db.session.commit()
    send_due_mail()
    answer = received(inbox, -1)
    assert answer["To"] == "lina@solrosen.example"
    assert answer["In-Reply-To"] == reply_id
    assert answer["References"].split() == [receipt["Message-ID"], reply_id]
    assert answer["Reply-To"] == receipt["Reply-To"]


def test_eml_download_is_for_officials_who_may_read_the_case(
    client, runner, mailbox, waiting_case, lead, login
):
    case_id, lead_id = waiting_case.id, lead.id
    raw = mails.plain(to=mails.reply_address(waiting_case.reply_token), body="Storgatan 4.")
    mailbox.deliver(raw)
    fetch(runner)
    message_id = max(m.id for m in case_messages(case_id))
    url = f"/arenden/{case_id}/meddelanden/{message_id}/original.eml"

    assert client.get(url).status_code == 302  # to the log-in page
    login()  # an official who may not read this case
    assert client.get(url).status_code == 403
    client.submit("/konto/logga-ut", {}, page_url="/")
    login(user=db.session.get(User, lead_id))
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "message/rfc822"
    assert b"Storgatan 4." in response.data
    first_message = min(m.id for m in case_messages(case_id))
    assert (
        client.get(f"/arenden/{case_id}/meddelanden/{first_message}/original.eml").status_code
        == 404
    )
