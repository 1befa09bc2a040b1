"""Inbound e-mail pages in a real browser: the admin list and a case with a mail; axe-clean."""

import pytest
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from lotsen.cases import services
from lotsen.cases.models import Channel, Message
from lotsen.extensions import db
from lotsen.inbound.models import InboundOutcome
from tests.factories import CategoryFactory, UserFactory
from tests.inbound.records import inbound_record

pytestmark = pytest.mark.browser


def test_admin_list_of_inbound_mail_is_accessible(app, live_server, page, axe, browser_login):
    admin_user = UserFactory(name="Alva Admin", roles=[Role.ADMIN, Role.OFFICIAL])
    browser_login(page, live_server, admin_user)
    page.goto(live_server("/admin/inkommande-e-post"))
    expect(page.locator("h1")).to_have_text("Inkommande e-post")
    expect(page.locator(".empty")).to_have_text("Inga meddelanden att visa.")
    axe(page)

    app.config["PAGE_SIZE"] = 2
    db.session.rollback()  # the server wrote meanwhile (the log-in): a fresh snapshot
    for n in range(3):
        inbound_record(n)
    inbound_record(9, InboundOutcome.THROTTLED, reason="More than 20 mails")
    page.goto(live_server("/admin/inkommande-e-post"))
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody tr").first).to_contain_text("More than 20 mails")
    axe(page)
    page.locator("#outcome").select_option("failed")
    page.locator("button[type=submit]", has_text="Visa").click()
    expect(page.locator("tbody tr").first).to_contain_text("Meddelande 2")
    axe(page)


def test_case_page_shows_the_channel_and_the_original_of_a_mail(
    app, live_server, page, axe, browser_login
):
    official = UserFactory(name="Maja Lots")
    case, _token = services.open_case(
        services.Submission(
            submitter_name="Lina Berg",
            subject="Uteservering",
            description="Vad behöver vi söka?",
            category_id=CategoryFactory().id,
            submitter_email="lina@solrosen.example",
            channel=Channel.EMAIL,
            email_message_id="<fraga-1@solrosen.example>",
        ),
        lead=official,
    )
    case.contact_bouncing = True
    first = db.session.query(Message).filter_by(case_id=case.id).one()
    db.session.commit()
    inbound_record(1, InboundOutcome.NEW_CASE, case_id=case.id, case_message_id=first.id)
    browser_login(page, live_server, official)
    page.goto(live_server(f"/arenden/{case.id}"))
    expect(page.locator(".message-submitter .message-meta")).to_contain_text("Kanal: E-post")
    expect(page.get_by_text("E-post kommer inte fram")).to_be_visible()
    link = page.get_by_role("link", name="Hämta hela e-postmeddelandet (.eml)")
    expect(link).to_be_visible()
    axe(page)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".eml")
