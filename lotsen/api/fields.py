"""Marshmallow fields and validators of the API, with the bounds and messages of the UI.

Every string is bounded and cleaned of control characters (as lotsen.request_input cleans every
form field: a NUL cannot be stored in PostgreSQL), every number and date has a range, and the
messages of the validators are Swedish (English by Accept-Language). The limits of fields that a
UI form also has are read off that form (`form_limit`), so the two cannot drift apart.
"""

from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from wtforms.validators import Length as FormLength

from lotsen.request_input import strip_controls
from lotsen.routing import MAX_ID

EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(2999, 12, 31)
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2999, 12, 31, tzinfo=UTC)
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
MAX_CURSOR_LENGTH = 2000  # as lotsen.pagination.MAX_CURSOR_LENGTH


def form_limit(unbound_field) -> int:
    """The max of the Length validator of a form's field (a class attribute, unbound)."""
    validators = unbound_field.kwargs.get("validators") or ()
    return next(v.max for v in validators if isinstance(v, FormLength) and v.max > 0)


def length(maximum: int, minimum: int = 0):
    if minimum:
        return validate.Length(
            min=minimum,
            max=maximum,
            error=_l("Skriv mellan {min} och {max} tecken."),
        )
    return validate.Length(max=maximum, error=_l("Högst {max} tecken."))


def one_of(choices):
    return validate.OneOf(list(choices), error=_l("Välj ett av: {choices}."))


class Text(fields.String):
    """A bounded string without control characters (tab and line breaks kept)."""

    def __init__(self, maximum: int, *, minimum: int = 0, **kwargs):
        validators = [length(maximum, minimum)]
        if "validate" in kwargs:
            validators.append(kwargs.pop("validate"))
        metadata = kwargs.pop("metadata", {})
        super().__init__(validate=validators, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return strip_controls(text)


class Id(fields.Integer):
    """An id: 1 … 2**31 - 1 (what an INTEGER column holds). `strict` for JSON bodies (a query
    parameter is text)."""

    def __init__(self, *, strict: bool = False, **kwargs):
        super().__init__(
            strict=strict,
            validate=validate.Range(min=1, max=MAX_ID, error=_l("Ett id från 1 till {max}.")),
            **kwargs,
        )


class Count(fields.Integer):
    def __init__(self, maximum: int, *, strict: bool = True, **kwargs):
        super().__init__(
            strict=strict,
            validate=validate.Range(
                min=0, max=maximum, error=_l("Ett heltal från {min} till {max}.")
            ),
            **kwargs,
        )


class Day(fields.Date):
    """A date from 1970 to 2999 (YYYY-MM-DD)."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=validate.Range(
                min=EARLIEST_DATE, max=LATEST_DATE, error=_l("Ett datum mellan 1970 och 2999.")
            ),
            **kwargs,
        )


class Moment(fields.AwareDateTime):
    """A time with its offset (RFC 3339), from 1970 to 2999."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=validate.Range(
                min=EARLIEST_TIME,
                max=LATEST_TIME,
                error=_l("En tidpunkt mellan 1970 och 2999, med tidszon."),
            ),
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) > 40:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        return super()._deserialize(value, attr, data, **kwargs)


class Cursor(fields.String):
    """A keyset cursor from a previous page (opaque; a tampered one starts from the top)."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=length(MAX_CURSOR_LENGTH),
            metadata={"description": "next_cursor of the previous page"},
            **kwargs,
        )


class PageSize(fields.Integer):
    def __init__(self, **kwargs):
        super().__init__(
            load_default=DEFAULT_PAGE_SIZE,
            validate=validate.Range(
                min=1, max=MAX_PAGE_SIZE, error=_l("Ett heltal från {min} till {max}.")
            ),
            metadata={"description": f"Rows per page, at most {MAX_PAGE_SIZE}"},
            **kwargs,
        )


class Flag(fields.Boolean):
    """true or false: a JSON boolean in a body (not 0, 1 or "yes"); the text true/false in a
    query string."""

    def __init__(self, *, in_query: bool = False, **kwargs):
        self.in_query = in_query
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if self.in_query and value in ("true", "false"):
            return value == "true"
        if isinstance(value, bool) and not self.in_query:
            return value
        raise self.make_error("invalid", input=value)
