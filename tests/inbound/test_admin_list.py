"""Administration → Inkommande e-post: failed and throttled mail with its reason and original."""

from lotsen.accounts.models import Role
from lotsen.inbound.models import InboundOutcome
from tests.inbound.records import inbound_record


def test_admin_list_shows_failed_and_throttled_mail_newest_first(app, client, login):
    inbound_record(1)
    inbound_record(2, InboundOutcome.NEW_CASE)
    inbound_record(3, InboundOutcome.THROTTLED, reason="More than 20 mails")
    login(Role.ADMIN)
    page = client.get("/admin/inkommande-e-post").get_data(as_text=True)
    assert "Meddelande 3" in page and "Meddelande 1" in page
    assert "Meddelande 2" not in page
    assert page.index("Meddelande 3") < page.index("Meddelande 1")
    assert "No sender address" in page and "More than 20 mails" in page

    every_new_case = client.get("/admin/inkommande-e-post?outcome=new_case").get_data(as_text=True)
    assert "Meddelande 2" in every_new_case and "Meddelande 1" not in every_new_case


def test_admin_list_pages_with_a_cursor(app, client, login):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        inbound_record(n)
    login(Role.ADMIN)
    first = client.get("/admin/inkommande-e-post").get_data(as_text=True)
    assert "Meddelande 4" in first and "Meddelande 3" in first and "Meddelande 2" not in first
    cursor = first.split("after=")[1].split('"')[0].replace("&amp;", "&")
    second = client.get(f"/admin/inkommande-e-post?after={cursor}").get_data(as_text=True)
    assert "Meddelande 2" in second and "Meddelande 1" in second and "Meddelande 4" not in second


def test_admin_list_empty_state_and_hostile_filters(app, client, login):
    login(Role.ADMIN)
    page = client.get("/admin/inkommande-e-post?outcome=%00bad&after=garbage")
    assert page.status_code == 200
    assert "Inga meddelanden att visa." in page.get_data(as_text=True)


def test_only_admins_see_the_list_and_the_sources(app, client, login):
    record = inbound_record(1)
    login(Role.OFFICIAL)
    assert client.get("/admin/inkommande-e-post").status_code == 403
    assert client.get(f"/admin/inkommande-e-post/{record.id}/original.eml").status_code == 403


def test_admin_downloads_the_original_uncached(app, client, login):
    record = inbound_record(7)
    login(Role.ADMIN)
    response = client.get(f"/admin/inkommande-e-post/{record.id}/original.eml")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data == b"Subject: Meddelande 7\r\n\r\nText 7\r\n"
    assert client.get("/admin/inkommande-e-post/999999/original.eml").status_code == 404
