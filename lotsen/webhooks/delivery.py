"""Delivering queued webhooks: `flask lotsen send-webhooks`, once from cron or as a --loop worker.

As the mail sender does: a worker claims ONE due delivery at a time with a conditional UPDATE
(a lease of WEBHOOK_CLAIM_SECONDS), commits, makes the request with no transaction open, and
records the attempt. Any number of workers (processes, hosts) can run at once; none sends a
delivery another holds. Every attempt is logged; a failure is retried after the next step of
WEBHOOK_RETRY_SCHEDULE, and after the last step the delivery is failed (an admin can send it
again). Whatever goes wrong with one delivery costs that delivery an attempt, never the pass;
an endpoint that failed in a pass is not tried again in that pass, so a dead endpoint cannot
hold up the others. An endpoint whose last WEBHOOK_DISABLE_AFTER_FAILURES attempts all failed,
over at least WEBHOOK_DISABLE_AFTER_HOURS, is turned off and the admins are told.
"""

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from lotsen.accounts.models import Role, User, UserRole
from lotsen.audit.services import record
from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db
from lotsen.mail.services import one_line, queue_mail
from lotsen.notifications.services import notify
from lotsen.urls import external_url
from lotsen.webhooks import transport
from lotsen.webhooks.addresses import AddressPolicy, UnsafeUrl, parse_target
from lotsen.webhooks.models import (
    DeliveryStatus,
    DisabledBy,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from lotsen.webhooks.outbox import write_version
from lotsen.webhooks.signing import signed_headers

log = logging.getLogger(__name__)

PRUNE_BATCH = 1000


# --- Claiming --------------------------------------------------------------------------------


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["WEBHOOK_CLAIM_SECONDS"])


def due_and_free(now: datetime):
    return (
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
    )


def claim_next_delivery(skip: set[int] = frozenset()) -> int | None:
    """Take a lease on the oldest due delivery of an enabled endpoint (not one of `skip`) that
    nobody else holds; its id, or None if none is due. Each claim is a conditional UPDATE in
    its own short transaction: of two workers that pick the same row, one gets it."""
    while True:
        now = utcnow()
        query = (
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(*due_and_free(now), WebhookEndpoint.enabled)
            .order_by(WebhookDelivery.id)
            .limit(10)
        )
        if skip:
            query = query.where(WebhookDelivery.endpoint_id.not_in(sorted(skip)))
        candidates = db.session.scalars(query).all()
        db.session.commit()  # end the read: the UPDATE starts its own transaction
        if not candidates:
            return None
        for delivery_id in candidates:
            result = db.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, *due_and_free(now))
                .values(claimed_until=now + lease())
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            if result.rowcount == 1:
                return delivery_id


# --- One attempt -----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one attempt found, to be written in one transaction."""

    delivery_id: int
    endpoint_id: int
    number: int  # the attempt's number (1 for the first)
    retries: int  # failed attempts before this one since the delivery was (re)queued
    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, and the previous one while it is still valid after a rotation."""
    secrets_ = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > now:
        secrets_.append(endpoint.previous_secret)
    return secrets_


def attempt(delivery_id: int) -> Outcome | None:
    """Make one attempt at a claimed delivery; nothing is written here. None if the delivery
    is gone (its endpoint was removed since it was claimed)."""
    config = current_app.config
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        db.session.commit()
        return None
    endpoint = delivery.endpoint
    started = utcnow()
    outcome = Outcome(
        delivery_id=delivery_id,
        endpoint_id=endpoint.id,
        number=delivery.attempts + 1,
        retries=delivery.retries,
        started_at=started,
        duration_ms=0,
    )
    body = delivery.payload.encode("utf-8")
    secrets_, message_id, url = (
        signing_secrets(endpoint, started),
        delivery.message_id,
        endpoint.url,
    )
    db.session.commit()  # no transaction stays open while we talk to the endpoint
    clock = time.monotonic()
    try:
        headers = signed_headers(secrets_, message_id, int(time.time()), body)
        target = parse_target(url, allow_http=bool(config["WEBHOOK_ALLOW_HTTP"]))
        response = transport.post(
            target,
            body,
            headers,
            policy=AddressPolicy.from_config(config),
            timeout=float(config["WEBHOOK_TIMEOUT"]),
            max_bytes=int(config["WEBHOOK_MAX_RESPONSE_BYTES"]),
            ca_file=config.get("WEBHOOK_CA_FILE"),
        )
    except UnsafeUrl as error:
        outcome.error = f"URL refused: {error}"[:500]
    except transport.DeliveryError as error:
        outcome.error = str(error)[:500]
    except Exception as error:  # a bug met by one delivery costs that delivery, never the pass
        log.warning("Webhook delivery %s failed unexpectedly: %s", delivery_id, one_line(error))
        outcome.error = one_line(error)
    else:
        outcome.status_code = response.status
        outcome.excerpt = response.excerpt or None
        if 300 <= response.status < 400:
            where = transport.printable((response.location or "").encode())[:300]
            outcome.error = f"HTTP {response.status}: redirect to {where or '?'} not followed"
        elif not response.ok:
            outcome.error = f"HTTP {response.status}"
    outcome.duration_ms = int((time.monotonic() - clock) * 1000)
    return outcome


def record_outcome(outcome: Outcome) -> None:
    """Write the attempt, the delivery's new state and the endpoint's failure count, in one
    transaction that starts with a write (no read is upgraded to a write on SQLite)."""
    now = utcnow()
    values = {
        "attempts": outcome.number,
        "claimed_until": None,
        "last_status_code": outcome.status_code,
        "last_duration_ms": outcome.duration_ms,
        "last_error": outcome.error,
    }
    schedule = list(current_app.config["WEBHOOK_RETRY_SCHEDULE"])
    if outcome.succeeded:
        values |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
    elif outcome.retries < len(schedule):
        wait = timedelta(seconds=float(schedule[outcome.retries]))
        values |= {"retries": outcome.retries + 1, "next_attempt_at": now + wait}
    else:
        values |= {"retries": outcome.retries + 1, "status": DeliveryStatus.FAILED}
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == outcome.delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # the endpoint was removed meanwhile, and its deliveries with it
        db.session.commit()
        return
    db.session.add(
        WebhookAttempt(
            delivery_id=outcome.delivery_id,
            number=outcome.number,
            started_at=outcome.started_at,
            succeeded=outcome.succeeded,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
        )
    )
    if outcome.succeeded:
        db.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == outcome.endpoint_id)
            .values(consecutive_failures=0, failing_since=None, last_success_at=now)
            .execution_options(synchronize_session=False)
        )
    else:
        count_failure(outcome.endpoint_id, outcome.started_at, outcome.error or "")
    db.session.commit()


def count_failure(endpoint_id: int, started_at: datetime, error: str) -> None:
    """One more failure in a row; turn the endpoint off when there are too many."""
    config = current_app.config
    failures, failing_since, enabled = db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(
            consecutive_failures=WebhookEndpoint.consecutive_failures + 1,
            failing_since=case(
                (WebhookEndpoint.failing_since.is_(None), literal(started_at, UTCDateTime())),
                else_=WebhookEndpoint.failing_since,
            ),
        )
        .returning(
            WebhookEndpoint.consecutive_failures,
            WebhookEndpoint.failing_since,
            WebhookEndpoint.enabled,
        )
        .execution_options(synchronize_session=False)
    ).one()
    limit = int(config["WEBHOOK_DISABLE_AFTER_FAILURES"])
    long_enough = timedelta(hours=float(config["WEBHOOK_DISABLE_AFTER_HOURS"]))
    if enabled and failures >= limit and utcnow() - failing_since >= long_enough:
        disable_for_failures(endpoint_id, failures, error)


def disable_for_failures(endpoint_id: int, failures: int, error: str) -> None:
    """Turn the endpoint off (once, whichever worker gets here first) and tell every admin: an
    in-app notice and an e-mail through the outbox, in this same transaction."""
    now = utcnow()
    turned_off = db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled)
        .values(enabled=False, disabled_at=now, disabled_by=DisabledBy.FAILURES)
        .execution_options(synchronize_session=False)
    )
    if turned_off.rowcount != 1:
        return
    write_version()
    endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
    log.warning(
        "Webhook endpoint %s turned off after %s failed attempts in a row", endpoint_id, failures
    )
    record(
        None,
        "webhook.disabled_by_failures",
        endpoint,
        f"Webhook avstängd efter {failures} misslyckade försök i rad: {endpoint.url[:200]}",
    )
    link = external_url("webhooks.endpoint", endpoint_id=endpoint.id)
    for admin in active_admins():
        notify(
            admin,
            "webhook_disabled",
            None,
            _l(
                "Webhooken till %(url)s är avstängd efter %(count)s misslyckade försök i rad.",
                url=endpoint.url[:150],
                count=failures,
            ),
        )
        queue_mail(
            admin.email,
            _l("En webhook har stängts av"),
            "mail/webhook_disabled.txt",
            locale=admin.locale,
            user=admin,
            endpoint=endpoint,
            failures=failures,
            last_error=error,
            link=link,
        )


def active_admins() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN.value, User.active)
            .order_by(User.id)
        )
    )


# --- Passes and the worker -------------------------------------------------------------------


def prune_old_deliveries() -> int:
    """Remove up to PRUNE_BATCH finished deliveries older than WEBHOOK_KEEP_DAYS (and their
    attempts); how many. The oldest rows have the lowest ids, so this reads little."""
    cutoff = utcnow() - timedelta(days=int(current_app.config["WEBHOOK_KEEP_DAYS"]))
    ids = db.session.scalars(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status != DeliveryStatus.PENDING,
            WebhookDelivery.created_at < cutoff,
        )
        .order_by(WebhookDelivery.id)
        .limit(PRUNE_BATCH)
    ).all()
    if ids:
        db.session.execute(
            delete(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            delete(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return len(ids)


class WebhookSender:
    """Delivers due webhooks, one claimed delivery at a time."""

    def __init__(self) -> None:
        # Attempts made while the database could not record them: written first thing in the
        # next pass, long before their lease ends, so they are not sent again.
        self.unrecorded: list[Outcome] = []

    def run_pass(self, limit: int | None = None) -> tuple[int, int]:
        """Attempt every due delivery (or `limit` of them). Returns (delivered, failed)."""
        self.record_unrecorded()
        prune_old_deliveries()
        delivered = failed = 0
        failing_endpoints: set[int] = set()
        while limit is None or delivered + failed < limit:
            delivery_id = claim_next_delivery(failing_endpoints)
            if delivery_id is None:
                break
            outcome = attempt(delivery_id)
            if outcome is None:
                continue
            self.unrecorded.append(outcome)
            self.record_unrecorded()
            if outcome.succeeded:
                delivered += 1
            else:
                failed += 1
                failing_endpoints.add(outcome.endpoint_id)
        return delivered, failed

    def record_unrecorded(self) -> None:
        """Record the attempts not yet written; a database error propagates (the worker backs
        off) and they stay here for the next pass."""
        while self.unrecorded:
            try:
                record_outcome(self.unrecorded[0])
            except SQLAlchemyError:
                reset_session()
                raise
            self.unrecorded.pop(0)


def send_due_webhooks(limit: int | None = None) -> tuple[int, int]:
    """Attempt every due delivery (or `limit` of them). Returns (delivered, failed)."""
    return WebhookSender().run_pass(limit)


def reset_session() -> None:
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    db.session.remove()


def run_worker(
    interval: float,
    max_passes: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[int, int], None] | None = None,
) -> None:
    """Deliver pass after pass until stopped. A database outage does not stop the worker: it
    logs one line when the outage starts and one when it ends, and waits twice as long after
    each failed pass (up to WEBHOOK_MAX_BACKOFF_SECONDS)."""
    sender = WebhookSender()
    passes = failures = 0
    down = False
    delay = interval
    while True:
        delivered = failed = 0
        try:
            delivered, failed = sender.run_pass()
        except SQLAlchemyError as error:
            reset_session()
            failures += 1
            if not down:
                log.warning(
                    "Webhook worker: database unavailable (%s); retrying with backoff",
                    one_line(error),
                )
                down = True
            delay = min(
                interval * 2 ** (failures - 1), current_app.config["WEBHOOK_MAX_BACKOFF_SECONDS"]
            )
        else:
            if down:
                log.warning("Webhook worker: database up again, delivering")
            down, failures, delay = False, 0, interval
        if report is not None and (delivered or failed):
            report(delivered, failed)
        db.session.remove()
        passes += 1
        if max_passes is not None and passes >= max_passes:
            return
        sleep(delay)
