"""The one write path (lotsen.writes): commit once, or roll back and show the refusal.

The helpers run in a real request context against the real database of each backend; a row
written inside the block is looked for afterwards in a fresh transaction.
"""

import re
from pathlib import Path

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import StringField, TextAreaField

from lotsen.cases.models import Category
from lotsen.domain_errors import Conflict, DomainError, NotAllowed, NotFound, StaleState
from lotsen.errors import problem
from lotsen.extensions import db
from lotsen.writes import button_write, committing, form_write

PACKAGE = Path(__file__).resolve().parents[2] / "lotsen"


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()
    help_text = TextAreaField()


TYPED = {"name": "Serveringstillstånd", "help_text": "Allt om uteserveringar, med ÅÄÖ."}


def stored(name: str) -> Category | None:
    db.session.rollback()  # a fresh transaction: only what was committed is seen
    return db.session.scalar(select(Category).where(Category.name == name))


def add_category(name: str) -> None:
    db.session.add(Category(name=name, help_text="", sort_order=1, active=True))
    db.session.flush()


def test_a_write_that_goes_through_is_committed_once(app):
    with app.test_request_context(method="POST", data=TYPED):
        form = NameForm()
        with form_write(form) as saved:
            add_category(form.name.data)
        assert saved
        assert saved.error is None
        assert stored("Serveringstillstånd") is not None
        assert form.errors == {}
        assert get_flashed_messages() == []


def test_a_refusal_rolls_back_and_goes_next_to_its_field_with_what_was_typed_kept(app):
    with app.test_request_context(method="POST", data=TYPED):
        form = NameForm()
        with form_write(form, "help_text") as saved:
            add_category(form.name.data)  # written and flushed before the rule says no
            raise DomainError("Det finns redan en kategori med det namnet.", field="name")
        assert not saved
        assert saved.error.message == "Det finns redan en kategori med det namnet."
        assert form.name.errors == ["Det finns redan en kategori med det namnet."]
        assert not form.help_text.errors
        assert (form.name.data, form.help_text.data) == (TYPED["name"], TYPED["help_text"])
        assert stored("Serveringstillstånd") is None
        assert get_flashed_messages() == []


def test_a_refusal_without_a_field_goes_next_to_the_views_default_field(app):
    with app.test_request_context(method="POST", data=TYPED):
        form = NameForm()
        with form_write(form, "help_text") as saved:
            add_category(form.name.data)
            raise DomainError("Texten räcker inte.", field="no_such_field")
        assert not saved
        assert form.help_text.errors == ["Texten räcker inte."]
        assert stored("Serveringstillstånd") is None


def test_a_refusal_that_belongs_to_no_field_is_shown_at_the_top(app):
    with app.test_request_context(method="POST", data=TYPED):
        form = NameForm()
        with form_write(form) as saved:
            add_category(form.name.data)
            raise NotAllowed("Bara en administratör får ändra kategorier.")
        assert not saved
        assert form.errors == {}
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Bara en administratör får ändra kategorier.")
        ]
        assert form.name.data == TYPED["name"]
        assert stored("Serveringstillstånd") is None


def test_a_row_saved_meanwhile_is_a_conflict_on_the_form_when_the_view_says_how(app):
    stale = StaleState("Någon annan ändrade samtidigt. Skicka igen.", field="help_text")
    with app.test_request_context(method="POST", data=TYPED):
        form = NameForm()
        with form_write(form, "name", stale=stale) as saved:
            add_category(form.name.data)
            raise StaleDataError("UPDATE statement on table 'cases' expected to update 1 row")
        assert saved.error is stale
        assert form.help_text.errors == ["Någon annan ändrade samtidigt. Skicka igen."]
        assert stored("Serveringstillstånd") is None

        with form_write(NameForm(), stale="Ändrat samtidigt.") as saved:
            raise StaleDataError("stale")
        assert isinstance(saved.error, StaleState) and saved.error.status == 409


def test_without_a_stale_message_a_conflict_and_other_errors_pass_through_unwritten(app):
    with app.test_request_context(method="POST", data=TYPED):
        with pytest.raises(StaleDataError), form_write(NameForm()):
            add_category("Först")
            raise StaleDataError("stale")
        db.session.rollback()  # as the error handler does
        with pytest.raises(ZeroDivisionError), form_write(NameForm()):
            add_category("Sedan")
            _ = 1 / 0
        db.session.rollback()
        assert stored("Först") is None and stored("Sedan") is None


def test_a_button_flashes_the_refusal_and_a_plain_block_only_reports_it(app):
    with app.test_request_context(method="POST"):
        with button_write() as saved:
            add_category("Knapp")
            raise Conflict("Uppföljningen är redan klar.")
        assert not saved
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Uppföljningen är redan klar.")
        ]
        assert stored("Knapp") is None

    with app.test_request_context(method="POST"):
        with committing() as saved:
            raise NotFound("Länken finns inte.")
        assert saved.error.message == "Länken finns inte."
        assert get_flashed_messages() == []

        with button_write() as saved:
            add_category("Knapp")
        assert saved and stored("Knapp") is not None


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (DomainError("Skriv ett namn.", field="name"), 400),
        (NotAllowed("Bara lotsen får göra det."), 403),
        (NotFound("Det finns inget sådant ärende."), 404),
        (Conflict("Någon annan ändrade samtidigt."), 409),
        (StaleState("Ärendet ändrades samtidigt."), 409),
    ],
)
def test_a_refusal_that_escapes_a_view_is_a_page_or_a_problem_never_a_500(app, error, status):
    with app.test_request_context("/arenden/1", headers={"Accept": "text/html"}):
        add_category("Halvskriven")
        response = app.make_response(app.handle_user_exception(error))
        assert response.status_code == status
        assert error.message in response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert stored("Halvskriven") is None  # rolled back

    with app.test_request_context("/api/arenden/1", headers={"Accept": "application/json"}):
        response = app.make_response(app.handle_user_exception(error))
        assert response.status_code == status
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body == problem(error)
        assert body["status"] == status and body["detail"] == error.message
        assert body["type"] == "about:blank" and body["title"]
        assert body.get("field") == error.field


def test_every_service_error_class_belongs_to_the_one_family():
    from lotsen.accounts.services import AccountError
    from lotsen.cases.attachments import AttachmentError
    from lotsen.cases.services import CaseError, EditConflict
    from lotsen.cases.workflow import TransitionError
    from lotsen.companies.services import CompanyError, DuplicateCompanyError
    from lotsen.strategy.services import StrategyError
    from lotsen.survey.services import SurveyError
    from lotsen.team.rules import TeamError
    from lotsen.timekeeping.services import CalendarError
    from lotsen.triage.errors import TriageError
    from lotsen.visits.services import VisitError

    family = [AccountError, AttachmentError, CaseError, TransitionError, CompanyError]
    family += [StrategyError, SurveyError, TeamError, CalendarError, TriageError, VisitError]
    assert all(issubclass(kind, DomainError) for kind in family)
    assert issubclass(EditConflict, Conflict) and issubclass(EditConflict, CaseError)
    duplicate = DuplicateCompanyError("Finns redan.", existing_id=7)
    assert (duplicate.field, duplicate.existing_id, duplicate.status) == ("org_number", 7, 400)
    assert CalendarError("Fel dag.").field == "day"  # a family member keeps its own default


def test_no_view_commits_by_hand():
    """Views go through lotsen.writes; a commit written in a view is a second write path."""
    views = sorted(PACKAGE.glob("**/views.py"))
    assert len(views) >= 13
    by_hand = re.compile(r"\.session\.(commit|rollback)\(")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in views
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert offenders == []
