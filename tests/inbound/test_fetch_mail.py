"""The real worker (`flask lotsen fetch-mail`) against a real Dovecot: mail is delivered with IMAP
APPEND, fetched, processed in one transaction and moved to the processed or failed folder."""

from sqlalchemy import func, select

from lotsen.cases.models import Attachment, Case, CaseStatus, Message
from lotsen.extensions import db
from lotsen.inbound.models import InboundMessage, InboundOutcome
from lotsen.mail.models import OutboxMessage
from tests.cases.helpers import mails_to
from tests.inbound import mails

PROCESSED = "Lotsen/Behandlade"
FAILED = "Lotsen/Misslyckade"


def fetch(runner) -> str:
    result = runner.invoke(args=["lotsen", "fetch-mail"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def case_messages(case_id: int) -> list[Message]:
    return list(
        db.session.scalars(select(Message).where(Message.case_id == case_id).order_by(Message.id))
    )


def inbound(outcome=None) -> list[InboundMessage]:
    query = select(InboundMessage).order_by(InboundMessage.id)
    if outcome is not None:
        query = query.where(InboundMessage.outcome == outcome)
    return list(db.session.scalars(query))


def test_reply_to_the_case_address_lands_in_the_case_like_a_status_page_reply(
    runner, mailbox, waiting_case, lead
):
    case_id, token, lead_email = waiting_case.id, waiting_case.reply_token, lead.email
    mailbox.deliver(
        mails.plain(
            to=mails.reply_address(token),
            subject="Re: Svar på ditt ärende",
            body=mails.reply_text("Det gäller Storgatan 4, vid torget."),
        )
    )
    output = fetch(runner)

    assert "1 processed" in output
    message = case_messages(case_id)[-1]
    assert message.author_kind == "submitter"
    assert message.channel == "email"
    assert message.body.startswith("Det gäller Storgatan 4, vid torget.")
    assert "skrev:" not in message.body  # the quoted history is trimmed for display
    case = db.session.get(Case, case_id)
    assert case.status == CaseStatus.IN_PROGRESS  # the clock runs again
    assert [m.subject for m in mails_to(lead_email)][-1].startswith("Företagaren har svarat")
    assert mailbox.count("INBOX") == 0 and mailbox.count(PROCESSED) == 1
    assert inbound()[0].outcome == InboundOutcome.REPLY


def test_reply_found_by_in_reply_to_alone(runner, mailbox, waiting_case):
    case_id = waiting_case.id
    sent = mails_to("lina@solrosen.example")[-1]
    mailbox.deliver(
        mails.plain(
            subject="Re: Svar",
            body="Storgatan 4.",
            in_reply_to=sent.message_id,
        )
    )
    fetch(runner)
    assert case_messages(case_id)[-1].body == "Storgatan 4."


def test_case_number_in_the_subject_counts_only_from_the_case_contact(
    runner, mailbox, waiting_case
):
    case_id, number = waiting_case.id, waiting_case.number
    mailbox.deliver(
        mails.plain(sender="someone@elsewhere.example", subject=f"Angående {number}", body="Hej"),
        mails.plain(subject=f"Angående {number}", body="Storgatan 4."),
    )
    fetch(runner)
    assert [m.body for m in case_messages(case_id)][-1] == "Storgatan 4."
    stranger = db.session.scalar(
        select(Case).where(Case.submitter_email == "someone@elsewhere.example")
    )
    assert stranger is not None and stranger.id != case_id  # a case of its own, not a reply


def test_new_mail_opens_a_case_in_triage_with_a_receipt(runner, mailbox, category):
    category_id = category.id
    mailbox.deliver(mails.plain(body="Vi vill öppna en uteservering.\n\nLina Berg"))
    fetch(runner)

    case = db.session.scalar(select(Case))
    assert case.status == CaseStatus.NEW
    assert case.channel == "email"
    assert case.submitter_email == "lina@solrosen.example"
    assert case.submitter_name == "Lina Berg"
    assert case.subject == "Fråga om uteservering"
    assert case.category_id == category_id
    assert case_messages(case.id)[0].channel == "email"
    receipt = mails_to("lina@solrosen.example")[0]
    assert "/status/" in receipt.body_text
    assert receipt.reply_to == f"lotsgruppen+{case.reply_token}@kommun.example"


def test_outlook_html_only_mail_is_read_as_text(runner, mailbox, category):
    mailbox.deliver(mails.outlook_html_only())
    fetch(runner)
    case = db.session.scalar(select(Case))
    body = case_messages(case.id)[0].body
    assert "Behöver vi bygglov för ett förråd på 14 m²?" in body
    assert "alert" not in body and "MsoNormal" not in body


def test_large_pdf_and_inline_image_are_kept_through_the_upload_checks(
    runner, mailbox, waiting_case
):
    case_id = waiting_case.id
    mailbox.deliver(
        mails.with_pdf_and_inline_image(
            9 * 1024 * 1024, to=mails.reply_address(waiting_case.reply_token)
        )
    )
    fetch(runner)
    files = list(db.session.scalars(select(Attachment).where(Attachment.case_id == case_id)))
    assert sorted((f.filename, f.content_type) for f in files) == [
        ("logo.png", "image/png"),
        ("ritning.pdf", "application/pdf"),
    ]
    assert max(f.size for f in files) == 9 * 1024 * 1024


def test_a_file_the_web_form_refuses_is_refused_in_mail_too(runner, mailbox, waiting_case):
    case_id = waiting_case.id
    mailbox.deliver(
        mails.plain(
            to=mails.reply_address(waiting_case.reply_token),
            body="Se bifogat program.",
            attachments=[("program.exe", "application", "octet-stream", b"MZ\x90\x00binary")],
        )
    )
    fetch(runner)
    message = case_messages(case_id)[-1]
    assert message.attachments == []
    assert "program.exe är inte en tillåten filtyp" in message.body


def test_auto_reply_gets_no_receipt_and_reopens_nothing(runner, mailbox, waiting_case, lead):
    case_id = waiting_case.id
    mailbox.deliver(
        mails.out_of_office(to=mails.reply_address(waiting_case.reply_token)),
        mails.out_of_office(sender="okand@annanstans.example"),
    )
    fetch(runner)
    assert db.session.get(Case, case_id).status == CaseStatus.WAITING
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert mails_to("okand@annanstans.example") == []
    assert [r.outcome for r in inbound()] == [InboundOutcome.AUTO_REPLY] * 2
    assert mailbox.count(PROCESSED) == 2


def test_delivery_failure_marks_the_contact_bouncing_and_tells_the_lead(
    runner, mailbox, waiting_case, lead
):
    case_id, lead_email = waiting_case.id, lead.email
    sent = mails_to("lina@solrosen.example")[-1]
    before = len(mails_to(lead_email))
    mailbox.deliver(mails.delivery_failure("lina@solrosen.example", sent.message_id))
    fetch(runner)
    case = db.session.get(Case, case_id)
    assert case.contact_bouncing is True
    assert case.status == CaseStatus.WAITING
    to_lead = mails_to(lead_email)
    assert len(to_lead) == before + 1
    assert "kommer inte fram" in to_lead[-1].subject


def test_the_same_mail_delivered_twice_is_processed_once(runner, mailbox, waiting_case):
    case_id, count = waiting_case.id, len(case_messages(waiting_case.id))
    raw = mails.plain(to=mails.reply_address(waiting_case.reply_token), body="Storgatan 4.")
    mailbox.deliver(raw, raw)
    output = fetch(runner)
    assert "1 processed" in output and "1 already processed" in output
    assert len(case_messages(case_id)) == count + 1
    assert mailbox.count("INBOX") == 0 and mailbox.count(PROCESSED) == 2


def test_malformed_mail_goes_to_the_failed_folder_and_the_rest_goes_on(runner, mailbox, category):
    mailbox.deliver(mails.malformed(), mails.plain())
    fetch(runner)
    failed = inbound(InboundOutcome.FAILED)
    assert len(failed) == 1 and failed[0].reason
    assert mailbox.count(FAILED) == 1 and mailbox.count(PROCESSED) == 1
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_iso_8859_1_mail_is_decoded(runner, mailbox, category):
    mailbox.deliver(mails.latin1())
    fetch(runner)
    case = db.session.scalar(select(Case))
    assert case.subject == "Tillstånd för smedjan"
    assert "Vår smedja i Älvängen" in case_messages(case.id)[0].body
    assert case.submitter_name == "Åsa Öberg"


def test_mail_from_the_teams_own_address_is_ignored(runner, mailbox, category):
    mailbox.deliver(mails.plain(sender=f"Lotsgruppen <{mails.TEAM}>"))
    fetch(runner)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert inbound()[0].outcome == InboundOutcome.IGNORED


def test_a_sender_mailing_too_often_is_throttled(app, runner, mailbox, category):
    app.config["INBOUND_MAX_PER_SENDER_PER_HOUR"] = 2
    mailbox.deliver(*(mails.plain(subject=f"Fråga {n}") for n in range(4)))
    fetch(runner)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
    assert len(inbound(InboundOutcome.THROTTLED)) == 2
    assert mailbox.count(FAILED) == 2


def test_workers_with_shares_take_disjoint_halves_of_one_mailbox(runner, mailbox, category):
    mailbox.deliver(
        *(mails.plain(subject=f"Fråga {n}", sender=f"f{n}@example.se") for n in range(5))
    )
    uids = mailbox.uids("INBOX")

    first = runner.invoke(args=["lotsen", "fetch-mail", "--share", "1/2"])
    db.session.expire_all()
    taken_first = {record.uid for record in inbound()}
    second = runner.invoke(args=["lotsen", "fetch-mail", "--share", "2/2"])
    db.session.expire_all()

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert taken_first == {uid for uid in uids if uid % 2 == 0}
    assert sorted(record.uid for record in inbound()) == sorted(uids)  # each exactly once
    assert db.session.scalar(select(func.count()).select_from(Case)) == 5
    assert mailbox.count("INBOX") == 0 and mailbox.count(PROCESSED) == 5


def test_a_share_that_is_not_k_of_n_is_refused_before_any_mail_is_read(runner, mailbox, category):
    mailbox.deliver(mails.plain())
    for share in ("3/2", "0/2", "1", "a/b", "1/100"):
        result = runner.invoke(args=["lotsen", "fetch-mail", "--share", share])
        assert result.exit_code == 2 and "--share" in result.output, share
    assert mailbox.count("INBOX") == 1 and inbound() == []


def test_imaps_works_as_well_as_starttls(app, runner, mailbox, category):
    app.config["INBOUND_MAILBOXES"] = [mailbox.mailbox_settings(security="ssl")]
    mailbox.deliver(mails.plain())
    fetch(runner)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_outgoing_mail_about_a_case_carries_its_reply_address(mailbox, waiting_case):
    mail = mails_to("lina@solrosen.example")[-1]
    assert mail.reply_to == mails.reply_address(waiting_case.reply_token)
    assert db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.reply_to.is_not(None))
    ) == len(mails_to("lina@solrosen.example"))
