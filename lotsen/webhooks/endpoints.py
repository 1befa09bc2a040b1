"""Registering webhook endpoints: every rule and write an admin's action goes through.

Each write is audited, and each one that changes who gets which event writes a new subscription
version (outbox.write_version), so every process queues the right deliveries from its next
transaction on. Callers commit.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from lotsen.audit.services import diff, record
from lotsen.db_types import utcnow
from lotsen.domain_errors import Conflict, DomainError
from lotsen.extensions import db
from lotsen.webhooks.addresses import (
    ALWAYS_REFUSED,
    AddressPolicy,
    UnsafeUrl,
    parse_target,
    resolve_within,
)
from lotsen.webhooks.models import (
    DeliveryStatus,
    DisabledBy,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from lotsen.webhooks.outbox import write_version
from lotsen.webhooks.signing import new_secret

MAX_ENDPOINTS = 50
MAX_DESCRIPTION = 300
# How long saving an endpoint waits for the resolver to check where its host points.
DNS_CHECK_SECONDS = 1.0


class WebhookError(DomainError):
    """A rule an endpoint breaks, in Swedish, with the form field it belongs to."""


@dataclass
class EndpointData:
    url: str
    description: str
    events: list[str] = field(default_factory=list)


def url_message(error: UnsafeUrl) -> str:
    """Why a URL cannot be used, for the admin (Swedish)."""
    messages = {
        "empty": _("Fyll i adressen."),
        "length": _("Adressen får vara högst 2000 tecken."),
        "characters": _("Adressen får inte innehålla mellanslag eller kontrolltecken."),
        "form": _("Skriv en fullständig adress, till exempel https://system.kommun.se/webhook."),
        "scheme": _("Adressen ska börja med https://."),
        "http": _(
            "Adressen ska börja med https://. Okrypterad http är bara tillåten till den egna "
            "datorn (localhost)."
        ),
        "credentials": _("Skriv inte användarnamn eller lösenord i adressen."),
        "fragment": _("Adressen får inte ha en #-del."),
        "host": _("Adressen har inget giltigt värdnamn."),
        "port": _("Portnumret i adressen är ogiltigt."),
        "address": _(
            "Adressen pekar på ett internt nätverk (%(address)s). Webhooks skickas bara till "
            "adresser på internet, om inte driften har tillåtit interna adresser.",
            address=error.detail,
        ),
    }
    if error.code == "address" and error.kind in ALWAYS_REFUSED:
        return _(
            "Adressen pekar på %(address)s. Dit skickas aldrig webhooks: länklokala adresser, "
            "molnets metadatatjänst och andra särskilda adresser är spärrade.",
            address=error.detail,
        )
    return messages.get(error.code, messages["form"])


def checked_url(url: str) -> str:
    """The URL normalised, if a webhook may be sent there (see addresses.py); else WebhookError.

    A host that does not resolve within a few seconds is accepted: the check is made again,
    on the address connected to, before every delivery."""
    config = current_app.config
    try:
        target = parse_target(url, allow_http=bool(config["WEBHOOK_ALLOW_HTTP"]))
        addresses = resolve_within(target.host, target.port, DNS_CHECK_SECONDS)
        if addresses:
            AddressPolicy.from_config(config).check(addresses)
    except UnsafeUrl as error:
        raise WebhookError(url_message(error), "url") from error
    return target.url


def checked_data(data: EndpointData, endpoint: WebhookEndpoint | None) -> EndpointData:
    description = " ".join((data.description or "").split())
    if not description:
        raise WebhookError(_("Skriv vad slutpunkten används till."), "description")
    if len(description) > MAX_DESCRIPTION:
        raise WebhookError(_("Beskrivningen får vara högst 300 tecken."), "description")
    wanted = set(data.events or ())
    if not wanted:
        raise WebhookError(_("Välj minst en händelse."), "events")
    if not wanted <= set(EventType):
        raise WebhookError(_("Välj händelser i listan."), "events")
    url = checked_url(data.url)  # last: the one check that may wait for the resolver
    same_url = select(WebhookEndpoint.id).where(
        WebhookEndpoint.url == url, WebhookEndpoint.deleted_at.is_(None)
    )
    if endpoint is not None:
        same_url = same_url.where(WebhookEndpoint.id != endpoint.id)
    if db.session.scalar(same_url.limit(1)) is not None:
        raise WebhookError(_("Det finns redan en slutpunkt med den adressen."), "url")
    events = [event.value for event in EventType if event.value in wanted]
    return EndpointData(url=url, description=description, events=events)


def snapshot(endpoint: WebhookEndpoint) -> dict:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": ", ".join(endpoint.events or []),
        "enabled": endpoint.enabled,
    }


def create_endpoint(actor, data: EndpointData) -> WebhookEndpoint:
    """Register an endpoint, enabled, with a new secret (shown to the admin on its page)."""
    live = db.session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.deleted_at.is_(None))
    )
    if live >= MAX_ENDPOINTS:
        raise WebhookError(_("Det får finnas högst 50 slutpunkter. Ta bort någon först."))
    data = checked_data(data, None)
    endpoint = WebhookEndpoint(
        url=data.url,
        description=data.description,
        events=data.events,
        secret=new_secret(),
        enabled=True,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(endpoint)
    db.session.flush()
    record(actor, "webhook.create", endpoint, f"Webhook: {endpoint.url[:200]}", snapshot(endpoint))
    write_version()
    return endpoint


def update_endpoint(actor, endpoint: WebhookEndpoint, data: EndpointData) -> None:
    require_live(endpoint)
    data = checked_data(data, endpoint)
    before = snapshot(endpoint)
    endpoint.url, endpoint.description, endpoint.events = data.url, data.description, data.events
    db.session.flush()
    changes = diff(before, snapshot(endpoint))
    if changes:
        record(actor, "webhook.update", endpoint, f"Webhook: {endpoint.url[:200]}", changes)
        write_version()


def require_live(endpoint: WebhookEndpoint) -> None:
    if endpoint.deleted_at is not None:
        raise Conflict(_("Slutpunkten är borttagen."))


def set_enabled(actor, endpoint: WebhookEndpoint, enabled: bool) -> None:
    """Turn an endpoint on or off. Turned on again, it starts afresh: its failure count is
    cleared and its waiting deliveries are due at once."""
    require_live(endpoint)
    if endpoint.enabled == enabled:
        return
    now = utcnow()
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_at = endpoint.disabled_by = None
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint.id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
            )
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        record(actor, "webhook.enable", endpoint, f"Webhook påslagen: {endpoint.url[:200]}")
    else:
        endpoint.disabled_at, endpoint.disabled_by = now, DisabledBy.ADMIN
        record(actor, "webhook.disable", endpoint, f"Webhook avstängd: {endpoint.url[:200]}")
    write_version()


def rotate_secret(actor, endpoint: WebhookEndpoint) -> None:
    """A new secret; the old one keeps signing (a second signature) for
    WEBHOOK_SECRET_OVERLAP_HOURS, so the receiving system can switch without losing events."""
    require_live(endpoint)
    hours = float(current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"])
    endpoint.previous_secret = endpoint.secret if hours > 0 else None
    endpoint.previous_secret_until = utcnow() + timedelta(hours=hours) if hours > 0 else None
    endpoint.secret = new_secret()
    record(actor, "webhook.rotate_secret", endpoint, f"Ny hemlighet: {endpoint.url[:200]}")


def delete_endpoint(actor, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint: nothing more is sent to it, and its deliveries and their log go.

    The row stays (without its secrets), so that the audit log still names it."""
    require_live(endpoint)
    endpoint.deleted_at = utcnow()
    endpoint.enabled = False
    endpoint.secret = ""
    endpoint.previous_secret = endpoint.previous_secret_until = None
    delivery_ids = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
    db.session.execute(
        delete(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .execution_options(synchronize_session=False)
    )
    record(actor, "webhook.delete", endpoint, f"Webhook borttagen: {endpoint.url[:200]}")
    write_version()


def redeliver(actor, delivery: WebhookDelivery) -> None:
    """Send a delivery again (an admin's "Skicka igen"): the same body and webhook-id, due now,
    with a fresh retry schedule. A delivery still waiting is simply made due now."""
    endpoint = delivery.endpoint
    require_live(endpoint)
    if not endpoint.enabled:
        raise WebhookError(_("Slå på slutpunkten innan du skickar igen."))
    if delivery.claimed_until is not None and delivery.claimed_until > utcnow():
        raise Conflict(_("Leveransen skickas just nu. Ladda om sidan om en stund."))
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = utcnow()
    delivery.retries = 0
    delivery.claimed_until = None
    delivery.delivered_at = None
    record(
        actor,
        "webhook.redeliver",
        endpoint,
        f"Skickas igen: {delivery.event_type} {delivery.message_id}",
    )


def redeliver_failed(actor, endpoint: WebhookEndpoint) -> int:
    """Queue every failed delivery of an endpoint again; how many."""
    require_live(endpoint)
    if not endpoint.enabled:
        raise WebhookError(_("Slå på slutpunkten innan du skickar igen."))
    result = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.FAILED,
        )
        .values(
            status=DeliveryStatus.PENDING, next_attempt_at=utcnow(), retries=0, claimed_until=None
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        record(
            actor,
            "webhook.redeliver",
            endpoint,
            f"{result.rowcount} misslyckade leveranser skickas igen",
        )
    return result.rowcount
