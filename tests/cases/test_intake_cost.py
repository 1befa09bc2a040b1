"""A public submission does the least work that keeps every guarantee.

What is counted: every statement the engine sends through a cursor (on SQLite that includes the
BEGIN IMMEDIATE we emit ourselves), plus one for each transaction the driver begins implicitly
(psycopg sends BEGIN before the first statement) and one for each COMMIT or ROLLBACK. That is
every round trip to the database a POST of the public form costs.
"""

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, select, text

from lotsen import create_app
from lotsen.accounts.models import Role
from lotsen.cases.models import Attachment, Case, CaseEvent, Message
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from lotsen.timekeeping import services as timekeeping
from lotsen.timekeeping.models import CaseFigures
from lotsen.timekeeping.queries import current_calendar
from tests.cases.helpers import PDF, latest_case, question, submit_question
from tests.conftest import base_test_config
from tests.factories import CategoryFactory, UserFactory
from tests.triage.helpers import official, routed

# Committed for real: the statements of a real submission: its COMMIT, not a test savepoint.
pytestmark = pytest.mark.commits

# Issue 19 asks for at most 12. PostgreSQL meets it with the search index's document included.
# SQLite needs one more: SQLAlchemy inserts the new case's two events one row at a time there (it
# reads each id back), so with the search document the POST costs 13. Recorded as an open gap of
# issue 19, not hidden: the budget is per backend and this test fails if either grows.
MAX_STATEMENTS = {"postgresql": 12, "sqlite": 13}
INDEX = "/admin/kalender/"
NEW_CLOSED = "/admin/kalender/stangd-dag/ny"
OFFICE_HOURS = "/admin/kalender/kontorstider"


@contextmanager
def round_trips():
    """Every statement and transaction boundary the engine sends, in order."""
    sent = []

    def statement(conn, cursor, text_, parameters, context, executemany):
        sent.append(" ".join(text_.split())[:80])

    def begin(conn):
        if conn.dialect.name == "postgresql":  # SQLite's BEGIN is a statement, counted above
            sent.append("BEGIN")

    def commit(conn):
        sent.append("COMMIT")

    def rollback(conn):
        sent.append("ROLLBACK")

    listeners = [
        ("before_cursor_execute", statement),
        ("begin", begin),
        ("commit", commit),
        ("rollback", rollback),
    ]
    for name, listener in listeners:
        event.listen(db.engine, name, listener)
    try:
        yield sent
    finally:
        for name, listener in listeners:
            event.remove(db.engine, name, listener)


def post_question(client, category, **overrides):
    data = question(category, **overrides)
    data["csrf_token"] = client.csrf_token("/fraga")
    with round_trips() as sent:
        response = client.post("/fraga", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return sent


def test_a_routed_submission_costs_at_most_twelve_round_trips(app, client, backend):
    category, department = routed()
    client.get("/fraga")  # warm-up: the calendar is built once per process

    sent = post_question(client, category)

    assert len(sent) <= MAX_STATEMENTS[backend], "\n".join(sent)
    assert sum(s.startswith("INSERT INTO case_search_documents") for s in sent) == 1
    assert sent[-1] == "COMMIT", "nothing is read back after the commit"
    assert not [s for s in sent if s.startswith("UPDATE cases")], "routed before the insert"
    assert not [s for s in sent if "closed_days" in s or "shortened_days" in s]
    case = latest_case()
    assert case.department_id == department.id
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
    assert sorted(kinds) == ["created", "routed"]
    figures = db.session.get(CaseFigures, case.id)
    assert figures.clock == "running" and figures.resolution_due_at is not None
    assert db.session.scalar(select(OutboxMessage.case_id)) == case.id


def test_the_cost_does_not_depend_on_the_number_of_cases_or_calendar_exceptions(app, client):
    category, _department = routed()
    admin = UserFactory(roles=[Role.ADMIN])
    for day in (date(2026, 9, 8), date(2026, 10, 6), date(2027, 1, 5)):
        timekeeping.add_closed_day(admin, day, "Personaldag")
    db.session.commit()
    client.get("/fraga")

    first = post_question(client, category)
    for number in range(3):
        post_question(client, category, subject=f"Fråga {number}")
    later = post_question(client, category, subject="Den sista frågan")

    assert len(later) == len(first)


def test_a_submission_with_a_default_lead_is_assigned_at_once(app, client, backend):
    lead = official()
    category, _department = routed(lead=lead)
    client.get("/fraga")

    sent = post_question(client, category)

    case = latest_case()
    assert case.lead_id == lead.id and case.status == "assigned"
    figures = db.session.get(CaseFigures, case.id)
    assert figures.clock == "running"
    # On top of a routed submission: the lead is loaded with its departments and roles, its
    # absences checked, the assignment writes two events, an UPDATE of the new row and a
    # notification, and the lead gets a mail (its thread looked up): at most 10 more.
    assert len(sent) <= MAX_STATEMENTS[backend] + 10, "\n".join(sent)


def test_an_unknown_or_inactive_category_is_a_form_error_with_the_list_shown(client):
    CategoryFactory(name="Livsmedel")
    retired = CategoryFactory(name="Gammal kategori", active=False)
    for value in (str(retired.id), "999999"):
        data = question(retired) | {"category": value}
        data["csrf_token"] = client.csrf_token("/fraga")
        page = client.post("/fraga", data=data).get_data(as_text=True)
        assert "Välj en kategori i listan." in page
        assert "Livsmedel" in page and 'value="Café Solrosen AB"' in page
    assert db.session.scalar(select(Case.id)) is None


def test_a_submission_with_files_still_links_them_to_the_message(app, client):
    category, _department = routed()
    assert submit_question(client, category, files=[("ritning.pdf", PDF)]).status_code == 302
    case = latest_case()
    attachment = db.session.scalar(select(Attachment))
    message = db.session.scalar(select(Message).where(Message.case_id == case.id))
    assert attachment.case_id == case.id and attachment.message_id == message.id


# --- The calendar is cached per process and rebuilt when it changes -------------------------


def calendar_of(app_):
    with app_.test_request_context():
        return current_calendar()


def test_the_calendar_is_built_once_per_process(app):
    first = calendar_of(app)
    with app.test_request_context(), round_trips() as sent:
        again = current_calendar()
    assert again is first
    assert not [s for s in sent if "closed_days" in s or "shortened_days" in s]


def test_a_closed_day_added_by_an_admin_is_seen_at_once(app, client, login):
    before = calendar_of(app)
    assert before.is_working_day(date(2026, 9, 8))
    login(Role.ADMIN)
    assert (
        client.submit(NEW_CLOSED, {"day": "2026-09-08", "reason": "Personaldag"}).status_code == 302
    )

    after = calendar_of(app)
    assert after is not before
    assert not after.is_working_day(date(2026, 9, 8))
    page = client.get(INDEX + "?ar=2026").get_data(as_text=True)
    assert "Personaldag" in page


def test_office_hours_changed_by_an_admin_are_seen_at_once(app, client, login):
    assert calendar_of(app).normal_day_minutes == 540
    login(Role.ADMIN)
    hours = {day: "08:00–16:00" for day in ("monday", "tuesday", "wednesday", "thursday")}
    hours |= {"friday": "08:00–16:00", "saturday": "", "sunday": ""}
    assert client.submit(OFFICE_HOURS, hours).status_code == 302
    assert calendar_of(app).normal_day_minutes == 480


def test_a_deleted_closed_day_is_seen_at_once(app):
    admin = UserFactory(roles=[Role.ADMIN])
    closed, _done = timekeeping.add_closed_day(admin, date(2026, 9, 8), "Personaldag")
    db.session.commit()
    assert not calendar_of(app).is_working_day(date(2026, 9, 8))
    timekeeping.delete_exception(admin, closed)
    db.session.commit()
    assert calendar_of(app).is_working_day(date(2026, 9, 8))


@contextmanager
def other_process(database):
    """A second app on the same database: another worker process, as far as caches go."""
    other = create_app(base_test_config(database["url"], database["instance_path"]))
    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()


def test_a_change_made_in_another_process_is_seen_on_the_next_request(app, database):
    admin = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    admin_id = admin.id
    assert calendar_of(app).is_working_day(date(2026, 9, 8))

    with other_process(database) as other:
        assert calendar_of(other).is_working_day(date(2026, 9, 8))
        with other.test_request_context():
            from lotsen.accounts.models import User

            timekeeping.add_closed_day(db.session.get(User, admin_id), date(2026, 9, 8), "Storm")
            db.session.commit()

    db.session.commit()  # end this test's own transaction, as a new request would
    assert not calendar_of(app).is_working_day(date(2026, 9, 8))


def test_a_direct_change_of_the_version_marker_rebuilds_the_calendar(app, database):
    cached = calendar_of(app)
    with other_process(database) as other:
        calendar_of(other)
        # Written around the services (as a script or a restore would), marker included.
        db.session.execute(
            text("INSERT INTO closed_days (day, reason, created_at) VALUES (:day, :reason, :at)"),
            {"day": date(2026, 9, 8), "reason": "Strömavbrott", "at": "2026-09-01 08:00:00+00"},
        )
        db.session.execute(
            text(
                "INSERT INTO settings (key, value, updated_at) "
                "VALUES ('calendar_version', 'v2', :at)"
            ),
            {"at": "2026-09-01 08:00:00+00"},
        )
        db.session.commit()

    db.session.commit()
    rebuilt = calendar_of(app)
    assert rebuilt is not cached
    assert not rebuilt.is_working_day(date(2026, 9, 8))
    assert calendar_of(app) is rebuilt  # and kept again
