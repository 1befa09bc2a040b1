import re

from sqlalchemy import select

from lotsen.accounts import services
from lotsen.accounts.models import Role, User
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from tests.factories import TEST_PASSWORD, UserFactory

NEW_PASSWORD = "sommarstuga vid sjön 1977"


def outbox_to(email):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    ).all()


def link_path(message):
    match = re.search(r"https?://[^/\s]+(/konto/nytt-losenord/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def test_change_password_requires_the_current_one(client, login):
    login(Role.OFFICIAL)
    response = client.submit(
        "/konto/losenord",
        {"current_password": "fel", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert "Det nuvarande lösenordet stämmer inte." in response.get_data(as_text=True)


def test_weak_or_mismatched_new_password_is_explained(client, login):
    login(Role.OFFICIAL)
    short = client.submit(
        "/konto/losenord",
        {"current_password": TEST_PASSWORD, "new_password": "kort", "confirm_password": "kort"},
    ).get_data(as_text=True)
    assert "Lösenordet måste ha minst 12 tecken." in short
    mismatch = client.submit(
        "/konto/losenord",
        {
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD + "x",
        },
    ).get_data(as_text=True)
    assert "Lösenorden är inte lika." in mismatch


def test_changing_password_logs_out_other_sessions(app, client, login):
    user = login(Role.OFFICIAL)
    other_device = app.test_client()
    other_device.submit("/konto/logga-in", {"email": user.email, "password": TEST_PASSWORD})
    assert other_device.get("/").status_code == 200
    response = client.submit(
        "/konto/losenord",
        {
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other_device.get("/").status_code == 302  # the other one is logged out
    hash_ = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert hash_ and NEW_PASSWORD not in hash_


def test_password_reset_by_email_link_works_once(app, client):
    user = UserFactory(email="karin@kommun.example")
    response = client.submit("/konto/glomt-losenord", {"email": "KARIN@kommun.example"})
    assert response.status_code == 302
    services.process_password_reset_requests()  # what the mail worker (send-mail) does
    db.session.commit()
    [message] = outbox_to("karin@kommun.example")
    assert message.subject == "Återställ ditt lösenord i Lotsen"
    path = link_path(message)

    assert client.get(path).status_code == 200
    done = client.submit(path, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert (
        client.submit("/konto/logga-in", {"email": user.email, "password": NEW_PASSWORD}).location
        == "/"
    )
    again = client.get(path)
    assert again.status_code == 404
    assert "Länken gäller inte längre" in again.get_data(as_text=True)


def test_reset_for_unknown_or_inactive_address_sends_nothing_but_says_the_same(client):
    UserFactory(email="borta@kommun.example", active=False)
    for email in ("okand@kommun.example", "borta@kommun.example"):
        response = client.submit("/konto/glomt-losenord", {"email": email}, follow_redirects=True)
        assert "Om adressen hör till ett konto" in response.get_data(as_text=True)
    assert services.process_password_reset_requests() == 0
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_tampered_or_expired_reset_token_is_refused(app, client):
    user = UserFactory()
    token = services.make_reset_token(user)
    assert client.get(f"/konto/nytt-losenord/{token}x").status_code == 404
    assert client.get("/konto/nytt-losenord/inte-en-token").status_code == 404
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(f"/konto/nytt-losenord/{token}").status_code == 404


def test_passwords_are_stored_as_strong_hashes(app):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    user = UserFactory(password=NEW_PASSWORD)
    assert user.password_hash.startswith("scrypt:")
    assert services.authenticate(user.email, NEW_PASSWORD).id == user.id
    assert services.authenticate(user.email, NEW_PASSWORD + "!") is None
