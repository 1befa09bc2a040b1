"""What a request carries is cleaned of control characters before anything reads it.

A NUL byte cannot be stored in a PostgreSQL text column (the driver refuses it) and the other C0
controls (except tab, line feed and carriage return, which multi-line fields need) have no place
in text a person typed. They are stripped from every query argument, every form field and every
uploaded file's name, for every view at once; a URL path segment holding one names nothing (404).
"""

import re

from flask import Request, abort
from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from werkzeug.exceptions import BadRequest

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """`text` without C0 control characters (tab, LF and CR are kept) and DEL."""
    return CONTROL_CHARACTERS.sub("", text)


def has_controls(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def _cleaned(value):
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, FileStorage) and value.filename:
        value.filename = strip_controls(value.filename)
    return value


class CleanMultiDict(ImmutableMultiDict):
    """The immutable MultiDict of query arguments and form fields, control characters removed."""

    def __init__(self, mapping=None):
        super().__init__(mapping)
        for key, values in list(dict.items(self)):
            clean_key = strip_controls(key)
            clean_values = [_cleaned(value) for value in values]
            if clean_key != key:
                dict.__delitem__(self, key)
                clean_values = dict.get(self, clean_key, []) + clean_values
            dict.__setitem__(self, clean_key, clean_values)


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict


def refuse_controls_in_path(_endpoint, values) -> None:
    """A URL argument (a token, a name) with a control character matches nothing: 404."""
    for value in (values or {}).values():
        if isinstance(value, str) and has_controls(value):
            abort(404)


class GuardedInput:
    """The request body stream; a body the server cannot decode (a malformed chunked body: the
    WSGI server raises its own parse error, OSError or ValueError while the form is read) is a
    400, not a 500."""

    def __init__(self, stream):
        self._stream = stream

    def _guarded(self, method, *args):
        try:
            return method(*args)
        except BadRequest:
            raise
        except Exception as error:  # the server's own parse errors (gunicorn: ParseException)
            raise BadRequest("The request body could not be read.") from error

    def read(self, *args):
        return self._guarded(self._stream.read, *args)

    def readline(self, *args):
        return self._guarded(self._stream.readline, *args)

    def readlines(self, *args):
        return self._guarded(self._stream.readlines, *args)

    def __iter__(self):
        return iter(self.readline, b"")

    def close(self):
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class GuardBody:
    """WSGI middleware installing GuardedInput for every request."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if "wsgi.input" in environ:
            environ["wsgi.input"] = GuardedInput(environ["wsgi.input"])
        return self.wsgi_app(environ, start_response)


def install_request_cleaning(app) -> None:
    app.request_class = CleanRequest
    app.url_value_preprocessor(refuse_controls_in_path)
    app.wsgi_app = GuardBody(app.wsgi_app)
