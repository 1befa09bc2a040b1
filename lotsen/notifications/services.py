"""The one place where Lotsen tells an official something: e-mail + in-app notice.

Every notification goes through notify() (in-app) and notify_official() (in-app and e-mail), so
switching channels (or adding one) is a change here only.
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from lotsen.accounts.models import User
from lotsen.cases.models import Case
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail.services import queue_mail
from lotsen.notifications.models import Notification
from lotsen.urls import external_url


def notify(user: User, kind: str, case: Case | None, text) -> Notification:
    """Add an in-app notification; `text` is rendered in the recipient's language."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = str(text)
    notification = Notification(
        user_id=user.id, kind=kind, case_id=case.id if case else None, text=text[:300]
    )
    db.session.add(notification)
    return notification


def notify_official(user, kind: str, case, text, subject, template: str, **context) -> None:
    """Tell `user` (an official) about `case`: a mail through the outbox and an in-app
    notification. `text` and `subject` are lazy strings, rendered
    in the user's language. Nothing is sent to inactive users."""
    if user is None or not user.active:
        return
    link = external_url("cases.show", case_id=case.id) if case is not None else None
    queue_mail(
        user.email,
        subject,
        template,
        locale=user.locale,
        user=user,
        case=case,
        link=context.pop("link", link),
        **context,
    )
    notify(user, kind[:30], case, text)


def tell_new_lead(
    case: Case, *, lead: User, previous: User | None, actor, reason, mail: bool, **_signal
):
    """A case got a new lead (the case_assigned signal): a notice to the lead and to the
    previous lead, and (unless `mail` is off, as in a bulk reassignment) an e-mail to the lead."""
    notify(
        lead,
        "assigned",
        case,
        _l("Du är lots för %(number)s: %(subject)s", number=case.number, subject=case.subject),
    )
    if previous is not None and previous.active:
        notify(
            previous,
            "unassigned",
            case,
            _l("%(number)s har flyttats till %(name)s", number=case.number, name=lead.name),
        )
    if mail:
        queue_mail(
            lead.email,
            _l("Du är lots för %(number)s", number=case.number),
            "mail/case_assigned.txt",
            locale=lead.locale,
            case=case,
            lead=lead,
            actor=actor,
            reason=reason,
            link=external_url("cases.show", case_id=case.id),
        )


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of `user`'s notifications read; False if it is not theirs."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
