from sqlalchemy import func, select

from lotsen.accounts.models import Department, Role, User
from lotsen.cases.models import Case, Category
from lotsen.demo import DEMO_PASSWORD
from lotsen.extensions import db


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_data_loads_every_role_and_is_safe_to_run_twice(runner, client):
    first = runner.invoke(args=["lotsen", "demo-data"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output and "admin@kommun.example" in first.output
    counts = (count(User), count(Department), count(Category), count(Case))
    assert counts[3] >= 10
    second = runner.invoke(args=["lotsen", "demo-data"])
    assert second.exit_code == 0
    assert (count(User), count(Department), count(Category), count(Case)) == counts
    statuses = set(db.session.scalars(select(Case.status)))
    assert {"new", "in_progress", "waiting_for_company", "answered", "closed"} <= statuses
    roles = set().union(*(user.roles for user in db.session.scalars(select(User))))
    assert roles == set(Role)
    response = client.submit(
        "/konto/logga-in", {"email": "helena.berg@kommun.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_create_admin_command(runner, client):
    result = runner.invoke(
        args=["lotsen", "create-admin", "--email", "It@Kommun.example", "--name", "IT-stöd"],
        input="ett långt och bra lösenord\nett långt och bra lösenord\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "it@kommun.example"))
    assert user.roles == {Role.ADMIN}


def test_create_admin_refuses_a_weak_password(runner):
    result = runner.invoke(
        args=["lotsen", "create-admin", "--email", "a@kommun.example", "--name", "A"],
        input="kort\nkort\n",
    )
    assert result.exit_code != 0
    assert "minst 12 tecken" in result.output
