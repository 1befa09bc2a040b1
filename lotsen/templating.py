"""Template globals and filters."""

from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, request
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from lotsen.accounts.models import Role
from lotsen.accounts.services import has_password_login
from lotsen.cases.models import CaseStatus
from lotsen.cases.rendering import render_message
from lotsen.triage.queries import format_count, nav_counts
from lotsen.urls import url_for_with_query

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def navigation_for(user) -> list[tuple[str, str]]:
    """(endpoint, label) pairs for the main navigation, by the user's roles."""
    from flask_babel import gettext as _

    if user is None or not has_request_context():
        return []
    if not user.is_authenticated:
        return [("public.ask", _("Ställ en fråga"))]
    items = [("main.index", _("Start"))]
    if user.has_role(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER):
        items.append(("cases.index", _("Ärenden")))
        items.append(("search.index", _("Sök")))
    if user.has_role(Role.COORDINATOR, Role.ADMIN):
        items.append(("triage.queue", _("Fördelning")))
    if user.has_role(Role.OFFICIAL, Role.COORDINATOR):
        items.append(("team.my_contributions", _("Mina delsvar")))
    if user.has_role(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER):
        items.append(("team.meetings", _("Lotsmöten")))
    if user.has_role(Role.COORDINATOR, Role.ADMIN):
        items.append(("replies.index", _("Svarsmallar")))
    items.append(("companies.index", _("Företag")))
    items.append(("visits.index", _("Besök")))
    items.append(("strategy.index", _("Strategi")))
    if user.has_role(Role.MANAGER, Role.ADMIN):
        items.append(("survey.results", _("Enkät")))
    if user.has_role(Role.MANAGER, Role.ADMIN):
        items.append(("reports.dashboard", _("Rapporter")))
    if user.has_role(Role.ADMIN):
        items.append(("admin.index", _("Administration")))
    items.append(("triage.notifications", _("Notiser")))
    return items


def url_with_changes(req, changes: dict) -> str:
    """The path of `req` with its query arguments, some of them replaced or (None) removed."""
    args = req.args.copy()
    for key, value in changes.items():
        args.pop(key, None)
        if value is not None:
            args[key] = value
    return url_for_with_query(req.endpoint, args, **(req.view_args or {}))


def register_template_helpers(app):
    @app.context_processor
    def inject_globals():
        return {
            "current_language": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
            "languages": current_app.config["LANGUAGES"],
            # While the database is down (a 503 page) nothing may load the user or count badges.
            "navigation": [] if g.get("database_unavailable") else navigation_for(current_user),
            "Role": Role,
        }

    app.add_template_global(has_password_login)

    @app.template_global()
    def nav_count(endpoint):
        """The badge of a navigation item (unread notifications, cases to triage), or None."""
        number = nav_counts(current_user).get(endpoint)
        return format_count(number) if number else None

    @app.template_filter("datetime")
    def datetime_filter(value, format="yyyy-MM-dd HH:mm"):
        if value is None:
            return ""
        return format_datetime(value, format)

    @app.template_filter("message_html")
    def message_html(body):
        return render_message(body)

    @app.template_global()
    def status_label(status):
        return CaseStatus(status).label if status else "–"

    @app.template_global()
    def current_path():
        return request.full_path.rstrip("?")

    @app.template_global()
    def url_with(**changes):
        """The current URL with some query arguments replaced (None removes one).

        The query is appended as it came, never passed to url_for as keywords: an argument
        named like a view argument or like url_for's own (`endpoint`, `_external`, `_anchor`)
        would otherwise break the link or change where it points.
        """
        return url_with_changes(request, changes)
