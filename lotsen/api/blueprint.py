"""The API's blueprint: bearer-token authentication, scopes, and problem+json errors.

Every view is declared with `@requires(scope)`. Before a view runs, its request is
authenticated with the `Authorization: Bearer …` header alone: no session cookie is read (so a
logged-in browser cannot be made to call the API: CSRF does not apply) and none is set. A
missing, unknown, expired or revoked token answers 401, a token without the view's scope 403,
both as RFC 9457 application/problem+json with a WWW-Authenticate header (RFC 6750). Validation
errors answer 422 with the field errors; refusals of the services (DomainError) answer their own
status through lotsen.errors. Messages are Swedish, or English by Accept-Language.
"""

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from lotsen.accounts.access import bearer_token_only
from lotsen.api import tokens
from lotsen.api.models import ApiToken
from lotsen.db_types import utcnow
from lotsen.errors import problem_response, status_problem
from lotsen.extensions import db, login_manager

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Lotsen REST API",
)
SECURITY_SCHEME = "bearerAuth"
# Every POST and PATCH of the API takes a JSON body, of at most this size (413 beyond).
BODY_METHODS = {"POST", "PUT", "PATCH"}
MAX_BODY_BYTES = 1024 * 1024
REALM = 'realm="Lotsen API"'

# marshmallow's and webargs' own messages, in the client's language.
LIBRARY_MESSAGES = {
    "Missing data for required field.": _l("Fältet måste fyllas i."),
    "Field may not be null.": _l("Fältet får inte vara null."),
    "Invalid value.": _l("Ogiltigt värde."),
    "Unknown field.": _l("Okänt fält."),
    "Invalid input type.": _l("Ogiltig typ av data."),
    "Invalid type.": _l("Ogiltig typ av data."),
    "Not a valid string.": _l("Inte en giltig text."),
    "Not a valid utf-8 string.": _l("Inte en giltig text."),
    "Not a valid integer.": _l("Inte ett giltigt heltal."),
    "Not a valid number.": _l("Inte ett giltigt tal."),
    "Number too large.": _l("Talet är för stort."),
    "Not a valid boolean.": _l("Inte ett giltigt sant/falskt-värde."),
    "Not a valid date.": _l("Inte ett giltigt datum (ÅÅÅÅ-MM-DD)."),
    "Not a valid datetime.": _l("Inte en giltig tidpunkt (RFC 3339 med tidszon)."),
    "Not a valid aware datetime.": _l("Inte en giltig tidpunkt (RFC 3339 med tidszon)."),
    "Not a valid list.": _l("Inte en giltig lista."),
    "Not a valid mapping type.": _l("Inte ett giltigt objekt."),
    "Not a valid email address.": _l("Inte en giltig e-postadress."),
    "Invalid JSON body.": _l("Kroppen är inte giltig JSON."),
}


def requires(scope: str):
    """Declare the scope a view needs (checked before it runs, see authenticate_request) and
    document it in the OpenAPI operation: its security requirement and its 401 and 403."""
    if scope not in tokens.SCOPES:
        raise ValueError(f"unknown scope {scope}")

    def decorator(view):
        view.api_scope = scope
        bearer_token_only(view)
        view = bp.alt_response(401, response="UNAUTHORIZED")(view)
        view = bp.alt_response(403, response="FORBIDDEN")(view)
        return bp.doc(security=[{SECURITY_SCHEME: [scope]}])(view)

    return decorator


def scope_of(view) -> str | None:
    """The scope the view of this request declared (a MethodView's: its method's)."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    return getattr(view, "api_scope", None)


def current_token() -> ApiToken:
    return g.api_token


def actor():
    """The account the request's token acts as (the UI's access rules judge it)."""
    return g.api_token.account


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _space, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip() or None


def unauthorized(scope: str):
    body = status_problem(401, _("Ange en giltig API-nyckel: Authorization: Bearer <nyckel>."))
    challenge = f"Bearer {REALM}"
    if request.headers.get("Authorization"):
        challenge += ', error="invalid_token"'
    return problem_response(body, {"WWW-Authenticate": challenge})


def forbidden(scope: str):
    body = status_problem(403, _("API-nyckeln saknar behörigheten %(scope)s.", scope=scope))
    challenge = f'Bearer {REALM}, error="insufficient_scope", scope="{scope}"'
    return problem_response(body, {"WWW-Authenticate": challenge})


@bp.before_request
def authenticate_request():
    """The token of the request (g.api_token), or a 401/403 problem before any view runs."""
    g._login_user = login_manager.anonymous_user()  # never read the session cookie
    scope = scope_of(current_app.view_functions.get(request.endpoint))
    if scope is None:  # every view of the API declares its scope (tests/api check it)
        return forbidden("?")
    now = utcnow()
    token = tokens.valid_token(bearer_secret(), now)
    if token is not None and tokens.note_use(token, now):
        db.session.commit()  # its last-used time (written at most once a minute)
    if token is None:
        return unauthorized(scope)
    if scope not in token.scopes:
        return forbidden(scope)
    g.api_token = token
    return refused_body()


def refused_body():
    """A problem for a write without a JSON body (before webargs reads it as empty)."""
    if request.method not in BODY_METHODS:
        return None
    request.max_content_length = MAX_BODY_BYTES
    if not request.is_json:
        return problem_response(status_problem(415, _("Skicka uppgifterna som JSON.")))
    if not request.get_data(cache=True):
        return problem_response(status_problem(400, _("Begäran saknar uppgifter (JSON).")))
    return None


def translated(messages):
    """Validation messages (nested dicts and lists of strings) in the client's language."""
    if isinstance(messages, dict):
        return {str(key): translated(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [translated(value) for value in messages]
    text = str(messages)
    known = LIBRARY_MESSAGES.get(text)
    return str(known) if known is not None else text


def field_errors(error: HTTPException) -> dict | None:
    """webargs' messages, {location: {field: [message]}}, as {field: [message]} (the body's
    fields at the top; a query parameter as query.<name>)."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if not isinstance(messages, dict):
        return None
    flat = {}
    for location, fields in messages.items():
        if not isinstance(fields, dict):
            flat[location] = translated(fields)
            continue
        for name, value in fields.items():
            key = name if location == "json" else f"{location}.{name}"
            flat[key] = translated(value)
    return flat


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """An HTTP error of an API view (abort(404), webargs' 422): problem+json, with the field
    errors of a validation error."""
    db.session.rollback()
    body = status_problem(error.code or 500)
    errors = field_errors(error)
    if errors:
        body["errors"] = errors
        if error.code == 400:  # webargs: a body that is not JSON
            body["detail"] = str(_l("Kroppen är inte giltig JSON."))
    headers = dict(error.get_headers())
    headers.pop("Content-Type", None)
    return problem_response(body, headers)
