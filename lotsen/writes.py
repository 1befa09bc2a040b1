"""The one write path of a request: run the service call, commit once, or roll back and say why.

A form view:

    if form.validate_on_submit():
        with form_write(form, "subject") as saved:
            case = services.update_case(...)
        if saved:
            flash(_("Ärendet är sparat."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/edit.html", form=form)

On success the block's writes are committed once. On a `DomainError` everything the block wrote
is rolled back, the message is put next to the form field it names (or the view's default field;
failing both, at the top of the page as a flash message) and the view renders the form again
with everything that was typed. A button without a form (`button_write`) flashes the message.
Any other exception leaves the block untouched; the error handlers roll back and show a page.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import flash, g
from sqlalchemy.orm.exc import StaleDataError

from lotsen.domain_errors import DomainError, StaleState
from lotsen.extensions import db

# Set on `g` when the app context's transactions write (database.py: BEGIN IMMEDIATE on SQLite).
WRITE_INTENT = "sqlite_write_intent"


def will_write() -> None:
    """Declare that this app context's transactions write. On SQLite they then begin with BEGIN
    IMMEDIATE, so one that reads before it writes cannot fail half-way because another process
    (a web request, a second worker) wrote in between. Requests that change data get this
    automatically; a worker outside a request calls it."""
    setattr(g, WRITE_INTENT, True)


class Outcome:
    """Whether the write went through: true when committed; `error` says why not."""

    def __init__(self) -> None:
        self.error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None


def show_on_form(form, error: DomainError, field: str | None = None) -> None:
    """Put `error` next to its own field, else next to `field`, else at the top (flashed)."""
    for name in (error.field, field):
        if name and name in form:
            form[name].errors = [*form[name].errors, error.message]
            return
    flash(error.message, "error")


@contextmanager
def committing(stale: str | StaleState | None = None) -> Iterator[Outcome]:
    """Commit what the block wrote, or roll it back on a DomainError (kept in the outcome).

    `stale`, when given, is the message (or the error, with its field) for a row someone else
    saved meanwhile (an optimistic lock conflict at flush): that is then a refusal like any
    other instead of the 409 page."""
    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        outcome.error = error
    except StaleDataError:
        if stale is None:
            raise
        db.session.rollback()
        outcome.error = stale if isinstance(stale, StaleState) else StaleState(stale)


@contextmanager
def form_write(
    form, field: str | None = None, *, stale: str | StaleState | None = None
) -> Iterator[Outcome]:
    """A form's write: commit, or roll back and put the refusal on the form (see above)."""
    with committing(stale) as outcome:
        yield outcome
    if outcome.error is not None:
        show_on_form(form, outcome.error, field)


@contextmanager
def button_write(*, stale: str | StaleState | None = None) -> Iterator[Outcome]:
    """A write without a form to show again (a button, a link): commit, or roll back and
    flash the refusal; the view then redirects as it would have."""
    with committing(stale) as outcome:
        yield outcome
    if outcome.error is not None:
        flash(outcome.error.message, "error")
