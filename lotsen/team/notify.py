"""The one place where the team's work tells an official something: e-mail + in-app notice.

Every notification of lotsen.team goes through notify_official(), so switching channels (or
adding one) is a change here only.
"""

from lotsen.mail.services import queue_mail
from lotsen.urls import external_url


def notify_official(user, kind: str, case, text, subject, template: str, **context) -> None:
    """Tell `user` (an official) about `case`: a mail through the outbox and, where the triage
    module offers it, an in-app notification. `text` and `subject` are lazy strings, rendered
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
    add_in_app_notification(user, kind, case, text)


def add_in_app_notification(user, kind: str, case, text) -> None:
    """The in-app notification list belongs to lotsen.triage (its notify service)."""
    from lotsen.triage.services import notify

    notify(user, kind[:30], case, text)
