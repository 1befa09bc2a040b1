"""Who may reach which view.

Every view requires a logged-in official unless it is marked @public. Role restrictions are
declared with @roles_required and recorded on the view, so the tests can check every endpoint.
"""

from functools import wraps

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lotsen.accounts.models import Role


def public(view):
    """Mark a view as reachable without logging in."""
    view.is_public = True
    return view


def roles_required(*roles: Role):
    """Allow the view only to users holding at least one of `roles`; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_redirect()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(roles)
        return wrapped

    return decorator


API_PATH = "/api/"


def is_api_request() -> bool:
    """A request to the REST API (/api/…): JSON errors, the language of Accept-Language."""
    return request.path.startswith(API_PATH)


def bearer_token_only(view):
    """Mark a view that authenticates every request itself with an API token (lotsen.api):
    the log-in rule below and the session do not apply to it."""
    view.bearer_token_only = True
    return view


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return is_api_request() or best == "application/json"


def login_redirect():
    if wants_json():
        return jsonify(error="authentication required"), 401
    if request.endpoint != "main.index":  # the start page needs no explanation
        flash(_("Logga in för att se sidan."), "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def require_login_unless_public(app):
    """Install the default-deny rule: anonymous visitors only reach @public views (and the API's
    views, which ask for a token instead of a log-in)."""

    @app.before_request
    def check_login():
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is None or getattr(view, "is_public", False):
            return None
        if getattr(view, "bearer_token_only", False):
            return None
        if not current_user.is_authenticated:
            return login_redirect()
        return None
