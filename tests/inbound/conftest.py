import pytest
from imapclient import IMAPClient

from lotsen.cases import services
from lotsen.cases.models import CaseStatus
from lotsen.extensions import db
from tests.factories import CategoryFactory, UserFactory
from tests.inbound.dovecot import PASSWORD, USER, start_dovecot
from tests.inbound.mails import TEAM


@pytest.fixture(scope="session")
def dovecot_server(tmp_path_factory):
    server = start_dovecot(tmp_path_factory.mktemp("dovecot"))
    yield server
    server.stop()


def empty_mailbox(server) -> None:
    with IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=30) as client:
        client.login(USER, PASSWORD)
        for _flags, _delimiter, name in client.list_folders():
            if name == "INBOX":
                client.select_folder("INBOX")
                uids = client.search(["ALL"])
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
                client.unselect_folder()
        for _flags, _delimiter, name in sorted(client.list_folders(), key=lambda f: -len(f[2])):
            if name != "INBOX":
                client.delete_folder(name)


@pytest.fixture
def mailbox(app, dovecot_server):
    """The test Dovecot, emptied, as the app's one team mailbox (STARTTLS, password)."""
    empty_mailbox(dovecot_server)
    app.config.update(
        INBOUND_ADDRESS=f"Lotsgruppen <{TEAM}>",
        INBOUND_MAILBOXES=[dovecot_server.mailbox_settings()],
    )
    return dovecot_server


@pytest.fixture
def category(app):
    return CategoryFactory(name="Tillstånd och lokaler")


@pytest.fixture
def lead(app):
    return UserFactory(name="Maja Lots")


@pytest.fixture
def waiting_case(category, lead):
    """A case led by `lead`, waiting for the company after a question by e-mail."""
    submission = services.Submission(
        submitter_name="Lina Berg",
        subject="Uteservering på Torget",
        description="Vi vill öppna en uteservering. Vad behöver vi söka?",
        category_id=category.id,
        submitter_email="lina@solrosen.example",
        company_name="Café Solrosen AB",
    )
    case, _token = services.open_case(submission, lead=lead)
    services.set_status(
        case, lead, CaseStatus.WAITING, message="Vilken adress gäller uteserveringen?"
    )
    db.session.commit()
    return case


# The real SMTP server of the outbox tests, for the full loop.
from tests.mail.conftest import smtp_port, start_smtp_server  # noqa: E402, F401
