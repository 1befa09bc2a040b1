import shutil
import tempfile
from pathlib import Path

import pytest

from lotsen.cases import services
from lotsen.cases.models import CaseStatus
from lotsen.extensions import db
from tests.factories import CategoryFactory, UserFactory
from tests.inbound.dovecot import start_dovecot
from tests.inbound.mails import TEAM


@pytest.fixture(scope="session")
def dovecot_server():
    # Not under pytest's temporary folder: pytest keeps that private to root (0700), and
    # Dovecot's processes run as an unprivileged user.
    root = Path(tempfile.mkdtemp(prefix="lotsen-dovecot-"))
    server = start_dovecot(root / "dovecot")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(app, dovecot_server):
    """A new, empty mailbox in the test Dovecot, as the app's one team mailbox (STARTTLS,
    password)."""
    dovecot_server.new_user()
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
