"""Saved replies: writing them (checked, audited) and filling them in from a case.

Placeholders are Swedish words in braces, filled from the case when an official inserts the
reply (see PLACEHOLDERS). A value the case lacks (no lead yet, no due date) becomes an empty
string, never "None" or the placeholder itself. A text in braces that is not a placeholder is
refused when the reply is saved, so that a typo ({foretag}) is found by the coordinator and not
by the company.
"""

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from lotsen.audit.models import AuditEvent
from lotsen.audit.services import diff, record
from lotsen.cases.models import Case, Category
from lotsen.db_types import utcnow
from lotsen.domain_errors import DomainError
from lotsen.extensions import db
from lotsen.pagination import Page, paginate
from lotsen.replies.models import BODY_MAX, TITLE_MAX, SavedReply
from lotsen.routing import bounded_int
from lotsen.timekeeping.calendar import STOCKHOLM

# {placeholder: what it is filled with}; the names are what coordinators type.
PLACEHOLDERS = {
    "företag": _l("företagets namn"),
    "kontaktperson": _l("namnet på den som frågade"),
    "handläggare": _l("ärendets lots"),
    "ärendenummer": _l("ärendenumret, t.ex. LOTS-2026-0042"),
    "förfallodatum": _l("dagen ärendet ska vara löst (servicegarantin)"),
    "ämne": _l("ärendets rubrik"),
}
PLACEHOLDER = re.compile(r"\{([^{}\n]{1,40})\}")
PER_PAGE = 25
SEARCH_MAX = 100
SORTS = ("titel", "andrad")


class SavedReplyError(DomainError):
    """A rule about saved replies was broken; the message is for the user, `field` names the
    form field it belongs to."""

    def __init__(self, message: str, field: str = "body"):
        super().__init__(message, field)


# --- Filling in ------------------------------------------------------------------------------


def unknown_placeholders(body: str) -> list[str]:
    """The texts in braces that are not placeholders, in order, each once."""
    seen = []
    for name in PLACEHOLDER.findall(body or ""):
        if name not in PLACEHOLDERS and name not in seen:
            seen.append(name)
    return seen


def placeholder_values(case: Case) -> dict[str, str]:
    """What each placeholder stands for in `case` ("" where the case has no value)."""
    company = case.company_name or (case.company.name if case.company is not None else "")
    figures = case.figures
    due = figures.resolution_due_at if figures is not None else None
    return {
        "företag": company or "",
        "kontaktperson": case.submitter_name or "",
        "handläggare": case.lead.name if case.lead is not None else "",
        "ärendenummer": case.number or "",
        "förfallodatum": due.astimezone(STOCKHOLM).date().isoformat() if due else "",
        "ämne": case.subject or "",
    }


def fill(body: str, values: dict[str, str]) -> str:
    """`body` with every placeholder replaced by its value (missing values by nothing)."""
    return PLACEHOLDER.sub(
        lambda match: values.get(match.group(1), "") if match.group(1) in PLACEHOLDERS else "",
        body,
    )


def replies_for_case(case: Case) -> list[SavedReply]:
    """The active saved replies offered on `case`: its category's and the general ones."""
    return list(
        db.session.scalars(
            select(SavedReply)
            .where(
                SavedReply.archived_at.is_(None),
                or_(SavedReply.category_id == case.category_id, SavedReply.category_id.is_(None)),
            )
            .order_by(SavedReply.category_id.is_(None), SavedReply.title, SavedReply.id)
        )
    )


def insert_reply(case: Case, reply_id, typed: str | None) -> str:
    """The answer text with the saved reply `reply_id` filled in and added after what was
    already typed (which is kept as it was). Raises SavedReplyError for a reply that is not
    offered on this case."""
    reply_id = bounded_int(reply_id)  # a hand-made id beyond the column's range names nothing
    reply = db.session.get(SavedReply, reply_id) if reply_id is not None else None
    offered = reply is not None and reply.archived_at is None
    if not offered or reply.category_id not in (None, case.category_id):
        raise SavedReplyError(_("Välj en svarsmall i listan."), field="saved_reply")
    text = fill(reply.body, placeholder_values(case)).strip()
    typed = (typed or "").rstrip()
    return f"{typed}\n\n{text}" if typed else text


class Provider:
    """What the case page needs from saved replies; registered in app.extensions at start-up
    (cases, a core domain, does not import this work domain)."""

    def offered(self, case: Case) -> list[tuple[int, str]]:
        return [(reply.id, reply.title) for reply in replies_for_case(case)]

    def insert(self, case: Case, reply_id, typed: str | None) -> str:
        return insert_reply(case, reply_id, typed)


def install(app) -> None:
    app.extensions["lotsen_saved_replies"] = Provider()


# --- Managing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyInput:
    title: str
    body: str
    category_id: int | None


def checked(data: ReplyInput) -> ReplyInput:
    title = (data.title or "").strip()
    body = (data.body or "").strip()
    if not title:
        raise SavedReplyError(_("Skriv en rubrik för mallen."), field="title")
    if len(title) > TITLE_MAX:
        raise SavedReplyError(_("Rubriken får vara högst 120 tecken."), field="title")
    if not body:
        raise SavedReplyError(_("Skriv mallens text."))
    if len(body) > BODY_MAX:
        raise SavedReplyError(_("Texten får vara högst 5 000 tecken."))
    unknown = unknown_placeholders(body)
    if unknown:
        raise SavedReplyError(
            _(
                "Okänd platshållare: %(unknown)s. Använd bara %(known)s.",
                unknown=", ".join("{" + name + "}" for name in unknown),
                known=", ".join("{" + name + "}" for name in PLACEHOLDERS),
            )
        )
    category_id = data.category_id
    if category_id is not None and (
        bounded_int(category_id) is None or db.session.get(Category, category_id) is None
    ):
        raise SavedReplyError(_("Välj en kategori i listan."), field="category_id")
    return ReplyInput(title, body, category_id)


def snapshot(reply: SavedReply) -> dict:
    return {
        "title": reply.title,
        "body": reply.body,
        "category": reply.category.name if reply.category is not None else None,
    }


def create_saved_reply(actor, data: ReplyInput) -> SavedReply:
    """Save a new reply template (checked and audited)."""
    data = checked(data)
    reply = SavedReply(
        title=data.title,
        body=data.body,
        category_id=data.category_id,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(reply)
    db.session.flush()
    db.session.refresh(reply, ["category"])
    record(
        actor,
        "saved_replies.created",
        reply,
        f"Svarsmall skapad: {reply.title}",
        {key: [None, value] for key, value in snapshot(reply).items()},
    )
    return reply


def update_saved_reply(actor, reply: SavedReply, data: ReplyInput) -> dict:
    """Change a reply template; returns the changes (audited), {} if nothing changed."""
    data = checked(data)
    before = snapshot(reply)
    reply.title, reply.body, reply.category_id = data.title, data.body, data.category_id
    db.session.flush()
    db.session.refresh(reply, ["category"])
    changes = diff(before, snapshot(reply))
    if changes:
        record(actor, "saved_replies.updated", reply, f"Svarsmall ändrad: {reply.title}", changes)
    return changes


def set_archived(actor, reply: SavedReply, archived: bool) -> None:
    """Archive a template (no longer offered, history kept) or bring it back."""
    if archived == (reply.archived_at is not None):
        return
    reply.archived_at = utcnow() if archived else None
    action = "saved_replies.archived" if archived else "saved_replies.restored"
    summary = "Svarsmall arkiverad" if archived else "Svarsmall återställd"
    record(
        actor, action, reply, f"{summary}: {reply.title}", {"archived": [not archived, archived]}
    )
    db.session.flush()


def history(reply: SavedReply, limit: int = 50) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == SavedReply.__tablename__)
            .where(AuditEvent.object_id == reply.id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


def list_page(words: str, sort: str, archived: bool, cursor: str | None) -> Page:
    """One page of saved replies matching `words` (in the title or text), active or archived,
    sorted by title or by latest change."""
    query = select(SavedReply).where(
        SavedReply.archived_at.is_not(None) if archived else SavedReply.archived_at.is_(None)
    )
    for word in (words or "").split()[:5]:
        pattern = (
            "%"
            + word[:SEARCH_MAX].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        query = query.where(
            or_(
                SavedReply.title.ilike(pattern, escape="\\"),
                SavedReply.body.ilike(pattern, escape="\\"),
            )
        )
    if sort == "andrad":
        return paginate(query, SavedReply.updated_at, SavedReply.id, cursor, PER_PAGE, True)
    return paginate(query, SavedReply.title, SavedReply.id, cursor, PER_PAGE)
