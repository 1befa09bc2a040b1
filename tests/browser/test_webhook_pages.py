"""Administration → Webhooks in Chromium: an admin registers an endpoint, reads its secret, follows
the delivery log and sends a delivery again; every page passes axe and fits a phone."""

import pytest
from flask import current_app
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from lotsen.extensions import db
from lotsen.webhooks import endpoints
from lotsen.webhooks.delivery import send_due_webhooks
from lotsen.webhooks.models import EventType
from lotsen.webhooks.outbox import enqueue
from tests.browser.test_phone_layout import horizontal_overflow, phone_page, widest_elements
from tests.factories import UserFactory
from tests.webhooks.conftest import receiver  # noqa: F401  (the receiving endpoint fixture)

pytestmark = pytest.mark.browser


def queue_events(count: int) -> None:
    db.session.rollback()  # the server wrote meanwhile (the endpoint): a fresh snapshot
    with current_app.test_request_context():
        for number in range(count):
            enqueue(EventType.CASE_CREATED, lambda n=number: {"case_id": n + 1})
        db.session.commit()


def test_an_admin_registers_an_endpoint_and_follows_its_deliveries(
    app,
    live_server,
    page,
    axe,
    browser_login,
    receiver,  # noqa: F811
):
    app.config.update(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True, WEBHOOK_RETRY_SCHEDULE=())
    admin = UserFactory(name="Alva Admin", roles=[Role.ADMIN])
    db.session.commit()
    browser_login(page, live_server, admin)

    page.goto(live_server("/admin/"))
    page.locator(".sidebar").get_by_role("link", name="Webhooks").click()
    expect(page.locator("h1")).to_have_text("Webhooks")
    expect(page.locator(".empty")).to_have_text("Inga slutpunkter är registrerade.")
    axe(page)

    page.get_by_role("link", name="Ny slutpunkt").click()
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("Välj minst en händelse.")
    axe(page)
    page.get_by_label("Adress (URL)").fill("http://intranet.kommun.example/lotsen")
    page.get_by_label("Beskrivning").fill("Diariet hos kansliet")
    page.get_by_label("Ärende skapat").check()
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#error-summary")).to_contain_text("Okrypterad http")
    expect(page.get_by_label("Beskrivning")).to_have_value("Diariet hos kansliet")
    expect(page.get_by_label("Ärende skapat")).to_be_checked()
    axe(page)
    page.get_by_label("Adress (URL)").fill(receiver.url())
    page.get_by_label("Ärende avslutat").press("Space")  # keyboard works too
    page.get_by_role("button", name="Spara").click()

    expect(page.locator(".flash-success")).to_contain_text("Slutpunkten är registrerad")
    secret = page.locator(".secret-value")
    expect(secret).to_be_hidden()
    page.get_by_text("Visa hemligheten").click()
    expect(secret).to_contain_text("whsec_")
    receiver.secrets = [secret.inner_text()]
    axe(page)

    receiver.script = [500]
    queue_events(3)
    send_due_webhooks()  # the first fails (and is not retried: no schedule), then the endpoint
    send_due_webhooks()  # waits for the next pass
    page.reload()
    rows = page.locator("section.deliveries tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.last).to_contain_text("HTTP 500")
    axe(page)

    rows.last.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Leverans")
    expect(page.locator("pre.payload").first).to_contain_text('"type": "case.created"')
    axe(page)
    page.get_by_role("button", name="Skicka igen").click()
    expect(page.locator(".flash-success")).to_have_text("Leveransen skickas igen.")
    send_due_webhooks()
    page.reload()
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody tr").first).to_contain_text("Lyckades")
    axe(page)
    assert len(receiver.accepted) == 3 and all(r.verified for r in receiver.requests)

    page.get_by_role("link", name="Slutpunkt", exact=True).click()
    page.get_by_role("link", name="Ta bort").click()
    expect(page.locator("h1")).to_have_text("Ta bort slutpunkten?")
    axe(page)
    page.get_by_role("button", name="Ta bort slutpunkten").click()
    expect(page.locator(".flash-success")).to_have_text("Slutpunkten är borttagen.")


def test_the_webhook_pages_fit_a_375px_screen(app, live_server, browser, browser_login):
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = True
    admin = UserFactory(name="Alva Admin", roles=[Role.ADMIN])
    long_url = "http://127.0.0.1:9/" + "lotsen/" * 20 + "webhook?" + "x" * 120
    with current_app.test_request_context():
        endpoint = endpoints.create_endpoint(
            admin, endpoints.EndpointData(long_url, "Diariet " * 20, [e.value for e in EventType])
        )
        db.session.commit()
    queue_events(1)
    send_due_webhooks()
    page = phone_page(browser)
    browser_login(page, live_server, admin)
    too_wide = {}
    for path in (
        "/admin/webhooks/",
        "/admin/webhooks/ny",
        f"/admin/webhooks/{endpoint.id}",
        f"/admin/webhooks/{endpoint.id}/andra",
        f"/admin/webhooks/{endpoint.id}/ta-bort",
    ):
        page.goto(live_server(path))
        if path == f"/admin/webhooks/{endpoint.id}":
            page.get_by_text("Visa hemligheten").click()  # the secret is one long word
        too_wide[path] = (horizontal_overflow(page), widest_elements(page))
    page.goto(live_server(f"/admin/webhooks/{endpoint.id}"))
    page.locator("tbody tr a").first.click()
    too_wide["the delivery page"] = (horizontal_overflow(page), widest_elements(page))
    page.context.close()
    assert {path: found for path, found in too_wide.items() if found[0] > 0} == {}
