"""Inbound records made directly (for page tests that need no mail server)."""

from lotsen.extensions import db
from lotsen.inbound.models import InboundMessage, InboundOutcome


def inbound_record(n: int, outcome=InboundOutcome.FAILED, **values) -> InboundMessage:
    record = InboundMessage(
        mailbox="lotsgruppen",
        uidvalidity=1,
        uid=n,
        message_id=f"<record-{n}@example.se>",
        sender=f"avsandare{n}@example.se",
        subject=f"Meddelande {n}",
        outcome=outcome,
        size=40,
        raw=f"Subject: Meddelande {n}\r\n\r\nText {n}\r\n".encode(),
        **values,
    )
    if record.reason is None and outcome == InboundOutcome.FAILED:
        record.reason = "No sender address"
    db.session.add(record)
    db.session.commit()
    return record
