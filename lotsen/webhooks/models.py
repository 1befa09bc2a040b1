"""Webhook endpoints, the deliveries queued for them, and the log of every attempt."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db


class EventType(enum.StrEnum):
    """What an endpoint can subscribe to; the value is the payload's `type`."""

    CASE_CREATED = "case.created"
    CASE_ASSIGNED = "case.assigned"
    CASE_STATUS_CHANGED = "case.status_changed"
    CASE_ANSWERED = "case.answered"
    CASE_CLOSED = "case.closed"
    CONTRIBUTION_DONE = "contribution.done"
    VISIT_RECORDED = "visit.recorded"
    SURVEY_ANSWERED = "survey.answered"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS[self])


EVENT_LABELS = {
    EventType.CASE_CREATED: _l("Ärende skapat"),
    EventType.CASE_ASSIGNED: _l("Ärende tilldelat en lots"),
    EventType.CASE_STATUS_CHANGED: _l("Status ändrad"),
    EventType.CASE_ANSWERED: _l("Svar skickat till företagaren"),
    EventType.CASE_CLOSED: _l("Ärende avslutat"),
    EventType.CONTRIBUTION_DONE: _l("Delsvar klart"),
    EventType.VISIT_RECORDED: _l("Företagsbesök registrerat"),
    EventType.SURVEY_ANSWERED: _l("Enkät besvarad"),
}


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every try of the retry schedule failed

    @property
    def label(self) -> str:
        return str(
            {
                DeliveryStatus.PENDING: _l("Väntar"),
                DeliveryStatus.DELIVERED: _l("Levererad"),
                DeliveryStatus.FAILED: _l("Misslyckad"),
            }[self]
        )


class DisabledBy(enum.StrEnum):
    ADMIN = "admin"
    FAILURES = "failures"  # turned off by the worker after too many failures in a row


class WebhookEndpoint(db.Model):
    """Where an integration wants to be told, and of what."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_listed", "deleted_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(300), default="")
    # EventType values, in the catalogue's order.
    events: Mapped[list] = mapped_column(JSON, default=list)
    # Standard Webhooks: "whsec_" + base64 of the key. It must be readable to sign with.
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret signs too (a second signature) until this moment, so a
    # receiver can switch over without losing a delivery.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_by: Mapped[str | None] = mapped_column(String(10))
    # Failed attempts since the last success, and when the first of them was made.
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Removed endpoints are kept (their audit history names them); nothing is sent to them.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def event_types(self) -> list[EventType]:
        return [EventType(value) for value in self.events or [] if value in set(EventType)]

    @property
    def disabled_by_failures(self) -> bool:
        return not self.enabled and self.disabled_by == DisabledBy.FAILURES


class WebhookDelivery(db.Model):
    """One event for one endpoint: the body to send (fixed when queued) and its state.

    `message_id` is the Standard Webhooks `webhook-id`: the same for every endpoint that gets
    the event and for every attempt, so a receiver can recognise a redelivery.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        Index("ix_webhook_deliveries_endpoint_status", "endpoint_id", "status", "id"),
        UniqueConstraint("endpoint_id", "message_id", name="uq_webhook_deliveries_message"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)  # every attempt, redeliveries included
    # Failed attempts since the delivery was queued or sent again: the retry schedule's step.
    retries: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A lease: set while one worker sends this delivery, so that two never send it at once.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column()
    last_duration_ms: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))

    endpoint: Mapped[WebhookEndpoint] = relationship()

    @property
    def status_label(self) -> str:
        return DeliveryStatus(self.status).label

    @property
    def event_label(self) -> str:
        return EventType(self.event_type).label if self.event_type in set(EventType) else ""


class WebhookAttempt(db.Model):
    """One try to deliver: what the endpoint answered (or what went wrong) and how long it took."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)
    status_code: Mapped[int | None] = mapped_column()
    duration_ms: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    # The start of the endpoint's answer, as text (for finding out why it refused).
    response_excerpt: Mapped[str | None] = mapped_column(Text)
