"""Settings that an admin edits in the UI, one row per key."""

from datetime import datetime

from flask import g, has_app_context
from sqlalchemy import String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db

# Settings an admin can change, with their defaults. E-mail is signed with the team's and the
# municipality's name, phone and address from here (lotsen.mail.services.signature).
SETTING_DEFAULTS = {
    "organisation_name": "Lerums kommun",
    "team_name": "Lotsgruppen",
    "team_email": "lotsgruppen@kommun.example",
    "team_phone": "0302-52 10 00",
}


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# The stored settings, read once per transaction. The table holds a handful of short rows (the
# mail signature, the office hours, the calendar's version marker), so one SELECT of all of them
# is as cheap as a SELECT of one. A request that signs a mail and needs the working calendar
# therefore reads the table once: the rows are kept on `g` until the transaction ends, or until a
# flush writes a setting (then the next read sees the new values).

SNAPSHOT = "_stored_settings"


def stored_settings() -> dict[str, str]:
    """Every stored setting as {key: value} (a missing key means "not set")."""
    if not has_app_context():
        return read_settings()
    snapshot = g.get(SNAPSHOT)
    if snapshot is None:
        snapshot = read_settings()
        setattr(g, SNAPSHOT, snapshot)
    return snapshot


def read_settings() -> dict[str, str]:
    """One SELECT, without flushing the rest of the session first (a submission's rows are
    written in one flush later, not half of them here); a setting written but not yet flushed
    is flushed, so that it is read back."""
    session = db.session
    if any(isinstance(obj, Setting) for obj in (*session.new, *session.dirty)):
        session.flush()
    with session.no_autoflush:
        return dict(session.execute(select(Setting.key, Setting.value)).all())


def forget_stored_settings() -> None:
    if has_app_context():
        g.pop(SNAPSHOT, None)


def forget_after_settings_flush(session: Session, _flush_context) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, Setting) for obj in changed):
        forget_stored_settings()


def forget_at_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        forget_stored_settings()


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times)."""
    for name, listener in (
        ("after_flush", forget_after_settings_flush),
        ("after_transaction_end", forget_at_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
