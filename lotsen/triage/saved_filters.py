"""Case-list filters a user saves under a name."""

from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from sqlalchemy import delete, select

from lotsen.accounts.models import User
from lotsen.extensions import db
from lotsen.triage.errors import TriageError
from lotsen.triage.models import SavedFilter

FILTER_KEYS = (
    "scope",
    "q",
    "status",
    "category",
    "channel",
    "lead",
    "department",
    "received_from",
    "received_to",
    "age",
    "within_target",
    "measured",
    "sort",
)


def clean_query(query_string: str) -> str:
    """Only the case-list filter arguments of a query string, in a stable order."""
    pairs = dict(parse_qsl((query_string or "").lstrip("?"), keep_blank_values=False))
    return urlencode([(key, pairs[key][:200]) for key in FILTER_KEYS if pairs.get(key)])


def save_filter(user: User, name: str, query_string: str) -> SavedFilter:
    """Save the case-list filter under `name`; the same name again replaces it."""
    name = (name or "").strip()
    if not name:
        raise TriageError(_("Ge filtret ett namn."))
    if len(name) > 80:
        raise TriageError(_("Namnet får vara högst 80 tecken."))
    query = clean_query(query_string)[:1000]
    saved = db.session.scalar(
        select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name)
    )
    if saved is None:
        saved = SavedFilter(user_id=user.id, name=name, query=query)
        db.session.add(saved)
    else:
        saved.query = query
    db.session.flush()
    return saved


def delete_filter(user: User, filter_id: int) -> bool:
    result = db.session.execute(
        delete(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.user_id == user.id)
    )
    return result.rowcount == 1
