"""A populated app for the walks: the demo data, a submitted question with its status link."""

import io
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from lotsen.accounts.models import Role, User
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from tests.cases.helpers import PDF, question, status_path_in


@dataclass
class Login:
    id: int
    name: str
    email: str
    password: str


@dataclass
class World:
    logins: dict[Role, Login]
    status_path: str


def user_with_role(role: Role) -> User:
    """A demo user holding `role`, preferably only that one."""
    users = [user for user in db.session.scalars(select(User)) if user.has_role(role)]
    assert users, f"the demo data has no {role}"
    return min(users, key=lambda user: (len(user.role_rows), user.id))


def load_demo_world(monkeypatch) -> None:
    """The demo data (what `flask lotsen demo-data` loads), with a month of visits, not years."""
    from lotsen import demo, demo_cases
    from lotsen.strategy.services import load_demo_strategy
    from lotsen.survey.demo import load_demo_answers
    from lotsen.team.demo import load_demo_team
    from lotsen.visits import demo as visits_demo

    monkeypatch.setattr(visits_demo, "ROUTINE_DAYS", 40)
    demo.load_demo_data()
    demo_cases.load_demo_cases()
    load_demo_strategy()
    visits_demo.load_demo_visits()
    load_demo_answers()
    load_demo_team()
    db.session.commit()


@pytest.fixture
def world(app, monkeypatch) -> World:
    from lotsen.cases.models import Category
    from lotsen.demo import DEMO_PASSWORD

    # The walks send far more forms than a person could; the limits are tested elsewhere.
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "100000 per minute"
    app.config["LOGIN_RATE_LIMIT"] = "100000 per minute"
    load_demo_world(monkeypatch)
    category = db.session.scalars(select(Category).where(Category.active)).first()
    data = question(category, submitter_email="vandring@foretag.example")
    data["attachments"] = [(io.BytesIO(PDF), "ritning.pdf")]
    response = app.test_client().submit("/fraga", data, content_type="multipart/form-data")
    assert response.status_code == 302
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == "vandring@foretag.example")
    ).one()
    logins = {}
    for role in Role:
        user = user_with_role(role)
        logins[role] = Login(user.id, user.name, user.email, DEMO_PASSWORD)
    db.session.commit()
    return World(logins=logins, status_path=status_path_in(mail.body_text))


def log_in(app, login: Login | None):
    client = app.test_client()
    if login is not None:
        response = client.submit(
            "/konto/logga-in", {"email": login.email, "password": login.password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        assert not response.location.startswith("/konto/logga-in")
    return client
