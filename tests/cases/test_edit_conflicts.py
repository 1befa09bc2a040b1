"""Two officials change the same case at once: the second is told and keeps their text, never a
500 (issue 13, point 18).

`someone_else_saves_first` commits another official's edit between the moment a request read the
case and the moment it writes (the race that gave 28 of 30 second editors a 500 on PostgreSQL).
It runs on the request's own connection, so it works the same on SQLite, where BEGIN IMMEDIATE
otherwise makes the race impossible.
"""

import html
from contextlib import contextmanager

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from lotsen.accounts.models import Role
from lotsen.cases.models import Case
from lotsen.extensions import db
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory, UserFactory


@contextmanager
def someone_else_saves_first(case_id: int):
    fired = []

    def bump(session, _context, _instances):
        if fired or not any(isinstance(o, Case) and o.id == case_id for o in session.dirty):
            return
        fired.append(True)
        session.connection().execute(
            update(Case.__table__)
            .where(Case.__table__.c.id == case_id)
            .values(version=Case.__table__.c.version + 1, subject="Ändrad av Anna")
        )

    event.listen(Session, "before_flush", bump)
    try:
        yield fired
    finally:
        event.remove(Session, "before_flush", bump)


def two_officials(app, case):
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        user = UserFactory(roles=[Role.OFFICIAL, Role.COORDINATOR])
        from tests.factories import TEST_PASSWORD

        client.submit("/konto/logga-in", {"email": user.email, "password": TEST_PASSWORD})
    return first, second


def edit_data(client, case, subject):
    page = client.get(f"/arenden/{case.id}/redigera").get_data(as_text=True)
    assert 'name="version"' in page
    return {
        "subject": subject,
        "category": str(case.category_id),
        "channel": case.channel,
        "org_number": "",
        "company_name": case.company_name,
        "submitter_name": case.submitter_name,
        "submitter_email": case.submitter_email,
        "submitter_phone": "",
        "preferred_contact": "email",
        "version": str(case.version),
    }


def test_second_of_two_simultaneous_editors_keeps_their_text(app):
    case, _token = open_case_directly(CategoryFactory())
    anna, bertil = two_officials(app, case)
    anna_data = edit_data(anna, case, "Annas rubrik")
    bertil_data = edit_data(bertil, case, "Bertils egen rubrik")
    assert anna.submit(f"/arenden/{case.id}/redigera", anna_data).status_code == 302
    response = bertil.submit(f"/arenden/{case.id}/redigera", bertil_data)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "Någon annan har ändrat ärendet" in page
    assert 'value="Bertils egen rubrik"' in page


def test_an_edit_racing_another_save_is_shown_as_a_conflict_with_the_text_kept(app):
    case, _token = open_case_directly(CategoryFactory())
    _anna, bertil = two_officials(app, case)
    data = edit_data(bertil, case, "Bertils egen rubrik")
    with someone_else_saves_first(case.id) as fired:
        response = bertil.submit(f"/arenden/{case.id}/redigera", data)
    assert fired
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "Någon annan har ändrat ärendet" in page
    assert 'value="Bertils egen rubrik"' in page


def test_a_reply_or_status_change_racing_another_save_keeps_the_text(app):
    case, _token = open_case_directly(CategoryFactory())
    _anna, bertil = two_officials(app, case)
    page_url = f"/arenden/{case.id}"
    with someone_else_saves_first(case.id) as fired:
        reply = bertil.submit(
            f"{page_url}/svar",
            {"reply-body": "Hej! Ni behöver söka bygglov.", "reply-then_status": "answered"},
            page_url=page_url,
        )
    assert fired and reply.status_code == 400
    text = html.unescape(reply.get_data(as_text=True))
    assert "Någon annan ändrade ärendet samtidigt" in text
    assert "Hej! Ni behöver söka bygglov." in text
    with someone_else_saves_first(case.id) as fired:
        change = bertil.submit(
            f"{page_url}/status",
            {"status-status": "withdrawn", "status-reason": "Företaget drog tillbaka frågan"},
            page_url=page_url,
        )
    assert fired and change.status_code == 400
    text = html.unescape(change.get_data(as_text=True))
    assert "Någon annan ändrade ärendet samtidigt" in text
    assert "Företaget drog tillbaka frågan" in text
    db.session.expire_all()
    assert db.session.scalar(select(Case.status).where(Case.id == case.id)) == "new"
