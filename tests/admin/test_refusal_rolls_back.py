"""A refused account change goes through the one write path: nothing of it is saved, the
Swedish reason is next to the roles and the form keeps what was typed (lotsen.writes)."""

from sqlalchemy import select

from lotsen.accounts.models import Role, User
from lotsen.audit.models import AuditEvent
from lotsen.extensions import db


def test_removing_ones_own_admin_role_is_refused_and_nothing_of_the_form_is_saved(client, login):
    admin = login(Role.ADMIN)
    response = client.submit(
        f"/admin/anvandare/{admin.id}",
        {"name": "Ny Namnsdotter", "email": admin.email, "title": "Chef", "roles": ["official"]},
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Du kan inte ta bort din egen administratörsroll." in page
    assert 'value="Ny Namnsdotter"' in page and 'value="Chef"' in page
    db.session.expire_all()
    stored = db.session.get(User, admin.id)
    assert stored.name == admin.name and stored.title != "Chef"
    assert Role.ADMIN in stored.roles
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.updated")) is None
