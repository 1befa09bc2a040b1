"""What is written on a case, gathered for the index and for snippets: (kind, text) parts.

Six queries for any number of cases: the case with its company, the company contacts, the
messages and internal notes, the attachments (names and extracted text), the contributions,
and the meeting outcomes. Every function takes an executor (a Session or a Connection), so the
migration's backfill and the running app share them.
"""

from collections import defaultdict

from sqlalchemy import select

from lotsen.cases.models import Attachment, Case, Message
from lotsen.companies.models import Company, Contact
from lotsen.search.models import AttachmentText
from lotsen.search.text import stems
from lotsen.team.models import AgendaItem, CaseContribution

# The kinds of part, in the order a snippet looks for a hit.
SUBJECT = "subject"
QUESTION = "question"  # the business owner's first message
MESSAGE = "message"
NOTE = "note"
CONTRIBUTION = "contribution"
MEETING = "meeting"
COMPANY = "company"
CONTACT = "contact"
ATTACHMENT = "attachment"
NUMBER = "number"

MAX_PART_CHARS = 100_000  # a part longer than this is indexed up to here
MAX_STEMS_PER_CASE = 50_000


def joined(*values) -> str:
    return " ".join(str(v) for v in values if v)


# A large, dense batch of ids (a rebuild walks the cases in id order) is read as an id range
# rather than a long IN list; the few rows of other cases in the range are skipped.
RANGE_ABOVE = 50


def among(column, case_ids: list[int]):
    if not case_ids:
        return column.in_([])
    low, high = min(case_ids), max(case_ids)
    if len(case_ids) > RANGE_ABOVE and high - low < 2 * len(case_ids):
        return column.between(low, high)
    return column.in_(case_ids)


def case_fields(case) -> list[tuple[str, str]]:
    """The parts held in the case row itself (a Case or a row with the same names)."""
    return [
        (NUMBER, case.number),
        (SUBJECT, case.subject),
        (COMPANY, joined(case.company_name, case.org_number)),
        (CONTACT, joined(case.submitter_name, case.submitter_email, case.submitter_phone)),
    ]


def case_parts(executor, case_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """{case_id: [(kind, text), …]} for every existing case among `case_ids`."""
    parts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not case_ids:
        return {}
    company_of: dict[int, list[int]] = defaultdict(list)
    rows = executor.execute(
        select(
            Case.id, Case.number, Case.subject, Case.company_name, Case.org_number,
            Case.submitter_name, Case.submitter_email, Case.submitter_phone, Case.company_id,
            Company.name, Company.street_address, Company.postal_code, Company.town,
        )
        .outerjoin(Company, Company.id == Case.company_id)
        .where(among(Case.id, case_ids))
    )  # fmt: skip
    wanted = set(case_ids)
    for row in rows:
        case_id = row[0]
        if case_id not in wanted:
            continue
        parts[case_id].extend(case_fields(row))
        company = joined(row.name, row.street_address, row.postal_code, row.town)
        if row.name == row.company_name:
            company = joined(row.street_address, row.postal_code, row.town)
        if company:
            parts[case_id].append((COMPANY, company))
        if row.company_id is not None:
            company_of[row.company_id].append(case_id)
    if company_of:
        contacts = executor.execute(
            select(Contact.company_id, Contact.name, Contact.email, Contact.phone).where(
                Contact.company_id.in_(list(company_of))
            )
        )
        for row in contacts:
            for case_id in company_of[row.company_id]:
                parts[case_id].append((CONTACT, joined(row.name, row.email, row.phone)))
    for case_id, kind, body in message_rows(executor, case_ids):
        if case_id in parts:
            parts[case_id].append((kind, body))
    attachments = executor.execute(
        select(Attachment.case_id, Attachment.filename, AttachmentText.text)
        .outerjoin(AttachmentText, AttachmentText.attachment_id == Attachment.id)
        .where(among(Attachment.case_id, case_ids))
        .order_by(Attachment.case_id, Attachment.id)
    )
    for case_id, filename, content in attachments:
        if case_id in parts:
            parts[case_id].append((ATTACHMENT, joined(filename, content)))
    contributions = executor.execute(
        select(CaseContribution.case_id, CaseContribution.question, CaseContribution.answer)
        .where(among(CaseContribution.case_id, case_ids))
        .order_by(CaseContribution.case_id, CaseContribution.id)
    )
    for case_id, question, answer in contributions:
        if case_id in parts:
            parts[case_id].append((CONTRIBUTION, joined(question, answer)))
    outcomes = executor.execute(
        select(AgendaItem.case_id, AgendaItem.note, AgendaItem.decision, AgendaItem.next_step)
        .where(among(AgendaItem.case_id, case_ids))
        .order_by(AgendaItem.case_id, AgendaItem.id)
    )
    for case_id, note, decision, next_step in outcomes:
        if case_id in parts:
            parts[case_id].append((MEETING, joined(note, decision, next_step)))
    return dict(parts)


def message_rows(executor, case_ids: list[int]):
    """(case_id, kind, body) of every message of these cases, oldest first; the business
    owner's first message is the question."""
    first_message: set[int] = set()
    rows = executor.execute(
        select(Message.case_id, Message.is_internal, Message.author_kind, Message.body)
        .where(among(Message.case_id, case_ids))
        .order_by(Message.case_id, Message.id)
    )
    for case_id, internal, author_kind, body in rows:
        kind = NOTE if internal else MESSAGE
        if author_kind == "submitter" and case_id not in first_message:
            first_message.add(case_id)
            kind = QUESTION
        yield case_id, kind, body or ""


def subject_and_messages(executor, cases) -> dict[int, list[tuple[str, str]]]:
    """The subject (from the loaded cases) and the messages (one query) of `cases`."""
    parts = {case.id: [(SUBJECT, case.subject)] for case in cases}
    for case_id, kind, body in message_rows(executor, list(parts)):
        parts[case_id].append((kind, body))
    return parts


def stems_of(parts: list[tuple[str, str]]) -> list[str]:
    """The stems of a case's parts, in order, bounded in number."""
    result: list[str] = []
    for _kind, content in parts:
        result.extend(stems(content[:MAX_PART_CHARS]))
        if len(result) >= MAX_STEMS_PER_CASE:
            return result[:MAX_STEMS_PER_CASE]
    return result
