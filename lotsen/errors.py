"""Error pages in the visitor's language, and JSON errors for API clients."""

import contextlib
from http import HTTPStatus

from flask import g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from lotsen.accounts.access import wants_json
from lotsen.domain_errors import DomainError
from lotsen.extensions import db, login_manager

PAGES = {400, 403, 404, 405, 409, 413, 429, 500, 503}
RETRY_AFTER_SECONDS = 30


def database_unavailable(error: Exception) -> bool:
    """Whether `error` says the database cannot be reached (down, refusing, locked, lost)."""
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def first_line(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}"


def render_unavailable(app, error):
    """503 with Retry-After, rendered without touching the database, and one log line."""
    app.logger.error(
        "Database unavailable for %s %s (%s)", request.method, request.path, first_line(error)
    )
    with contextlib.suppress(DBAPIError):
        db.session.rollback()
    g.database_unavailable = True
    g._login_user = login_manager.anonymous_user()  # the page must not load the user again
    if wants_json():
        response = problem_response(status_problem(503))
    else:
        response = render_template("errors/503.html", status=503, error=error)
    return response, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


# What an error status means, for the `detail` of a problem body (the client's language).
STATUS_DETAILS = {
    400: _l("Begäran kunde inte behandlas."),
    401: _l("Begäran saknar giltiga inloggningsuppgifter."),
    403: _l("Du har inte behörighet till det här."),
    404: _l("Det finns inget här."),
    405: _l("Metoden är inte tillåten här."),
    409: _l("Det ändrades samtidigt av någon annan."),
    413: _l("Begäran är för stor."),
    415: _l("Innehållstypen stöds inte."),
    422: _l("Uppgifterna i begäran är inte giltiga."),
    429: _l("För många försök. Vänta en stund och försök igen."),
    500: _l("Något gick fel hos oss."),
    503: _l("Tjänsten är inte tillgänglig just nu. Försök igen om en stund."),
}


def status_problem(status: int, detail: str | None = None) -> dict:
    """The RFC 9457 problem details of an HTTP error status (type about:blank)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status}
    detail = detail or STATUS_DETAILS.get(status)
    if detail:
        body["detail"] = str(detail)
    return body


def problem_response(body: dict, headers: dict | None = None):
    """A problem body sent as application/problem+json with its status."""
    response = jsonify(body)
    response.mimetype = "application/problem+json"
    response.status_code = body["status"]
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render_error(status: int, error=None):
    db.session.rollback()
    if wants_json():
        headers = dict(error.get_headers()) if hasattr(error, "get_headers") else {}
        headers.pop("Content-Type", None)
        return problem_response(status_problem(status), headers)
    template = f"errors/{status}.html" if status in PAGES else "errors/generic.html"
    return render_template(template, status=status, error=error), status


def problem(error: DomainError) -> dict:
    """The RFC 9457 problem details of a refusal (served as application/problem+json)."""
    body = {"type": "about:blank", "title": error.title, "status": error.status}
    body["detail"] = error.message
    if error.field:
        body["field"] = error.field
    return body


def render_refusal(error: DomainError):
    """A DomainError no view turned into a form error: its status (never 500), and its
    message on the page or in the problem body."""
    db.session.rollback()
    if wants_json():
        return problem_response(problem(error))
    template = f"errors/{error.status}.html" if error.status in PAGES else "errors/generic.html"
    return render_template(template, status=error.status, detail=error.message), error.status


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, error)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        try:
            return render_error(error.code, error)
        except DBAPIError as failure:
            # The page's header loads the logged-in official: while the database is down, a
            # page that is not found (e.g. single sign-on when it is not set up) is a 503 too.
            if database_unavailable(failure):
                return render_unavailable(app, failure)
            raise

    @app.errorhandler(DBAPIError)
    def database_error(error):
        if database_unavailable(error):
            return render_unavailable(app, error)
        return unexpected_error(error)

    @app.errorhandler(DomainError)
    def refused(error):
        return render_refusal(error)

    @app.errorhandler(StaleDataError)
    def edited_meanwhile(error):
        # A write that met a newer version of its row and has no form of its own to show.
        app.logger.warning("Optimistic lock conflict on %s %s", request.method, request.path)
        return render_error(409, error)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("Unhandled error")
        return render_error(500, error)
