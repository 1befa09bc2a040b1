"""The business owner's whole journey in Chromium, with e-mail through a real SMTP server."""

import re
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from lotsen.extensions import db
from lotsen.mail.services import send_due_mail
from tests.cases.helpers import PDF
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.browser


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox(app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_BACKEND="smtp")
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler
    controller.stop()


def body_of(message) -> str:
    """The plain-text part of a multipart/alternative mail."""
    [plain] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    return plain.get_payload(decode=True).decode(plain.get_content_charset() or "utf-8")


def test_ask_follow_reply_and_the_official_sees_it(
    app, live_server, page, browser, axe, inbox, tmp_path, browser_login
):
    CategoryFactory(name="Livsmedel och servering", help_text="Livsmedelslokal och servering.")
    official = UserFactory(name="Karin Lindqvist", roles=[Role.OFFICIAL])
    drawing = tmp_path / "planritning.pdf"
    drawing.write_bytes(PDF)

    page.goto(live_server("/fraga"))
    axe(page)
    page.get_by_label("Företagets namn").fill("Café Solrosen AB")
    page.get_by_label("Ditt namn").fill("Lina Berg")
    page.get_by_label("E-postadress").fill("lina@solrosen.example")
    page.get_by_label("Vad gäller frågan?").select_option(label="Livsmedel och servering")
    page.get_by_label("Rubrik").fill("Uteservering på Torget")
    page.get_by_label("Beskriv din fråga").fill("Vi vill servera kaffe ute i sommar.")
    page.get_by_label("Bifoga filer (valfritt)").set_input_files(str(drawing))
    page.get_by_role("button", name="Skicka frågan").click()

    # Forgot the personal-data acknowledgement: the form comes back with everything kept.
    expect(page.locator("#error-summary")).to_contain_text("Du behöver bekräfta")
    expect(page.get_by_label("Rubrik")).to_have_value("Uteservering på Torget")
    expect(page.locator(".kept-files")).to_contain_text("planritning.pdf")
    axe(page)
    page.get_by_label("Jag har läst hur kommunen behandlar mina personuppgifter.").check()
    page.get_by_role("button", name="Skicka frågan").click()

    expect(page.locator("h1")).to_have_text("Tack! Vi har tagit emot din fråga")
    case_number = page.locator(".case-number").inner_text()
    assert re.fullmatch(r"LOTS-\d{4}-\d{4}", case_number)
    axe(page)

    assert send_due_mail() == (1, 0)  # the sender process delivers the receipt
    [receipt] = inbox.messages
    assert receipt["To"] == "lina@solrosen.example" and case_number in receipt["Subject"]
    link = re.search(r"http://\S+/status/\S+", body_of(receipt)).group(0)
    status_path = link.split("://", 1)[1].split("/", 1)[1]

    page.goto(live_server("/" + status_path))
    expect(page.locator("h1")).to_contain_text(case_number)
    expect(page.locator(".messages")).to_contain_text("Vi vill servera kaffe ute i sommar.")
    expect(page.get_by_role("link", name="planritning.pdf")).to_be_visible()
    axe(page)
    page.get_by_label("Ditt svar").fill("Vi har också frågor om skyltning.")
    page.get_by_role("button", name="Skicka svar").click()
    expect(page.locator(".flash-success")).to_contain_text("Ditt svar är skickat")
    expect(page.locator(".messages")).to_contain_text("Vi har också frågor om skyltning.")

    official_page = browser.new_context(locale="sv-SE").new_page()
    browser_login(official_page, live_server, official)
    official_page.goto(live_server("/arenden/"))
    axe(official_page)
    official_page.get_by_role("link", name=case_number).click()
    expect(official_page.locator(".case-timeline")).to_contain_text(
        "Vi har också frågor om skyltning."
    )
    expect(official_page.get_by_role("link", name="planritning.pdf")).to_be_visible()
    axe(official_page)
    official_page.goto(live_server("/arenden/ny"))
    axe(official_page)
    official_page.context.close()
    db.session.rollback()


def test_smtp_down_the_question_is_saved_and_mailed_when_it_returns(app, live_server, page):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_BACKEND="smtp")
    CategoryFactory(name="Mark och etablering")
    page.goto(live_server("/fraga"))
    page.get_by_label("Ditt namn").fill("Johan Ek")
    page.get_by_label("E-postadress").fill("johan@akeri.example")
    page.get_by_label("Vad gäller frågan?").select_option(label="Mark och etablering")
    page.get_by_label("Rubrik").fill("Tomt för lastbilsdepå")
    page.get_by_label("Beskriv din fråga").fill("Finns det industrimark nära E20?")
    page.get_by_label("Jag har läst hur kommunen behandlar mina personuppgifter.").check()
    page.get_by_role("button", name="Skicka frågan").click()
    expect(page.locator(".case-number")).to_be_visible()

    assert send_due_mail() == (0, 1)  # nobody listens: kept for a retry
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        from sqlalchemy import update

        from lotsen.db_types import utcnow
        from lotsen.mail.models import OutboxMessage

        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert send_due_mail() == (1, 0)
        assert handler.messages[0]["To"] == "johan@akeri.example"
    finally:
        controller.stop()
