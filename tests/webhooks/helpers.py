"""Registering endpoints and running the worker in the webhook tests."""

import json

from flask import current_app
from sqlalchemy import select

from lotsen.extensions import db
from lotsen.webhooks import endpoints
from lotsen.webhooks.delivery import send_due_webhooks
from lotsen.webhooks.models import EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint

ALL_EVENTS = [event.value for event in EventType]


def register(url: str, events=None, actor=None, description="Ärendesystemet") -> WebhookEndpoint:
    with current_app.test_request_context():
        endpoint = endpoints.create_endpoint(
            actor,
            endpoints.EndpointData(url=url, description=description, events=events or ALL_EVENTS),
        )
        db.session.commit()
    return endpoint


def deliver_everything(max_passes: int = 10) -> list[tuple[int, int]]:
    """Run worker passes until one finds nothing to do; the (delivered, failed) of each."""
    passes = []
    for _ in range(max_passes):
        delivered, failed = send_due_webhooks()
        passes.append((delivered, failed))
        if not (delivered or failed):
            return passes
    raise AssertionError(f"still delivering after {max_passes} passes: {passes}")


def deliveries(endpoint_id: int | None = None) -> list[WebhookDelivery]:
    db.session.expire_all()
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    return list(db.session.scalars(query))


def attempts_of(delivery_id: int) -> list[WebhookAttempt]:
    return list(
        db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        )
    )


def queued_types(endpoint_id: int | None = None) -> list[str]:
    return [delivery.event_type for delivery in deliveries(endpoint_id)]


def payload(delivery: WebhookDelivery) -> dict:
    return json.loads(delivery.payload)
