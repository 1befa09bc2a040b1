"""process_inbound_message on its own (no mail server): keys, threading and the bounce flag."""

from email.utils import make_msgid

from sqlalchemy import func, select

from lotsen.cases import services
from lotsen.cases.models import Case, CaseStatus, Message
from lotsen.extensions import db
from lotsen.inbound.models import InboundMessage, InboundOutcome
from lotsen.inbound.services import process_inbound_message
from tests.cases.helpers import mails_to
from tests.inbound import mails


def process(raw: bytes, uid=None):
    outcome = process_inbound_message(raw, mailbox="lotsgruppen", uidvalidity=7, uid=uid)
    db.session.commit()
    return outcome


def test_a_mail_without_message_id_is_keyed_by_its_bytes(app, category):
    raw = mails.plain().replace(b"Message-ID:", b"X-Old-Message-ID:")
    first, again = process(raw), process(raw)
    assert first.record.message_id.startswith("<sha256.")
    assert again.duplicate and again.record.id == first.record.id
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_the_same_uid_is_not_processed_twice_even_with_another_message_id(app, category):
    process(mails.plain(), uid=41)
    assert process(mails.plain(), uid=41).duplicate


def test_a_second_mail_of_the_company_threads_under_its_first(app, category, mailbox):
    first_id = make_msgid(domain="solrosen.example")
    process(mails.plain(message_id=first_id))
    case = db.session.scalar(select(Case))
    process(mails.plain(subject="Re: Fråga", body="Och en sak till.", in_reply_to=first_id))
    bodies = db.session.scalars(select(Message.body).where(Message.case_id == case.id)).all()
    assert bodies[-1] == "Och en sak till."


def test_a_closed_case_is_not_reopened_by_mail_a_new_case_is_opened(
    app, mailbox, waiting_case, lead
):
    services.set_status(waiting_case, lead, CaseStatus.ANSWERED)
    services.set_status(waiting_case, lead, CaseStatus.CLOSED)
    db.session.commit()
    process(mails.plain(to=mails.reply_address(waiting_case.reply_token), body="En ny fråga."))
    assert db.session.get(Case, waiting_case.id).status == CaseStatus.CLOSED
    newest = db.session.scalars(select(Case).order_by(Case.id.desc())).first()
    assert newest.id != waiting_case.id and newest.channel == "email"


def test_a_guessed_token_matches_nothing(app, mailbox, waiting_case):
    guessed = "0" * 32
    process(mails.plain(to=mails.reply_address(guessed), body="Hej"))
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2  # a new case


def test_bouncing_flag_is_cleared_when_the_address_is_corrected(app, mailbox, waiting_case, lead):
    sent = mails_to("lina@solrosen.example")[-1]
    process(mails.delivery_failure("lina@solrosen.example", sent.message_id))
    process(mails.delivery_failure("lina@solrosen.example", sent.message_id + "x"))
    case = db.session.get(Case, waiting_case.id)
    assert case.contact_bouncing
    assert len([m for m in mails_to(lead.email) if "kommer inte fram" in m.subject]) == 1
    services.update_case(
        case, lead, {"submitter_email": "lina@solrosen.se"}, expected_version=case.version
    )
    db.session.commit()
    assert db.session.get(Case, waiting_case.id).contact_bouncing is False


def test_an_unreadable_mail_is_recorded_as_failed_with_its_reason(app):
    outcome = process(b"\r\n\r\n" + b"x" * 100)
    assert outcome.record.outcome == InboundOutcome.FAILED
    assert outcome.record.reason
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_fetch_mail_says_what_is_wrong_with_the_mailbox_settings(app, runner):
    result = runner.invoke(args=["lotsen", "fetch-mail"])
    assert result.exit_code == 1 and "No mailbox configured" in result.output
    app.config["INBOUND_MAILBOXES"] = [{"host": "imap.kommun.example", "username": "x"}]
    result = runner.invoke(args=["lotsen", "fetch-mail"])
    assert result.exit_code == 1 and "a password or oauth2" in result.output


def test_fetch_mail_reports_an_unreachable_server_in_one_line(app, runner):
    from tests.mail.conftest import free_port

    app.config["INBOUND_MAILBOXES"] = [
        {"host": "127.0.0.1", "port": free_port(), "security": "none", "username": "x",
         "password": "y"}
    ]  # fmt: skip
    result = runner.invoke(args=["lotsen", "fetch-mail"])
    assert result.exit_code == 1 and "Mailbox unavailable" in result.output
