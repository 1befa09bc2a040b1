"""Assembling the API on an app: flask-smorest's Api, the OpenAPI document, no sessions.

flask-smorest is a Flask extension: `Api(app)` collects the blueprint's marshmallow schemas into
an apispec document (OpenAPI 3.1). Its own error handlers and documentation pages are left out:
Lotsen's handlers answer every error as problem+json (lotsen.errors, lotsen.api.blueprint), the
document is served at /api/v1/openapi.json and read by our own reference page (no CDN).
"""

import threading
from http import HTTPStatus

from flask import Blueprint, current_app, jsonify, render_template
from flask.sessions import SessionInterface
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from lotsen.accounts.access import is_api_request, public

# The resources: importing them adds their routes to the blueprint.
from lotsen.api import cases, companies, figures, visits  # noqa: F401
from lotsen.api.blueprint import SECURITY_SCHEME, bp
from lotsen.api.schemas import ProblemSchema
from lotsen.api.tokens import SCOPES
from lotsen.extensions import csrf
from lotsen.routing import MAX_ID, IntegerConverter

PROBLEM_JSON = "application/problem+json"
API_VERSION = "1.0.0"
DESCRIPTION = """The REST API of Lotsen, the case manager of the municipality's business \
liaison team. Authenticate with a token an administrator issued to your integration: \
`Authorization: Bearer lotsen_…`. Each operation names the scope it needs. Errors are RFC 9457 \
problem details (application/problem+json), in Swedish or, with `Accept-Language: en`, English. \
Lists are keyset-paginated: pass `next_cursor` back as `cursor` for the next page."""


class LotsenApi(Api):
    """flask-smorest's Api with Lotsen's errors: every error response is problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, *args, **kwargs):
        self._undocumented = []
        self._documenting = threading.Lock()
        super().__init__(*args, **kwargs)

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register the blueprint's routes now and describe them in the document when it is
        first asked for (`documented_spec`): describing them takes longer than the rest of
        create_app, and most app instances (each test's, each worker's) never serve it."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def documented_spec(self):
        with self._documenting:
            while self._undocumented:
                blp, name, parameters = self._undocumented.pop(0)
                blp.register_views_in_doc(self, self._app, self.spec, name=name,
                                          parameters=parameters)  # fmt: skip
                self.spec.tag({"name": name, "description": blp.description})
        return self.spec

    def _register_error_handlers(self):
        """Lotsen's own handlers answer (lotsen.errors; the blueprint's for validation)."""

    def _register_responses(self):
        for status in HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class SessionlessApi(SessionInterface):
    """The app's session interface, except that a request to the API never gets a cookie."""

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def make_null_session(self, app):
        return self.inner.make_null_session(app)

    def is_null_session(self, obj) -> bool:
        return self.inner.is_null_session(obj)

    def open_session(self, app, request):
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response):
        if is_api_request():
            return None
        return self.inner.save_session(app, session, response)


def integer_parameter(_converter) -> dict:
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}


def install(app) -> None:
    """Register the API and its reference on `app` (create_app calls this)."""
    api = LotsenApi(
        spec_kwargs={
            "title": "Lotsen API",
            "version": API_VERSION,
            "openapi_version": "3.1.0",
            "info": {"description": DESCRIPTION},
        }
    )
    api.register_converter(IntegerConverter, integer_parameter)
    api.init_app(app)
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {"type": "http", "scheme": "bearer", "description": "Scopes: " + ", ".join(SCOPES)},
    )
    api.register_blueprint(bp)
    csrf.exempt(bp)  # a bearer token is no ambient credential: nothing to forge
    app.register_blueprint(reference)
    app.session_interface = SessionlessApi(app.session_interface)
    app.extensions["lotsen_api"] = api


def openapi_document() -> dict:
    api = current_app.extensions["lotsen_api"]
    cached = current_app.extensions.get("lotsen_api_document")
    if cached is None:
        cached = api.documented_spec().to_dict()
        current_app.extensions["lotsen_api_document"] = cached
    return cached


reference = Blueprint("api_reference", __name__)


@reference.route("/api/v1/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3.1 document (public: it describes the API, it holds no data)."""
    return jsonify(openapi_document())


@reference.route("/integrationer/api")
@public
def reference_page():
    """The API's reference, rendered from the same document."""
    return render_template("api/reference.html", **reference_context(openapi_document()))


METHODS = ("get", "post", "put", "patch", "delete")


def schema_name(schema: dict | None) -> str | None:
    if not schema:
        return None
    reference_ = schema.get("$ref") or (schema.get("items") or {}).get("$ref")
    return reference_.rsplit("/", 1)[-1] if reference_ else schema.get("type")


def type_of(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if "items" in schema:
        return f"{kind} of {type_of(schema['items'])}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind


def constraints(schema: dict) -> str:
    parts = []
    for key in ("minLength", "maxLength", "minimum", "maximum", "maxItems"):
        if key in schema:
            parts.append(f"{key} {schema[key]}")
    if "enum" in schema:
        parts.append("one of " + ", ".join(str(value) for value in schema["enum"]))
    return "; ".join(parts)


def operations(document: dict) -> list[dict]:
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            security = operation.get("security") or [{}]
            scopes = [
                scope
                for requirement in security
                for names in requirement.values()
                for scope in names
            ]
            body = (operation.get("requestBody") or {}).get("content", {})
            body_schema = next(iter(body.values()), {}).get("schema") if body else None
            responses = []
            for status, response in operation.get("responses", {}).items():
                if "$ref" in response:
                    name = response["$ref"].rsplit("/", 1)[-1]
                    response = document["components"]["responses"].get(name, {})
                content = response.get("content", {})
                media, body_of = next(iter(content.items()), (None, {}))
                responses.append(
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "media": media,
                        "schema": schema_name(body_of.get("schema")),
                    }
                )
            found.append(
                {
                    "id": operation.get("operationId") or f"{method}-{path}",
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "scopes": scopes,
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter["in"],
                            "required": parameter.get("required", False),
                            "type": type_of(parameter.get("schema", {})),
                            "constraints": constraints(parameter.get("schema", {})),
                            "description": parameter.get("description")
                            or parameter.get("schema", {}).get("description", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "body": schema_name(body_schema),
                    "responses": responses,
                }
            )
    return found


def schemas(document: dict) -> list[dict]:
    found = []
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        found.append(
            {
                "name": name,
                "description": schema.get("description", ""),
                "properties": [
                    {
                        "name": prop_name,
                        "type": type_of(prop),
                        "required": prop_name in required,
                        "constraints": constraints(prop),
                        "description": prop.get("description", ""),
                    }
                    for prop_name, prop in schema.get("properties", {}).items()
                ],
            }
        )
    return found


def reference_context(document: dict) -> dict:
    return {
        "document": document,
        "operations": operations(document),
        "schemas": schemas(document),
        "scopes": SCOPES,
    }
