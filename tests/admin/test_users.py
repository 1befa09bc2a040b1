import re

from sqlalchemy import select

from lotsen.accounts.models import Role, User
from lotsen.audit.models import AuditEvent
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from tests.factories import TEST_PASSWORD, DepartmentFactory, UserFactory


def fetch_user(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_admin_creates_an_official_who_gets_a_link_to_choose_a_password(client, login):
    login(Role.ADMIN)
    bygglov = DepartmentFactory(name="Bygglov")
    response = client.submit(
        "/admin/anvandare/ny",
        {
            "name": "Erik Johansson",
            "email": "Erik.Johansson@kommun.example",
            "title": "Bygglovshandläggare",
            "roles": ["official", "coordinator"],
            "departments": [str(bygglov.id)],
        },
    )
    assert response.status_code == 302
    user = fetch_user("erik.johansson@kommun.example")
    assert user.roles == {Role.OFFICIAL, Role.COORDINATOR}
    assert [d.name for d in user.departments] == ["Bygglov"]
    assert user.password_hash is None
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    assert mail.recipient == "erik.johansson@kommun.example"
    assert "/konto/nytt-losenord/" in mail.body_text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert event.object_id == user.id


def test_duplicate_email_is_refused_and_the_form_keeps_what_was_typed(client, login):
    login(Role.ADMIN)
    UserFactory(email="sara.nilsson@kommun.example")
    response = client.submit(
        "/admin/anvandare/ny",
        {
            "name": "Sara Nilsson Andersson",
            "email": "sara.nilsson@kommun.example",
            "title": "Miljöinspektör",
            "roles": ["official"],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Det finns redan ett konto med den e-postadressen." in page
    assert 'value="Sara Nilsson Andersson"' in page and 'value="Miljöinspektör"' in page


def test_a_user_needs_a_role_and_a_valid_email(client, login):
    login(Role.ADMIN)
    page = client.submit(
        "/admin/anvandare/ny", {"name": "Anna", "email": "inte-en-adress"}
    ).get_data(as_text=True)
    assert "Välj minst en roll." in page
    assert "Skriv en giltig e-postadress" in page


def test_editing_roles_is_audited_and_shown_in_the_history(client, login):
    login(Role.ADMIN)
    user = UserFactory(name="Ahmed Hassan", roles=[Role.OFFICIAL])
    response = client.submit(
        f"/admin/anvandare/{user.id}",
        {"name": "Ahmed Hassan", "email": user.email, "roles": ["official", "manager"]},
    )
    assert response.status_code == 302
    assert fetch_user(user.email).roles == {Role.OFFICIAL, Role.MANAGER}
    page = client.get(f"/admin/anvandare/{user.id}").get_data(as_text=True)
    assert "Konto ändrat för" in page and "manager" in page


def test_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(client, login):
    admin = login(Role.ADMIN)
    page = client.submit(
        f"/admin/anvandare/{admin.id}",
        {"name": admin.name, "email": admin.email, "roles": ["official"]},
    ).get_data(as_text=True)
    assert "Du kan inte ta bort din egen administratörsroll." in page
    admin_page = f"/admin/anvandare/{admin.id}"
    client.submit(f"{admin_page}/aktiv", {"active": "0"}, page_url=admin_page)
    assert fetch_user(admin.email).active


def test_deactivation_ends_the_users_sessions_and_blocks_login(app, client, login):
    login(Role.ADMIN)
    user = UserFactory()
    their_browser = app.test_client()
    their_browser.submit("/konto/logga-in", {"email": user.email, "password": TEST_PASSWORD})
    assert their_browser.get("/").status_code == 200

    client.submit(
        f"/admin/anvandare/{user.id}/aktiv", {"active": "0"}, page_url=f"/admin/anvandare/{user.id}"
    )
    assert not fetch_user(user.email).active
    assert their_browser.get("/").status_code == 302
    retry = their_browser.submit(
        "/konto/logga-in", {"email": user.email, "password": TEST_PASSWORD}
    )
    assert "Fel e-postadress eller lösenord." in retry.get_data(as_text=True)

    client.submit(
        f"/admin/anvandare/{user.id}/aktiv", {"active": "1"}, page_url=f"/admin/anvandare/{user.id}"
    )
    assert fetch_user(user.email).active


def listed_names(page):
    return re.findall(r'<td><a href="/admin/anvandare/\d+">([^<]+)</a>', page)


def test_user_list_searches_filters_and_pages(app, client, login):
    app.config["PAGE_SIZE"] = 2
    login(user=UserFactory(name="Östen Admin", roles=[Role.ADMIN]))
    for name in ["Anna Berg", "Bertil Ek", "Cecilia Ek", "David Holm"]:
        UserFactory(name=name)
    UserFactory(name="Erik Inaktiv", active=False)

    first = client.get("/admin/anvandare?q=ek").get_data(as_text=True)
    assert "Bertil Ek" in first and "Cecilia Ek" in first and "Anna Berg" not in first

    page1 = client.get("/admin/anvandare?sort=name").get_data(as_text=True)
    assert listed_names(page1) == ["Anna Berg", "Bertil Ek"]
    [next_link] = re.findall(r'href="([^"]+)" rel="next"', page1)
    page2 = client.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert listed_names(page2) == ["Cecilia Ek", "David Holm"]

    inactive = client.get("/admin/anvandare?status=inactive").get_data(as_text=True)
    assert "Erik Inaktiv" in inactive and "Anna Berg" not in inactive


def test_garbage_paging_and_unknown_ids_never_crash(client, login):
    login(Role.ADMIN)
    assert client.get("/admin/anvandare?after=%%%&sort=<script>").status_code == 200
    assert client.get("/admin/anvandare/999999").status_code == 404
    assert client.get("/admin/avdelningar/999999").status_code == 404
