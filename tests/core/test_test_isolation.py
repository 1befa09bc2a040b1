"""The test fixtures themselves: each test's data is rolled back, requests share the test's
transaction, and what cannot share it (another thread, another connection) is refused loudly."""

import threading

import pytest
from sqlalchemy import func, select

from lotsen.accounts.models import Department, Role, User
from lotsen.extensions import db
from tests.factories import DepartmentFactory, UserFactory


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_request_sees_what_the_test_wrote_and_the_test_sees_what_it_committed(client, login):
    admin = login(Role.ADMIN)
    assert client.get("/admin/anvandare").get_data(as_text=True).count(admin.email) == 1
    before = count_users()
    response = client.submit(
        "/admin/anvandare/ny",
        {"name": "Ny Handläggare", "email": "ny@kommun.example", "roles": ["official"]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert count_users() == before + 1


def test_a_rollback_in_the_test_keeps_what_was_committed_before_it(app):
    UserFactory(email="kept@kommun.example")  # the factory commits
    db.session.add(UserFactory.build(email="lost@kommun.example"))
    db.session.flush()
    db.session.rollback()
    emails = db.session.scalars(select(User.email)).all()
    assert emails == ["kept@kommun.example"]


@pytest.mark.parametrize("run", [1, 2])
def test_every_test_starts_from_empty_tables(app, run):
    assert count_users() == 0
    UserFactory(email=f"run{run}@kommun.example")
    assert count_users() == 1


def test_a_rolled_back_test_refuses_a_second_connection(app):
    with pytest.raises(RuntimeError, match="pytest.mark.commits"):
        db.engine.connect()


def test_a_rolled_back_test_refuses_another_thread(app):
    errors = []

    def query():
        with app.app_context():
            try:
                count_users()
            except RuntimeError as error:
                errors.append(str(error))

    thread = threading.Thread(target=query)
    thread.start()
    thread.join(10)
    assert len(errors) == 1 and "pytest.mark.commits" in errors[0]


@pytest.mark.commits
def test_a_committing_test_may_use_other_connections_and_threads(app):
    UserFactory(email="seen@kommun.example")
    with db.engine.connect() as other:
        assert other.scalar(select(func.count()).select_from(User)) == 1
    seen = []

    def query():
        with app.app_context():
            seen.append(count_users())

    thread = threading.Thread(target=query)
    thread.start()
    thread.join(10)
    assert seen == [1]


def test_count_queries_counts_the_statements_and_leaves_out_transaction_control(app, count_queries):
    DepartmentFactory()
    with count_queries() as queries:
        db.session.scalar(select(func.count()).select_from(Department))
        db.session.add(DepartmentFactory.build(name="Ny avdelning"))
        db.session.commit()  # ends this session's transaction or SAVEPOINT: not counted
    assert queries.kinds() == ["SELECT", "INSERT"]
    assert len(queries) == 2
