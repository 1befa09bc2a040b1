"""Keep the stored figures current: recompute every case a transaction touched, at commit.

Why a commit hook rather than calls in each service: "recomputed on every event" then holds for
every path that writes a case (status changes, replies, edits of the category, intake, and
whatever is added later) without each of them having to remember it, and the order of writes
inside a service does not matter (post_public_reply records its event before it sets
first_response_at; the figures are computed once, from the final state, just before the
commit).

How: after each flush the ids of cases with a new CaseEvent, and of new or changed Case rows,
are collected in `session.info`; `before_commit` flushes, recomputes those cases' figures (three
queries for the lot, see services.recompute_rows) and lets the commit write them. The end of
the outermost transaction (commit, rollback or close) forgets the collected ids.

A case inserted in this transaction (a submission) costs no query at all: nobody else can have
written its figures or events, so its status events are collected here as they are flushed and
its figures row is simply inserted. (This holds for cases and events written through the ORM,
which is how every service writes them.)

The same module keeps the cached working calendar honest: a flush that adds, changes or deletes
a closed or shortened day writes a new `calendar_version` setting in that flush (see
timekeeping/queries.py), so every process rebuilds its calendar once the change is committed.
"""

import uuid

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lotsen.cases.models import Case, CaseEvent
from lotsen.settings import Setting, forget_stored_settings
from lotsen.timekeeping.models import ClosedDay, ShortenedDay
from lotsen.timekeeping.queries import CALENDAR_VERSION_SETTING
from lotsen.timekeeping.services import ClockRow, recompute_rows

TOUCHED = "timekeeping_touched_cases"
# The Case objects written in this transaction, held until its end: the session's identity map
# holds clean objects only weakly, and a case the service no longer references would otherwise
# be read again (with its joined rows) just to compute its figures.
HELD = "timekeeping_held_cases"
FRESH = "timekeeping_fresh_cases"  # {case id: [(event id, created_at, to_status), …]}
RECOMPUTING = "timekeeping_recomputing"
STATUS_EVENT_KINDS = ("status", "reopened")


def touched_case_ids(session: Session) -> set[int]:
    return session.info.setdefault(TOUCHED, set())


def collect_touched_cases(session: Session, _flush_context) -> None:
    if session.info.get(RECOMPUTING):
        return
    ids = touched_case_ids(session)
    fresh = session.info.setdefault(FRESH, {})
    held = session.info.setdefault(HELD, [])
    for obj in session.new:
        if isinstance(obj, Case) and obj.id is not None:
            ids.add(obj.id)
            fresh.setdefault(obj.id, [])
            held.append(obj)
    for obj in session.new:
        if isinstance(obj, CaseEvent) and obj.case_id is not None:
            ids.add(obj.case_id)
            if obj.case_id in fresh and obj.kind in STATUS_EVENT_KINDS and obj.to_status:
                fresh[obj.case_id].append((obj.id, obj.created_at, obj.to_status))
    for obj in session.dirty:
        if isinstance(obj, Case) and obj.id is not None and session.is_modified(obj):
            ids.add(obj.id)
            held.append(obj)


def recompute_touched_cases(session: Session) -> None:
    if session.info.get(RECOMPUTING):
        return
    session.flush()
    ids = session.info.pop(TOUCHED, None)
    held = session.info.pop(HELD, None)  # noqa: F841 (keeps the cases in the identity map)
    if not ids:
        return
    fresh = session.info.get(FRESH, {})
    session.info[RECOMPUTING] = True
    try:
        cases = [session.get(Case, case_id) for case_id in sorted(ids)]
        rows = [ClockRow.of(case) for case in cases if case is not None]
        new_rows = [row for row in rows if row.id in fresh]
        old_rows = [row for row in rows if row.id not in fresh]
        if new_rows:
            events = {
                case_id: [(at, to_status) for _id, at, to_status in sorted(fresh[case_id])]
                for case_id in fresh
            }
            recompute_rows(new_rows, known_events=events)
        if old_rows:
            recompute_rows(old_rows)
    finally:
        session.info.pop(RECOMPUTING, None)


def forget_touched_cases(session: Session, transaction) -> None:
    """After a rollback (or close) of the outermost transaction nothing is left to recompute."""
    if transaction.parent is None:
        session.info.pop(TOUCHED, None)
        session.info.pop(FRESH, None)
        session.info.pop(HELD, None)


def mark_calendar_changes(session: Session, _flush_context, _instances) -> None:
    """A flush that writes a closed or shortened day also writes a new calendar version."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(obj, ClosedDay | ShortenedDay) for obj in changed):
        return
    write_calendar_version(session)


def write_calendar_version(session: Session) -> str:
    """Store a new random calendar version (one upsert; no race between two admins)."""
    version = uuid.uuid4().hex
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(Setting)
        .values(key=CALENDAR_VERSION_SETTING, value=version)
        .on_conflict_do_update(index_elements=[Setting.key], set_={"value": version})
    )
    forget_stored_settings()
    return version


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times)."""
    for name, listener in (
        ("after_flush", collect_touched_cases),
        ("before_commit", recompute_touched_cases),
        ("after_transaction_end", forget_touched_cases),
        ("before_flush", mark_calendar_changes),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
