"""E-mail that reads well (issue 14): multipart/alternative from one Markdown source, one
greeting, the signature, the case number in the subject, threading, the business owner's
language and a readable console backend."""

from email import message_from_bytes, policy

from flask_babel import lazy_gettext as _l

from lotsen.accounts.models import Role
from lotsen.cases import services as cases
from lotsen.extensions import db
from lotsen.mail import services
from tests.cases.helpers import latest_case, mails_to, submit_question
from tests.factories import CategoryFactory, UserFactory
from tests.mail.test_outbox import queue_reset_mail


def parsed(envelope):
    return message_from_bytes(envelope.content, policy=policy.default)


def parts_of(mail) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in mail.walk()
        if part.get_content_maintype() == "text" and not part.is_attachment()
    }


def mail_to(inbox, address):
    [envelope] = [e for e in inbox if address in e.rcpt_tos]
    return parsed(envelope)


def reply_as_official(case, body: str):
    official = UserFactory(name="Erik Johansson", roles=[Role.OFFICIAL])
    db.session.add(case)
    cases.post_public_reply(case, official, body)
    db.session.commit()


def test_receipt_and_reply_are_multipart_alternative_with_text_and_safe_html(
    app, client, start_smtp_server
):
    inbox = start_smtp_server()
    category = CategoryFactory()
    submit_question(
        client,
        category,
        subject="<script>alert(1)</script> Uteservering & skyltar",
        submitter_name="Lina <b>Berg</b>",
    )
    case = latest_case()
    reply_as_official(case, "### Bygglov\n\nNi behöver **bygglov** för:\n\n- skylten\n- taket")
    assert services.send_due_mail() == (2, 0)

    receipt, reply = (parsed(e) for e in inbox.messages)
    for mail in (receipt, reply):
        assert mail.get_content_type() == "multipart/alternative"
        parts = parts_of(mail)
        assert set(parts) == {"text/plain", "text/html"}
        for body in parts.values():
            assert "**" not in body and "###" not in body
            assert "Lerums kommun" in body and "Lotsgruppen" in body  # the signature
        assert case.number in mail["Subject"]
        plain, html = parts["text/plain"], parts["text/html"]
        assert plain.count("Hej ") == 1 and "Hej Lina <b>Berg</b>!" in plain
        assert "<script>" not in html and "<b>Berg</b>" not in html
        assert "Hej Lina &lt;b&gt;Berg&lt;/b&gt;!" in html
        assert '<a href="http://' in html and "/status/" in html
    reply_parts = parts_of(reply)
    assert "Ni behöver bygglov för:" in reply_parts["text/plain"]
    assert "- skylten\n- taket" in reply_parts["text/plain"]
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; Uteservering &amp; skyltar"
        in (reply_parts["text/html"])
    )
    assert "<strong>bygglov</strong>" in reply_parts["text/html"]
    assert "<li>skylten</li>" in reply_parts["text/html"]
    assert "\n-- \nErik Johansson\nLotsgruppen\nLerums kommun" in reply_parts["text/plain"]


def test_mail_about_a_case_threads_on_the_receipt(app, client, start_smtp_server):
    inbox = start_smtp_server()
    submit_question(client, CategoryFactory())
    case = latest_case()
    reply_as_official(case, "Ni behöver bygglov.")
    with app.test_request_context():
        services.queue_mail(  # a subject without the number gets it
            case.submitter_email,
            _l("Inbjudan: %(title)s", title="Möte om uteserveringen"),
            "mail/case_new_link.txt",
            case=case,
            link="http://127.0.0.1:5000/status/ny-lank",
        )
    db.session.commit()
    receipt_row, reply_row, invitation_row = mails_to("lina@solrosen.example")
    assert services.send_due_mail() == (3, 0)

    receipt, reply, invitation = (parsed(e) for e in inbox.messages)
    assert receipt["Message-ID"] == receipt_row.message_id  # fixed when queued
    assert receipt["In-Reply-To"] is None
    for later in (reply, invitation):
        assert later["Message-ID"] not in (None, receipt["Message-ID"])
        assert later["In-Reply-To"] == receipt["Message-ID"]
        assert later["References"] == receipt["Message-ID"]
    assert invitation["Subject"] == f"Inbjudan: Möte om uteserveringen – {case.number}"
    assert reply_row.message_id == reply["Message-ID"]
    assert invitation_row.in_reply_to == receipt_row.message_id


def test_a_business_owner_who_used_the_english_form_gets_english_mail(
    app, client, start_smtp_server
):
    inbox = start_smtp_server()
    client.submit("/sprak", {"language": "en", "next": "/fraga"}, page_url="/fraga")
    submit_question(client, CategoryFactory())
    case = latest_case()
    assert case.submitter_locale == "en"
    reply_as_official(case, "Ni behöver bygglov.")
    assert services.send_due_mail() == (2, 0)

    receipt, reply = (parsed(e) for e in inbox.messages)
    assert receipt["Subject"] == f"We have received your question – {case.number}"
    assert reply["Subject"] == f"Reply to your case {case.number}"
    assert receipt["Content-Language"] == "en"
    for mail in (receipt, reply):
        plain = parts_of(mail)["text/plain"]
        assert plain.startswith("Hello Lina Berg!")
        assert "Hej" not in plain
        assert '<html lang="en">' in parts_of(mail)["text/html"]


def test_swedish_form_means_swedish_mail(app, client, start_smtp_server):
    inbox = start_smtp_server()
    submit_question(client, CategoryFactory())
    assert latest_case().submitter_locale == "sv"
    services.send_due_mail()
    [receipt] = (parsed(e) for e in inbox.messages)
    assert receipt["Subject"].startswith("Vi har tagit emot din fråga")
    assert parts_of(receipt)["text/plain"].startswith("Hej Lina Berg!")


def test_the_console_backend_prints_mail_decoded(app, capsys):
    app.config["MAIL_BACKEND"] = "console"
    queue_reset_mail(UserFactory(name="Åsa Öberg", email="asa@kommun.example"))
    assert services.send_due_mail() == (1, 0)
    printed = capsys.readouterr().out
    assert "Subject: Återställ ditt lösenord i Lotsen" in printed
    assert "To: asa@kommun.example" in printed
    assert "Hej Åsa Öberg!" in printed
    assert "/konto/nytt-losenord/" in printed
    assert "=?utf-8?" not in printed and "=C3" not in printed and "base64" not in printed
