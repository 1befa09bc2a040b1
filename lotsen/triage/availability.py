"""Who handles what and who is away: officials' categories (competence) and absences."""

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from lotsen.accounts.models import User
from lotsen.audit.services import record
from lotsen.cases.models import Category
from lotsen.extensions import db
from lotsen.timekeeping.calendar import local_today
from lotsen.triage.errors import TriageError
from lotsen.triage.models import Absence, user_categories
from lotsen.triage.queries import categories_handled


def set_categories_handled(actor: User, user: User, category_ids: Iterable[int]) -> None:
    """Replace the categories `user` handles (audited)."""
    wanted = set(category_ids)
    known = set(db.session.scalars(select(Category.id).where(Category.id.in_(list(wanted)))))
    current = categories_handled([user.id])[user.id]
    if known == current:
        return
    db.session.execute(delete(user_categories).where(user_categories.c.user_id == user.id))
    if known:
        db.session.execute(
            insert(user_categories), [{"user_id": user.id, "category_id": c} for c in known]
        )
    record(
        actor,
        "users.categories",
        user,
        f"Kategorier för {user.name}",
        {"categories": [sorted(current), sorted(known)]},
    )


def add_absence(actor: User, user: User, starts_on: date, ends_on: date, note: str = "") -> Absence:
    """Mark `user` away from `starts_on` to `ends_on` (inclusive)."""
    if starts_on is None or ends_on is None:
        raise TriageError(_("Ange både första och sista dagen."))
    if ends_on < starts_on:
        raise TriageError(_("Sista dagen kan inte vara före första dagen."))
    if ends_on < local_today():
        raise TriageError(_("Frånvaron har redan passerat. Ange dagar från och med i dag."))
    overlapping = db.session.scalar(
        select(Absence).where(
            Absence.user_id == user.id, Absence.starts_on <= ends_on, Absence.ends_on >= starts_on
        )
    )
    if overlapping is not None:
        raise TriageError(
            _(
                "Det finns redan frånvaro %(start)s–%(end)s som överlappar. Ta bort den först.",
                start=overlapping.starts_on.isoformat(),
                end=overlapping.ends_on.isoformat(),
            )
        )
    absence = Absence(
        user_id=user.id,
        starts_on=starts_on,
        ends_on=ends_on,
        note=(note or "").strip()[:200],
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(absence)
    db.session.flush()
    record(
        actor,
        "absences.created",
        absence,
        f"Frånvaro {user.name} {starts_on.isoformat()}–{ends_on.isoformat()}",
    )
    return absence


def delete_absence(actor: User, absence: Absence) -> None:
    record(
        actor,
        "absences.deleted",
        absence,
        f"Frånvaro {absence.user.name} {absence.starts_on.isoformat()}–"
        f"{absence.ends_on.isoformat()} borttagen",
    )
    db.session.delete(absence)
