"""Queueing webhook deliveries in the transaction of the event, as the mail outbox does for mail.

Which endpoints want which event is kept per process and reread only when it changes, so an
event nobody subscribes to costs no statement at all: every change of an endpoint writes a new
random `webhooks_version` setting in its transaction, and the settings are read once per
transaction anyway (lotsen.settings). Another process sees the new version with its next
transaction and rereads the endpoints. No version at all means no endpoint was ever saved.
"""

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.settings import Setting, forget_stored_settings, stored_settings
from lotsen.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from lotsen.webhooks.signing import new_message_id

VERSION_SETTING = "webhooks_version"
CACHE = "lotsen_webhook_subscriptions"


def subscriptions() -> dict[str, list[int]]:
    """{event type: ids of the enabled endpoints that want it}, read when it changed."""
    version = stored_settings().get(VERSION_SETTING)
    if not version:
        return {}
    cached = current_app.extensions.get(CACHE)
    if cached is not None and cached[0] == version:
        return cached[1]
    with db.session.no_autoflush:  # the event's own rows are written in its flush, not here
        rows = db.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events)
            .where(WebhookEndpoint.enabled, WebhookEndpoint.deleted_at.is_(None))
            .order_by(WebhookEndpoint.id)
        ).all()
    mapping: dict[str, list[int]] = {}
    for endpoint_id, events in rows:
        for event_type in events or ():
            mapping.setdefault(event_type, []).append(endpoint_id)
    current_app.extensions[CACHE] = (version, mapping)
    return mapping


def write_version() -> None:
    """Store a new random version (one upsert): every process rereads the endpoints."""
    version = uuid.uuid4().hex
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(Setting)
        .values(key=VERSION_SETTING, value=version, updated_at=utcnow())
        .on_conflict_do_update(
            index_elements=[Setting.key], set_={"value": version, "updated_at": utcnow()}
        )
    )
    forget_stored_settings()


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second: 2026-12-03T14:05:09Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def enqueue(event_type: EventType, data: Callable[[], dict]) -> list[WebhookDelivery]:
    """Queue the event for every endpoint that wants it, in the current transaction.

    `data` builds the payload's data; it is called only when someone subscribes. The body is
    fixed here (what happened, as it was then) and the same for every endpoint."""
    endpoint_ids = subscriptions().get(event_type.value)
    if not endpoint_ids:
        return []
    now = utcnow()
    body = json.dumps(
        {"type": event_type.value, "timestamp": timestamp(now), "data": data()},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    message_id = new_message_id()
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            message_id=message_id,
            event_type=event_type.value,
            payload=body,
            created_at=now,
            next_attempt_at=now,
        )
        for endpoint_id in endpoint_ids
    ]
    db.session.add_all(deliveries)
    return deliveries
