"""The one family of errors that services raise when a rule says no.

A service refuses with a `DomainError` (or a subclass): the message is for the person at the
screen, in Swedish (translated through Flask-Babel), and `field` names the form field it belongs
next to, when there is one. Views do not catch these one by one: `lotsen.writes` puts them on the
form (or in a flash message) and rolls back; one that escapes a view becomes an error page or a
problem+json body (`lotsen.errors`), with the HTTP status the subclass names and never a 500.
"""


class DomainError(Exception):
    """A rule was broken; nothing is written. Subclasses say which kind of refusal it is."""

    status = 400
    title = "Bad Request"  # the HTTP reason phrase, as RFC 9457 asks with type about:blank

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message


class NotAllowed(DomainError):
    """The rule says this person may not do this."""

    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    """What the request refers to does not exist (or is no longer there)."""

    status = 404
    title = "Not Found"


class Conflict(DomainError):
    """The state changed under the request (edited meanwhile, already done, stale version)."""

    status = 409
    title = "Conflict"


class StaleState(Conflict):
    """Someone else saved the same row between this request's read and its write."""
