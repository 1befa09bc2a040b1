"""Reading the audit log."""

from sqlalchemy import select

from lotsen.audit.models import AuditEvent
from lotsen.extensions import db


def audit_history(object_type: str, object_id: int, limit: int = 50) -> list[AuditEvent]:
    """The latest audit events of one object, newest first (the history on its edit page)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
