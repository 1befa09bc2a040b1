"""What the admin pages show: the endpoints with their queues, and each endpoint's log."""

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from lotsen.extensions import db
from lotsen.pagination import Page, paginate
from lotsen.webhooks.models import (
    DeliveryStatus,
    DisabledBy,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


@dataclass
class EndpointRow:
    endpoint: WebhookEndpoint
    pending: int = 0
    failed: int = 0


def live_endpoints() -> list[EndpointRow]:
    """Every endpoint not removed, with its waiting and failed deliveries (two queries)."""
    endpoints = db.session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookEndpoint.id)
    ).all()
    rows = {endpoint.id: EndpointRow(endpoint) for endpoint in endpoints}
    if rows:
        counts = db.session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
            .where(
                WebhookDelivery.endpoint_id.in_(list(rows)),
                WebhookDelivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
            )
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
        ).all()
        for endpoint_id, status, count in counts:
            setattr(rows[endpoint_id], str(status), count)
    return list(rows.values())


def turned_off_by_failures() -> list[WebhookEndpoint]:
    """Endpoints the worker turned off, for the notice on the admin pages."""
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(
                WebhookEndpoint.deleted_at.is_(None),
                ~WebhookEndpoint.enabled,
                WebhookEndpoint.disabled_by == DisabledBy.FAILURES,
            )
            .order_by(WebhookEndpoint.id)
        )
    )


def deliveries_page(endpoint_id: int, status: str, cursor: str | None, per_page: int) -> Page:
    """The endpoint's deliveries, newest first, of one status or all."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status in set(DeliveryStatus):
        query = query.where(WebhookDelivery.status == status)
    return paginate(
        query, WebhookDelivery.id, WebhookDelivery.id, cursor, per_page, descending=True
    )


def attempts_page(delivery_id: int, cursor: str | None, per_page: int) -> Page:
    """A delivery's attempts, newest first."""
    return paginate(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id),
        WebhookAttempt.id,
        WebhookAttempt.id,
        cursor,
        per_page,
        descending=True,
    )


def readable_payload(body: str) -> str:
    """A delivery's body indented for reading (as sent, if it is somehow not JSON)."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body
