"""Keeping the case search index current, in the transaction that changes a case.

Why a commit hook (as lotsen.timekeeping.hooks does for the figures) rather than calls in each
service: "everything written on a case is searchable" then holds for every path that writes
one (intake, replies, notes, edits, contributions, meeting outcomes, company and contact
changes, attachment text) without each service having to remember it.

How: after each flush the ids of the cases whose indexed content changed are collected in
`session.info` (companies and contacts are collected as company ids, resolved to their cases
later); `before_commit` flushes and rewrites those cases' documents (six reads and one write
for the lot, see documents.py). A search made before the commit (a service test, a request
that writes then searches) calls `refresh(session)` first. The end of the outermost transaction
forgets what was collected.
"""

from collections.abc import Callable, Iterable

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from lotsen.cases.models import Attachment, Case, Message
from lotsen.companies.models import Company, Contact
from lotsen.search import documents, storage
from lotsen.search.documents import case_fields, case_parts, stems_of
from lotsen.search.models import AttachmentText
from lotsen.team.models import AgendaItem, CaseContribution

TOUCHED_CASES = "search_touched_cases"
TOUCHED_COMPANIES = "search_touched_companies"
# Cases created in this transaction, with the rows added to them: such a case is indexed from
# these objects, without reading anything back (a public submission costs one more statement).
FRESH = "search_fresh_cases"
INDEXING = "search_indexing"

CASE_FIELDS = (
    "number", "subject", "company_name", "org_number", "submitter_name", "submitter_email",
    "submitter_phone", "company_id",
)  # fmt: skip
COMPANY_FIELDS = ("name", "street_address", "postal_code", "town")
CHILDREN = (Message, Attachment, AttachmentText, CaseContribution, AgendaItem)


def changed(obj, fields: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def collect_changes(session: Session, _flush_context) -> None:
    if session.info.get(INDEXING):
        return
    cases = session.info.setdefault(TOUCHED_CASES, set())
    companies = session.info.setdefault(TOUCHED_COMPANIES, set())
    fresh = session.info.setdefault(FRESH, {})
    for obj in session.new:
        if isinstance(obj, Case):
            fresh.setdefault(obj.id, [obj])
    for obj in session.new:
        if isinstance(obj, CHILDREN) and obj.case_id in fresh:
            fresh[obj.case_id].append(obj)
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Case):
            if obj in session.new or changed(obj, CASE_FIELDS):
                cases.add(obj.id)
        elif isinstance(obj, CHILDREN):
            if obj.case_id is not None:
                cases.add(obj.case_id)
        elif isinstance(obj, Contact):
            companies.add(obj.company_id)
        elif isinstance(obj, Company) and obj not in session.new and changed(obj, COMPANY_FIELDS):
            companies.add(obj.id)
    cases.discard(None)
    companies.discard(None)


def refresh(session: Session) -> int:
    """Rewrite the documents of the cases changed in this transaction; returns how many."""
    if session.info.get(INDEXING):
        return 0
    session.flush()
    case_ids = session.info.pop(TOUCHED_CASES, set())
    company_ids = session.info.pop(TOUCHED_COMPANIES, set())
    fresh = session.info.pop(FRESH, {})
    if not case_ids and not company_ids:
        return 0
    session.info[INDEXING] = True
    try:
        if company_ids:
            case_ids |= set(
                session.scalars(select(Case.id).where(Case.company_id.in_(company_ids)))
            )
        in_memory = {
            case_id: parts_in_session(rows)
            for case_id, rows in fresh.items()
            if case_id in case_ids
            and rows[0].company_id is None
            and not company_ids
            and inspect(rows[0]).persistent  # not undone by a rolled-back savepoint
        }
        storage.write_documents(
            session, [(case_id, stems_of(parts)) for case_id, parts in in_memory.items()]
        )
        rest = sorted(case_ids - set(in_memory))
        return len(in_memory) + (index_cases(session, rest) if rest else 0)
    finally:
        session.info.pop(INDEXING, None)


def parts_in_session(rows: list) -> list[tuple[str, str]]:
    """The parts of a case created in this transaction, from the objects themselves: the case
    first, then what was added to it (a case not linked to a company has no other parts)."""
    case, children = rows[0], rows[1:]
    parts = case_fields(case)
    messages = sorted((m for m in children if isinstance(m, Message)), key=lambda m: m.id)
    question_seen = False
    for message in messages:
        if inspect(message).was_deleted:
            continue
        kind = documents.NOTE if message.is_internal else documents.MESSAGE
        if message.author_kind == "submitter" and not question_seen:
            question_seen, kind = True, documents.QUESTION
        parts.append((kind, message.body or ""))
    texts = {t.attachment_id: t.text for t in children if isinstance(t, AttachmentText)}
    for child in sorted(
        children, key=lambda c: (CHILDREN.index(type(c)), getattr(c, "id", None) or 0)
    ):
        if inspect(child).was_deleted:
            continue
        if isinstance(child, Attachment):
            parts.append((documents.ATTACHMENT, documents.joined(child.filename,
                                                                 texts.get(child.id))))  # fmt: skip
        elif isinstance(child, CaseContribution):
            parts.append((documents.CONTRIBUTION, documents.joined(child.question, child.answer)))
        elif isinstance(child, AgendaItem):
            parts.append((documents.MEETING, documents.joined(child.note, child.decision,
                                                              child.next_step)))  # fmt: skip
    return parts


def index_cases(executor, case_ids: list[int]) -> int:
    """Build and write the documents of these cases (a case that no longer exists is skipped:
    its document went with it, ON DELETE CASCADE)."""
    parts = case_parts(executor, case_ids)
    storage.write_documents(
        executor, [(case_id, stems_of(parts[case_id])) for case_id in case_ids if case_id in parts]
    )
    return len(parts)


def refresh_before_commit(session: Session) -> None:
    refresh(session)


def forget_changes(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(TOUCHED_CASES, None)
        session.info.pop(TOUCHED_COMPANIES, None)
        session.info.pop(FRESH, None)


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times)."""
    for name, listener in (
        ("after_flush", collect_changes),
        ("before_commit", refresh_before_commit),
        ("after_transaction_end", forget_changes),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


REINDEX_BATCH = 500


def reindex_all(
    executor, batch_size: int = REINDEX_BATCH, progress: Callable[[int, int], None] | None = None
) -> int:
    """Rebuild every case's document, in batches of case ids (ascending); `progress(done,
    total)` after each batch. The caller commits (the CLI commits per batch through progress).
    On SQLite the FTS5 index is built from the documents in one pass at the end (see
    storage.suspend_sqlite_triggers); searches meanwhile see the index as it was."""
    sqlite = not storage.is_postgresql(executor)
    if sqlite:
        storage.suspend_sqlite_triggers(executor)
    total = executor.execute(select(func.count()).select_from(Case)).scalar_one()
    done = 0
    last_id = 0
    while True:
        ids = list(
            executor.execute(
                select(Case.id).where(Case.id > last_id).order_by(Case.id).limit(batch_size)
            ).scalars()
        )
        if not ids:
            break
        done += index_cases(executor, ids)
        last_id = ids[-1]
        if progress:
            progress(done, total)
    if sqlite:
        storage.finish_sqlite_rebuild(executor)
    return done
