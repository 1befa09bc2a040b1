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
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from lotsen.cases.models import Case, CaseEvent
from lotsen.timekeeping.services import ClockRow, recompute_rows

TOUCHED = "timekeeping_touched_cases"
RECOMPUTING = "timekeeping_recomputing"


def touched_case_ids(session: Session) -> set[int]:
    return session.info.setdefault(TOUCHED, set())


def collect_touched_cases(session: Session, _flush_context) -> None:
    if session.info.get(RECOMPUTING):
        return
    ids = touched_case_ids(session)
    for obj in session.new:
        if isinstance(obj, CaseEvent) and obj.case_id is not None:
            ids.add(obj.case_id)
        elif isinstance(obj, Case) and obj.id is not None:
            ids.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Case) and obj.id is not None and session.is_modified(obj):
            ids.add(obj.id)


def recompute_touched_cases(session: Session) -> None:
    if session.info.get(RECOMPUTING):
        return
    session.flush()
    ids = session.info.pop(TOUCHED, None)
    if not ids:
        return
    session.info[RECOMPUTING] = True
    try:
        cases = [session.get(Case, case_id) for case_id in sorted(ids)]
        rows = [ClockRow.of(case) for case in cases if case is not None]
        if rows:
            recompute_rows(rows)
    finally:
        session.info.pop(RECOMPUTING, None)


def forget_touched_cases(session: Session, transaction) -> None:
    """After a rollback (or close) of the outermost transaction nothing is left to recompute."""
    if transaction.parent is None:
        session.info.pop(TOUCHED, None)


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times)."""
    for name, listener in (
        ("after_flush", collect_touched_cases),
        ("before_commit", recompute_touched_cases),
        ("after_transaction_end", forget_touched_cases),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
