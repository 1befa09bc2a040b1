"""Writing audit events. Every service that changes administrative data calls record()."""

from lotsen.audit.models import AuditEvent
from lotsen.extensions import db


def record(actor, action: str, obj, summary: str, changes: dict | None = None) -> AuditEvent:
    """Add an audit event for `obj` in the current transaction."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        summary=summary[:300],
        changes=changes or None,
    )
    db.session.add(event)
    return event


def diff(before: dict, after: dict) -> dict:
    """The fields whose values differ, as {field: [old, new]}."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
