"""Administration → Webhooks: registering, changing, turning off, rotating, removing, the log
and redelivery; admins only; Swedish pages that keep what was typed."""

import re

import pytest
from flask import current_app
from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.webhooks.models import DeliveryStatus, DisabledBy, WebhookEndpoint
from lotsen.webhooks.outbox import write_version
from tests.webhooks.helpers import deliver_everything, deliveries, register
from tests.webhooks.test_delivery import event

pytestmark = pytest.mark.usefixtures("webhook_settings")

LIST = "/admin/webhooks/"
NEW = "/admin/webhooks/ny"


def form(url="http://127.0.0.1:8080/lotsen", description="Diariet hos kansliet", events=None):
    return {
        "url": url,
        "description": description,
        "events": events if events is not None else ["case.created", "case.closed"],
    }


def endpoint_row() -> WebhookEndpoint:
    db.session.expire_all()
    return db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())).first()


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER])
def test_only_admins_reach_the_webhook_pages(client, login, role):
    login(role)
    for url in (LIST, NEW):
        assert client.get(url).status_code == 403
    assert client.post(NEW, data=form()).status_code in (400, 403)


def test_the_admin_navigation_leads_to_webhooks(client, login):
    login(Role.ADMIN)
    page = client.get("/admin/").get_data(as_text=True)
    assert f'href="{LIST}"' in page
    listing = client.get(LIST).get_data(as_text=True)
    assert "<h1>Webhooks</h1>" in listing and "Inga slutpunkter är registrerade." in listing
    assert 'aria-current="page">Webhooks' in listing


def test_an_admin_registers_an_endpoint_and_is_shown_its_secret(client, login):
    login(Role.ADMIN)
    response = client.submit(NEW, form())
    endpoint = endpoint_row()
    assert response.status_code == 302
    assert response.location == f"/admin/webhooks/{endpoint.id}"
    assert endpoint.events == ["case.created", "case.closed"] and endpoint.enabled
    page = client.get(response.location).get_data(as_text=True)
    assert "Slutpunkten är registrerad." in page
    assert endpoint.secret in page and endpoint.secret.startswith("whsec_")
    assert "Ärende skapat, Ärende avslutat" in page
    assert "Webhook: http://127.0.0.1:8080/lotsen" in page  # the change history
    listing = client.get(LIST).get_data(as_text=True)
    assert "http://127.0.0.1:8080/lotsen" in listing and "Diariet hos kansliet" in listing


@pytest.mark.parametrize(
    "values, message",
    [
        (form(url="http://intranet.kommun.se/hook"), "Okrypterad http är bara tillåten"),
        (form(url="ftp://kommun.se/x"), "Adressen ska börja med https://."),
        (form(url="https://anna:hemligt@kommun.se/x"), "Skriv inte användarnamn eller lösenord"),
        (form(url="https://169.254.169.254/latest"), "Dit skickas aldrig webhooks"),
        (form(url=""), "Fyll i adressen."),
        (form(events=[]), "Välj minst en händelse."),
        (form(events=["case.deleted"]), "är inte ett giltigt val"),
        (form(description="   "), "Skriv vad slutpunkten används till."),
        (form(description="x" * 301), "Beskrivningen får vara högst 300 tecken."),
    ],
)
def test_a_refused_endpoint_keeps_what_was_typed(client, login, values, message):
    login(Role.ADMIN)
    response = client.submit(NEW, values)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page, page[page.find("<main") :][:3000]
    assert 'id="error-summary"' in page
    if values["url"]:
        assert f'value="{values["url"].replace("&", "&amp;")}"' in page
    if values["description"].strip():
        assert values["description"][:50] in page
    for chosen in set(values["events"]) & {"case.created", "case.closed"}:
        assert re.search(
            f'<input checked id="events-\\d+" name="events" [^>]*value="{chosen}"', page
        )
    assert endpoint_row() is None


def test_private_addresses_are_refused_unless_the_setting_allows_them(client, login, app):
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = False
    login(Role.ADMIN)
    page = client.submit(NEW, form(url="http://localhost:8080/hook")).get_data(as_text=True)
    assert "Adressen pekar på ett internt nätverk" in page
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = ["127.0.0.0/8", "::1/128"]
    assert client.submit(NEW, form(url="http://localhost:8080/hook")).status_code == 302


def test_the_same_url_twice_is_refused(client, login):
    login(Role.ADMIN)
    assert client.submit(NEW, form()).status_code == 302
    page = client.submit(NEW, form(url="HTTP://127.0.0.1:8080/lotsen")).get_data(as_text=True)
    assert "Det finns redan en slutpunkt med den adressen." in page


def test_an_admin_changes_turns_off_rotates_and_removes_an_endpoint(client, login):
    login(Role.ADMIN)
    client.submit(NEW, form())
    endpoint = endpoint_row()
    page_url = f"/admin/webhooks/{endpoint.id}"
    old_secret = endpoint.secret

    edit = client.get(f"{page_url}/andra").get_data(as_text=True)
    assert 'value="Diariet hos kansliet"' in edit
    response = client.submit(
        f"{page_url}/andra", form(description="Diariet", events=["survey.answered"])
    )
    assert response.status_code == 302
    assert endpoint_row().events == ["survey.answered"]

    client.submit(f"{page_url}/aktiv", {"enabled": "0"}, page_url=page_url)
    page = client.get(page_url).get_data(as_text=True)
    assert not endpoint_row().enabled and "Slutpunkten är avstängd." in page
    assert "Skicka alla misslyckade igen" not in page
    client.submit(f"{page_url}/aktiv", {"enabled": "1"}, page_url=page_url)
    assert endpoint_row().enabled

    response = client.submit(f"{page_url}/ny-hemlighet", {}, page_url=page_url)
    page = client.get(response.location).get_data(as_text=True)
    rotated = endpoint_row()
    assert rotated.secret != old_secret and rotated.previous_secret == old_secret
    assert "Slutpunkten har en ny hemlighet." in page and "Den förra hemligheten" in page

    confirm = client.get(f"{page_url}/ta-bort").get_data(as_text=True)
    assert "Ta bort slutpunkten?" in confirm
    response = client.submit(f"{page_url}/ta-bort", {})
    assert response.location == LIST
    assert "Inga slutpunkter är registrerade." in client.get(LIST).get_data(as_text=True)
    assert client.get(page_url).status_code == 404
    assert client.get(f"{page_url}/andra").status_code == 404


def test_the_log_lists_deliveries_with_paging_and_a_redeliver_button(app, client, login, receiver):
    endpoint = register(receiver.url())
    receiver.script = [500]
    app.config["WEBHOOK_RETRY_SCHEDULE"] = ()  # one try only: the first delivery fails
    for number in range(3):
        event(number)
    deliver_everything()
    failed, *delivered = deliveries()
    assert failed.status == DeliveryStatus.FAILED
    app.config["PAGE_SIZE"] = 2
    login(Role.ADMIN)
    page_url = f"/admin/webhooks/{endpoint.id}"

    page = client.get(page_url).get_data(as_text=True)
    assert page.count("<tr>") == 3  # a header row and two deliveries, newest first
    assert "Nästa sida" in page and "Ärende skapat" in page
    failed_only = client.get(page_url + "?status=failed").get_data(as_text=True)
    assert "HTTP 500" in failed_only and "Misslyckad" in failed_only
    assert failed_only.count("<tr>") == 2

    detail = client.get(f"/admin/webhooks/leveranser/{failed.id}").get_data(as_text=True)
    assert (
        failed.message_id in detail and "&#34;case_number&#34;: &#34;LOTS-2026-0000&#34;" in detail
    )
    assert "Misslyckades" in detail and "500" in detail

    response = client.submit(
        f"/admin/webhooks/leveranser/{failed.id}/skicka-igen",
        {"back": "endpoint"},
        page_url=page_url,
    )
    assert response.location == page_url
    assert "Leveransen skickas igen." in client.get(page_url).get_data(as_text=True)
    deliver_everything()
    assert [d.status for d in deliveries()] == [DeliveryStatus.DELIVERED] * 3


def test_odd_filters_and_cursors_show_the_list_from_the_top(app, client, login):
    endpoint = register("http://127.0.0.1:9/hook")
    event()
    login(Role.ADMIN)
    for query in ("?status=%00", "?status=x" * 50, "?after=bogus", "?after=W1tdLDFd"):
        response = client.get(f"/admin/webhooks/{endpoint.id}{query}")
        assert response.status_code == 200
        assert "Ärende skapat" in response.get_data(as_text=True)
    assert client.get("/admin/webhooks/99999").status_code == 404
    assert client.get("/admin/webhooks/leveranser/99999").status_code == 404


def test_an_endpoint_turned_off_by_failures_is_shown_on_the_admin_pages(client, login):
    endpoint = register("http://127.0.0.1:9/hook")
    with current_app.test_request_context():
        row = db.session.get(WebhookEndpoint, endpoint.id)
        row.enabled, row.disabled_by, row.disabled_at = False, DisabledBy.FAILURES, utcnow()
        row.consecutive_failures = 20
        write_version()
        db.session.commit()
    login(Role.ADMIN)
    for url in ("/admin/", LIST):
        page = client.get(url).get_data(as_text=True)
        assert "efter för många misslyckade försök i rad" in page
        assert f'href="/admin/webhooks/{endpoint.id}"' in page
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "efter 20 misslyckade försök i rad" in page
    client.submit(f"/admin/webhooks/{endpoint.id}/aktiv", {"enabled": "1"})
    assert "misslyckade försök" not in client.get("/admin/").get_data(as_text=True)


def test_english_pages(client, login):
    login(Role.ADMIN)
    client.submit("/sprak", {"language": "en", "next": LIST}, page_url=LIST)
    page = client.get(LIST).get_data(as_text=True)
    assert "No endpoints are registered." in page
    assert "Case created" in client.get(NEW).get_data(as_text=True)
