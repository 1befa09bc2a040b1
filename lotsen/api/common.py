"""Helpers the API's resources share: access checks, masking, paging, refusals."""

from contextlib import contextmanager

from flask import abort
from flask_babel import gettext as _
from flask_smorest import abort as smorest_abort

from lotsen.api import tokens
from lotsen.api.blueprint import actor, current_token
from lotsen.companies.orgnr import InvalidOrgNumber, OrgNumber, normalise_org_number
from lotsen.domain_errors import DomainError, NotAllowed
from lotsen.errors import problem_response, status_problem
from lotsen.writes import committing


def require_roles(roles) -> None:
    """The token's account must hold one of `roles` (the UI's own tuple for the same pages)."""
    if not actor().has_role(*roles):
        raise NotAllowed(_("Kontot som API-nyckeln agerar som har inte behörighet till det här."))


def found(row):
    """`row`, or 404 when it does not exist."""
    if row is None:
        abort(404)
    return row


def named(row) -> dict | None:
    return {"id": row.id, "name": row.name} if row is not None else None


def sees_personal_numbers() -> bool:
    return tokens.may_see_full_personal_numbers(current_token())


def shown_org_number(number: OrgNumber) -> str:
    """An org number as the token may see it: a personnummer masked unless its scope and its
    account's rule (companies.services.may_see_personal_numbers) both allow it."""
    return number.formatted if sees_personal_numbers() else number.masked


def shown_raw_org_number(value: str | None) -> str | None:
    """A stored org number (a case's, as typed) as the token may see it."""
    if not value:
        return None
    try:
        number = normalise_org_number(value)
    except InvalidOrgNumber:
        return value if sees_personal_numbers() else None
    return shown_org_number(number)


def page_body(page, present) -> dict:
    return {"items": [present(item) for item in page.items], "next_cursor": page.next_cursor}


def form_errors(errors: dict, renames: dict | None = None):
    """A WTForms form's errors as a 422 problem (the names of the API's fields)."""
    renames = renames or {}
    messages = {
        renames.get(name, name): [str(message) for message in values]
        for name, values in errors.items()
        if values
    }
    smorest_abort(422, messages={"json": messages})


@contextmanager
def write(stale: str | None = None):
    """The one write path of an API view: commit once, or roll back and raise the refusal
    (the app's handler answers it as problem+json with its status)."""
    with committing(stale) as outcome:
        yield outcome
    if outcome.error is not None:
        raise outcome.error


def too_many_requests():
    body = status_problem(429)
    return problem_response(body, {"Retry-After": "60"})


def refusal_problem(error: DomainError, status: int, **extra):
    """A refusal answered with another status than its class names (e.g. 409, 429)."""
    body = status_problem(status, error.message)
    if error.field:
        body["field"] = error.field
    body.update(extra)
    return problem_response(body, {"Retry-After": "60"} if status == 429 else None)
