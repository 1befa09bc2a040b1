"""The worker: retries on schedule, turning failing endpoints off, redelivery, isolation of bad
deliveries, timeouts, redirects, bounded answers, leases and database outages."""

import logging
import threading
import time
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select, text

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.db_types import clock_at, utcnow
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from lotsen.notifications.models import Notification
from lotsen.webhooks import endpoints
from lotsen.webhooks.delivery import (
    attempt,
    claim_next_delivery,
    prune_old_deliveries,
    record_outcome,
    send_due_webhooks,
)
from lotsen.webhooks.models import (
    DeliveryStatus,
    DisabledBy,
    EventType,
    WebhookAttempt,
    WebhookEndpoint,
)
from lotsen.webhooks.outbox import enqueue
from tests.factories import UserFactory
from tests.webhooks.conftest import answer
from tests.webhooks.helpers import (
    attempts_of,
    deliver_everything,
    deliveries,
    register,
)


def event(number: int = 1, event_type: EventType = EventType.CASE_CREATED):
    """Queue one event as a service would, and commit it."""
    with current_app.test_request_context():
        enqueue(event_type, lambda: {"case_id": number, "case_number": f"LOTS-2026-{number:04d}"})
        db.session.commit()


def fresh(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    db.session.expire_all()
    return db.session.get(WebhookEndpoint, endpoint.id)


# --- Retries ---------------------------------------------------------------------------------


def test_a_failed_delivery_waits_for_each_step_of_the_schedule_then_fails(app, receiver):
    app.config.update(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True, WEBHOOK_RETRY_SCHEDULE=(60, 300))
    endpoint = register(receiver.url())
    receiver.default_status = 503
    event()

    assert send_due_webhooks() == (0, 1)
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.PENDING and delivery.retries == 1
    wait = delivery.next_attempt_at - attempts_of(delivery.id)[0].started_at
    assert timedelta(seconds=59) < wait < timedelta(seconds=61)
    assert send_due_webhooks() == (0, 0)  # not yet due

    with clock_at(utcnow() + timedelta(seconds=61)):
        assert send_due_webhooks() == (0, 1)
    [delivery] = deliveries()
    assert (
        timedelta(seconds=299)
        < delivery.next_attempt_at - utcnow() - timedelta(seconds=61)
        < timedelta(seconds=301)
    )
    with clock_at(utcnow() + timedelta(seconds=400)):
        assert send_due_webhooks() == (0, 1)
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert delivery.last_status_code == 503 and delivery.last_error == "HTTP 503"
    assert [a.number for a in attempts_of(delivery.id)] == [1, 2, 3]
    assert len(receiver.requests) == 3
    assert fresh(endpoint).consecutive_failures == 3


# --- Turning a failing endpoint off ----------------------------------------------------------


def test_an_endpoint_is_turned_off_after_n_failures_in_a_row_and_the_admins_are_told(
    app, receiver, webhook_settings
):
    app.config["WEBHOOK_DISABLE_AFTER_FAILURES"] = 3
    admin = UserFactory(name="Alva Admin", email="alva@kommun.example", roles=[Role.ADMIN])
    UserFactory(email="inte.admin@kommun.example", roles=[Role.OFFICIAL])
    endpoint = register(receiver.url())
    receiver.default_status = 500
    for number in range(2):
        event(number)

    deliver_everything()

    endpoint = fresh(endpoint)
    assert not endpoint.enabled and endpoint.disabled_by == DisabledBy.FAILURES
    assert endpoint.consecutive_failures == 3 and endpoint.disabled_at is not None
    assert len(receiver.requests) == 3  # nothing more once it was off
    assert {d.status for d in deliveries()} == {DeliveryStatus.PENDING}  # they wait for it
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    assert mail.recipient == "alva@kommun.example"
    assert "efter 3 misslyckade försök i rad" in mail.body_text
    assert endpoint.url in mail.body_text and "HTTP 500" in mail.body_text
    [notice] = db.session.scalars(select(Notification)).all()
    assert notice.user_id == admin.id and "avstängd" in notice.text
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-1] == "webhook.disabled_by_failures"

    event(99)  # a new event is no longer queued for it
    assert len(deliveries()) == 2


def test_failures_in_quick_succession_do_not_turn_an_endpoint_off_before_the_minimum_time(
    app, receiver, webhook_settings
):
    app.config.update(WEBHOOK_DISABLE_AFTER_FAILURES=2, WEBHOOK_DISABLE_AFTER_HOURS=24)
    endpoint = register(receiver.url())
    receiver.default_status = 500
    event()
    deliver_everything()
    endpoint = fresh(endpoint)
    assert endpoint.enabled and endpoint.consecutive_failures == 4
    assert utcnow() - endpoint.failing_since < timedelta(minutes=5)


def test_one_success_clears_the_count(app, receiver, webhook_settings):
    app.config["WEBHOOK_DISABLE_AFTER_FAILURES"] = 3
    endpoint = register(receiver.url())
    receiver.script = [500, 500, 204, 500, 500]
    for number in range(2):
        event(number)
    deliver_everything()
    endpoint = fresh(endpoint)
    assert endpoint.enabled and endpoint.consecutive_failures == 0


def test_turning_an_endpoint_on_again_sends_what_waited(app, receiver, webhook_settings):
    app.config["WEBHOOK_DISABLE_AFTER_FAILURES"] = 1
    admin = UserFactory(roles=[Role.ADMIN])
    endpoint = register(receiver.url())
    receiver.secrets = [endpoint.secret]
    receiver.script = [500]
    event(1)
    deliver_everything()
    assert not fresh(endpoint).enabled
    with current_app.test_request_context():
        endpoints.set_enabled(admin, fresh(endpoint), True)
        db.session.commit()
    event(2)

    deliver_everything()

    assert [r.payload["data"]["case_id"] for r in receiver.accepted] == [1, 2]
    endpoint = fresh(endpoint)
    assert endpoint.enabled and endpoint.disabled_by is None
    assert endpoint.consecutive_failures == 0


# --- Redelivery ------------------------------------------------------------------------------


def test_redelivery_sends_the_same_message_again_with_a_fresh_signature(
    app, receiver, webhook_settings
):
    admin = UserFactory(roles=[Role.ADMIN])
    endpoint = register(receiver.url())
    receiver.secrets = [endpoint.secret]
    event()
    deliver_everything()
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.DELIVERED

    with current_app.test_request_context():
        endpoints.redeliver(admin, delivery)
        db.session.commit()
    deliver_everything()

    first, second = receiver.accepted
    assert first.webhook_id == second.webhook_id == delivery.message_id
    assert first.body == second.body and second.verified
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert [a.number for a in attempts_of(delivery.id)] == [1, 2]


def test_a_failed_delivery_sent_again_gets_the_whole_schedule_anew(app, receiver, webhook_settings):
    app.config["WEBHOOK_RETRY_SCHEDULE"] = (0,)
    admin = UserFactory(roles=[Role.ADMIN])
    endpoint = register(receiver.url())
    receiver.default_status = 500
    event()
    deliver_everything()
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2

    receiver.script = [500]
    receiver.default_status = 200
    with current_app.test_request_context():
        assert endpoints.redeliver_failed(admin, fresh(endpoint)) == 1
        db.session.commit()
    deliver_everything()

    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 4
    assert [a.succeeded for a in attempts_of(delivery.id)] == [False, False, False, True]


def test_redelivery_to_a_turned_off_endpoint_is_refused(app, receiver, webhook_settings):
    admin = UserFactory(roles=[Role.ADMIN])
    endpoint = register(receiver.url())
    event()
    deliver_everything()
    with current_app.test_request_context():
        endpoints.set_enabled(admin, fresh(endpoint), False)
        db.session.commit()
        [delivery] = deliveries()
        with pytest.raises(endpoints.WebhookError, match="Slå på slutpunkten"):
            endpoints.redeliver(admin, delivery)


# --- One bad delivery never stops the rest ---------------------------------------------------


def test_a_failing_endpoint_costs_itself_one_attempt_per_pass_and_stops_no_other(
    app, receiver, webhook_settings
):
    app.config["WEBHOOK_RETRY_SCHEDULE"] = (3600,)
    good = register(receiver.url("/bra"))
    bad = register(receiver.url("/trasig"))
    refused = register(receiver.url("/vagrad"))
    db.session.execute(  # an address the worker must refuse (written around the form's check)
        WebhookEndpoint.__table__.update()
        .where(WebhookEndpoint.id == refused.id)
        .values(url="https://169.254.169.254/latest/meta-data/")
    )
    db.session.commit()
    receiver.secrets = [good.secret]
    receiver.behaviour = lambda handler: answer(handler, 500 if handler.path == "/trasig" else 200)
    for number in range(5):
        event(number)

    assert send_due_webhooks() == (5, 2)

    assert [r.payload["data"]["case_id"] for r in receiver.accepted] == list(range(5))
    assert all(r.path == "/bra" and r.verified for r in receiver.accepted)
    assert len([r for r in receiver.requests if r.path == "/trasig"]) == 1
    refused_delivery = deliveries(refused.id)[0]
    assert refused_delivery.last_error.startswith("Address refused: 169.254.169.254 (link-local)")
    assert refused_delivery.last_status_code is None
    assert {d.status for d in deliveries(good.id)} == {DeliveryStatus.DELIVERED}
    assert [d.attempts for d in deliveries(bad.id)] == [1, 0, 0, 0, 0]


def test_an_endpoint_on_a_private_address_is_refused_once_private_addresses_are_not_allowed(
    app, receiver, webhook_settings
):
    register(receiver.url())
    event()
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = False
    assert send_due_webhooks() == (0, 1)
    assert receiver.requests == []
    assert deliveries()[0].last_error == "Address refused: 127.0.0.1 (private)"


def test_a_redirect_is_not_followed(app, receiver, webhook_settings):
    register(receiver.url("/gammal"))
    receiver.behaviour = lambda handler: answer(
        handler, 302 if handler.path == "/gammal" else 200, headers=[("Location", "/ny")]
    )
    event()
    assert send_due_webhooks() == (0, 1)
    assert [r.path for r in receiver.requests] == ["/gammal"]
    [delivery] = deliveries()
    assert delivery.last_error == "HTTP 302: redirect to /ny not followed"


def test_a_huge_answer_is_read_only_as_far_as_needed(app, receiver, webhook_settings):
    register(receiver.url())
    big = b"<html>" + b"x" * (20 * 1024 * 1024)
    receiver.behaviour = lambda handler: answer(handler, 400, big)
    event()
    started = time.monotonic()
    assert send_due_webhooks() == (0, 1)
    assert time.monotonic() - started < 5
    [attempt] = attempts_of(deliveries()[0].id)
    assert attempt.status_code == 400 and attempt.response_excerpt.startswith("<html>xxx")
    assert len(attempt.response_excerpt) == 1000


def test_a_slow_endpoint_times_out(app, receiver, webhook_settings):
    app.config["WEBHOOK_TIMEOUT"] = 1
    register(receiver.url())
    release = threading.Event()

    def hang(handler):
        release.wait(10)
        return 0

    receiver.behaviour = hang
    event()
    started = time.monotonic()
    try:
        assert send_due_webhooks() == (0, 1)
    finally:
        release.set()
    assert time.monotonic() - started < 3
    [delivery] = deliveries()
    assert delivery.last_error == "Timed out after 1 s"
    assert 900 <= delivery.last_duration_ms < 3000


def test_an_endpoint_that_drips_its_answer_cannot_hold_the_worker(app, receiver, webhook_settings):
    """A byte every 0.2 s never trips a per-read timeout; the deadline of the whole exchange
    does."""
    app.config["WEBHOOK_TIMEOUT"] = 1
    register(receiver.url())
    stop = threading.Event()

    def drip(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(50):
            if stop.wait(0.2):
                break
            try:
                handler.wfile.write(b"X-Slow: a\r\n")
                handler.wfile.flush()
            except OSError:
                break
        return 0

    receiver.behaviour = drip
    event()
    started = time.monotonic()
    try:
        assert send_due_webhooks() == (0, 1)
    finally:
        stop.set()
    assert time.monotonic() - started < 3
    assert deliveries()[0].last_error == "Timed out after 1 s"


def test_a_refused_connection_is_a_failed_attempt_with_its_reason(app, webhook_settings):
    register("http://127.0.0.1:1/hook")
    event()
    assert send_due_webhooks() == (0, 1)
    assert deliveries()[0].last_error.startswith("ConnectionRefusedError")


# --- Leases, removal, the command, the loop --------------------------------------------------


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(app, webhook_settings):
    register("http://127.0.0.1:1/hook")
    event()
    first = claim_next_delivery()
    assert first is not None
    assert claim_next_delivery() is None
    with clock_at(utcnow() + timedelta(seconds=121)):
        assert claim_next_delivery() == first


@pytest.mark.commits  # two worker threads
def test_two_workers_deliver_each_delivery_once(app, receiver, webhook_settings):
    endpoint = register(receiver.url())
    receiver.secrets = [endpoint.secret]
    for number in range(20):
        event(number)
    errors = []

    def worker():
        with app.app_context():
            try:
                for _ in range(10):
                    send_due_webhooks()
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    ids = [r.webhook_id for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 20
    assert {d.status for d in deliveries()} == {DeliveryStatus.DELIVERED}


def test_an_endpoint_removed_while_its_delivery_is_under_way_records_nothing(
    app, receiver, webhook_settings
):
    admin = UserFactory(roles=[Role.ADMIN])
    endpoint = register(receiver.url())
    event()

    delivery_id = claim_next_delivery()
    outcome = attempt(delivery_id)
    with current_app.test_request_context():
        endpoints.delete_endpoint(admin, fresh(endpoint))
        db.session.commit()
    record_outcome(outcome)  # the delivery is gone with its endpoint: nothing to record

    assert deliveries() == []
    assert fresh(endpoint).deleted_at is not None and fresh(endpoint).secret == ""


def test_one_cron_run_delivers_everything_due(app, runner, receiver, webhook_settings):
    register(receiver.url())
    for number in range(12):
        event(number)
    result = runner.invoke(args=["lotsen", "send-webhooks"])
    assert result.exit_code == 0, result.output
    assert "12 delivered, 0 failed" in result.output
    assert len(receiver.accepted) == 12


def rename(old: str, new: str) -> None:
    db.session.remove()
    db.session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))
    db.session.commit()


def test_the_loop_survives_a_database_outage_with_one_log_line(
    app, runner, receiver, webhook_settings, monkeypatch, caplog
):
    register(receiver.url())
    event()
    delays = []

    def sleep(seconds):
        delays.append(seconds)
        if len(delays) == 3:  # the database is back
            rename("webhook_deliveries_away", "webhook_deliveries")

    monkeypatch.setattr(time, "sleep", sleep)
    rename("webhook_deliveries", "webhook_deliveries_away")
    try:
        with caplog.at_level(logging.INFO):
            result = runner.invoke(
                args=["lotsen", "send-webhooks", "--loop", "--interval", "5", "--max-passes", "5"]
            )
    finally:
        if len(delays) < 3:
            rename("webhook_deliveries_away", "webhook_deliveries")

    assert result.exit_code == 0, result.output
    assert delays == [5, 10, 20, 5]
    assert len(receiver.accepted) == 1
    lines = [r for r in caplog.records if r.name.startswith("lotsen.webhooks")]
    assert [r.getMessage().split(" (")[0] for r in lines] == [
        "Webhook worker: database unavailable",
        "Webhook worker: database up again, delivering",
    ]
    assert all(r.exc_info is None for r in lines)


@pytest.mark.commits  # the receiving thread alters a table on its own connection
def test_an_attempt_the_database_could_not_record_is_recorded_when_it_is_back(
    app, runner, receiver, webhook_settings, monkeypatch
):
    endpoint_id = register(receiver.url()).id
    event()
    engine = db.engine

    def take_the_table_away(handler):
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE webhook_attempts RENAME TO webhook_attempts_away"))
        return answer(handler, 200)

    receiver.behaviour = take_the_table_away
    delays = []

    def sleep(seconds):
        delays.append(seconds)
        if len(delays) == 1:  # back long before the delivery's lease ends
            rename("webhook_attempts_away", "webhook_attempts")
            receiver.behaviour = None

    monkeypatch.setattr(time, "sleep", sleep)
    result = runner.invoke(
        args=["lotsen", "send-webhooks", "--loop", "--interval", "5", "--max-passes", "3"]
    )

    assert result.exit_code == 0, result.output
    assert len(receiver.requests) == 1  # not sent again
    [delivery] = deliveries(endpoint_id)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.claimed_until is None
    assert len(attempts_of(delivery.id)) == 1


# --- Secrets and the log's age ---------------------------------------------------------------


def test_a_rotated_secret_signs_alongside_the_old_one_until_the_overlap_ends(
    app, receiver, webhook_settings
):
    admin = UserFactory(roles=[Role.ADMIN])
    endpoint = register(receiver.url())
    old = endpoint.secret
    with current_app.test_request_context():
        endpoints.rotate_secret(admin, fresh(endpoint))
        db.session.commit()
    new = fresh(endpoint).secret
    assert new != old and new.startswith("whsec_")

    receiver.secrets = [old]  # the receiving system has not switched yet
    event(1)
    deliver_everything()
    receiver.secrets = [new]  # it has switched
    event(2)
    deliver_everything()
    assert [r.verified for r in receiver.requests] == [True, True]
    assert len(receiver.requests[0].headers["webhook-signature"].split(" ")) == 2

    receiver.secrets = [old]
    with clock_at(utcnow() + timedelta(hours=25)):
        event(3)
        deliver_everything()
    third = receiver.requests[-1]
    assert len(third.headers["webhook-signature"].split(" ")) == 1 and not third.verified


def test_finished_deliveries_are_removed_after_the_keeping_time(app, receiver, webhook_settings):
    app.config["WEBHOOK_RETRY_SCHEDULE"] = (3600,)
    register(receiver.url())
    receiver.script = [204, 500, 500]
    event(1)  # delivered
    event(2)  # failed, waiting for its retry
    deliver_everything()
    with clock_at(utcnow() + timedelta(hours=2)):
        deliver_everything()  # event 2 failed for good
    event(3)  # waiting
    app.config["WEBHOOK_DISABLE_AFTER_FAILURES"] = 1000
    with current_app.test_request_context():
        endpoints.set_enabled(None, db.session.scalar(select(WebhookEndpoint)), False)
        db.session.commit()
    assert [d.status for d in deliveries()] == ["delivered", "failed", "pending"]

    with clock_at(utcnow() + timedelta(days=89)):
        assert prune_old_deliveries() == 0
    with clock_at(utcnow() + timedelta(days=91)):
        assert prune_old_deliveries() == 2

    assert [d.status for d in deliveries()] == ["pending"]  # a waiting one is kept
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 0


def test_a_name_that_does_not_resolve_is_a_failed_attempt(app, webhook_settings):
    register("https://inte-registrerad.invalid/hook")
    event()
    assert send_due_webhooks() == (0, 1)
    assert deliveries()[0].last_error.startswith("DNS lookup failed: inte-registrerad.invalid")


# --- TLS -------------------------------------------------------------------------------------


def test_over_https_the_certificate_is_verified(app, tls_receiver, webhook_settings):
    endpoint = register(tls_receiver.url())
    tls_receiver.secrets = [endpoint.secret]
    event(1)
    assert send_due_webhooks() == (0, 1)  # a certificate no CA the system trusts signed
    assert "certificate verify failed" in deliveries()[0].last_error
    assert tls_receiver.requests == []

    app.config["WEBHOOK_CA_FILE"] = tls_receiver.ca_file  # the municipality's own CA
    with clock_at(utcnow() + timedelta(seconds=1)):
        assert send_due_webhooks() == (1, 0)
    [request] = tls_receiver.accepted
    assert request.verified and request.payload["data"]["case_id"] == 1
    assert request.headers["host"] == f"localhost:{tls_receiver.port}"


def test_https_to_a_server_that_speaks_plain_http_fails_cleanly(app, receiver, webhook_settings):
    register(receiver.url().replace("http://", "https://"))
    event()
    assert send_due_webhooks() == (0, 1)
    assert deliveries()[0].last_error.startswith("SSLError")


def test_an_endpoint_whose_secret_is_broken_fails_alone(app, receiver, webhook_settings):
    broken = register(receiver.url("/trasig"))
    good = register(receiver.url("/bra"))
    db.session.execute(  # written around the services, as a bad restore might
        WebhookEndpoint.__table__.update()
        .where(WebhookEndpoint.id == broken.id)
        .values(secret="whsec_inte base64!")
    )
    db.session.commit()
    event()
    assert send_due_webhooks() == (1, 1)
    assert deliveries(broken.id)[0].last_error.startswith("ValueError: not a whsec_ secret")
    assert [r.path for r in receiver.requests] == ["/bra"]
    assert deliveries(good.id)[0].status == DeliveryStatus.DELIVERED
