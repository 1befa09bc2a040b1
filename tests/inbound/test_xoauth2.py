"""XOAUTH2, as Exchange Online requires: the worker gets an access token by the client-credentials
grant and logs in to the mailbox with it. The server is a real Dovecot that takes XOAUTH2 and
checks each bearer token at the token issuer's introspection endpoint (RFC 7662)."""

import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from lotsen.cases.models import Case, CaseStatus, Message
from lotsen.extensions import db
from tests.inbound import mails
from tests.inbound.dovecot import start_dovecot
from tests.inbound.mails import TEAM
from tests.inbound.token_issuer import start_token_issuer

PROCESSED = "Lotsen/Behandlade"


@pytest.fixture(scope="module")
def token_issuer():
    issuer = start_token_issuer()
    yield issuer
    issuer.stop()


@pytest.fixture(scope="module")
def oauth_dovecot(token_issuer):
    root = Path(tempfile.mkdtemp(prefix="lotsen-dovecot-oauth-"))
    server = start_dovecot(
        root / "dovecot", oauth2_introspection_url=f"{token_issuer.url}/introspect"
    )
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def oauth_mailbox(app, oauth_dovecot, token_issuer):
    """A new, empty mailbox that the app reads with XOAUTH2 only (no password configured)."""
    user = oauth_dovecot.new_user()
    token_issuer.mailbox = user
    token_issuer.token_requests = token_issuer.introspections = 0
    settings = oauth_dovecot.mailbox_settings(oauth2=token_issuer.settings())
    del settings["password"]
    app.config.update(INBOUND_ADDRESS=f"Lotsgruppen <{TEAM}>", INBOUND_MAILBOXES=[settings])
    return oauth_dovecot


def xoauth2_logins(server, user: str) -> int:
    log = (server.root / "dovecot.log").read_text()
    return log.count(f"Login: user=<{user}>, method=XOAUTH2")


def test_the_worker_logs_in_with_an_access_token_and_the_reply_lands_in_its_case(
    runner, oauth_mailbox, token_issuer, waiting_case
):
    case_id, token = waiting_case.id, waiting_case.reply_token
    oauth_mailbox.deliver(
        mails.plain(to=mails.reply_address(token), body=mails.reply_text("Storgatan 4."))
    )

    result = runner.invoke(args=["lotsen", "fetch-mail"])

    assert result.exit_code == 0, result.output
    assert "1 processed" in result.output
    assert token_issuer.token_requests == 1 and token_issuer.introspections >= 1
    assert xoauth2_logins(oauth_mailbox, oauth_mailbox.user) == 1
    db.session.expire_all()
    assert db.session.get(Case, case_id).status == CaseStatus.IN_PROGRESS
    bodies = db.session.scalars(select(Message.body).where(Message.case_id == case_id))
    assert any(body.startswith("Storgatan 4.") for body in bodies)
    assert oauth_mailbox.count("INBOX") == 0 and oauth_mailbox.count(PROCESSED) == 1


def test_a_refused_client_secret_stops_the_pass_and_leaves_the_mail_in_the_mailbox(
    app, runner, oauth_mailbox, token_issuer
):
    settings = dict(app.config["INBOUND_MAILBOXES"][0])
    settings["oauth2"] = token_issuer.settings(client_secret="wrong")
    app.config["INBOUND_MAILBOXES"] = [settings]
    oauth_mailbox.deliver(mails.plain(subject="Ny fråga", body="Hej! En fråga om bygglov."))

    result = runner.invoke(args=["lotsen", "fetch-mail"])

    assert result.exit_code == 1
    assert "Mailbox unavailable" in result.output and "401" in result.output
    assert xoauth2_logins(oauth_mailbox, oauth_mailbox.user) == 0
    assert oauth_mailbox.count("INBOX") == 1  # nothing lost: read on the next pass


def test_a_token_the_server_does_not_accept_is_refused_and_nothing_is_read(
    app, runner, oauth_mailbox, token_issuer
):
    # The issuer hands out tokens for another mailbox: Dovecot's introspection names another
    # user than the one logging in, so the log-in fails.
    token_issuer.mailbox = "someone-else@kommun.example"
    oauth_mailbox.deliver(mails.plain(subject="Ny fråga", body="Hej! En fråga om bygglov."))

    result = runner.invoke(args=["lotsen", "fetch-mail"])

    assert result.exit_code == 1
    assert "Mailbox unavailable" in result.output
    assert token_issuer.introspections >= 1
    assert xoauth2_logins(oauth_mailbox, oauth_mailbox.user) == 0
    assert oauth_mailbox.count("INBOX") == 1
