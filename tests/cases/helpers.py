"""Shared helpers for case tests: submitting the public form and reading the outbox."""

import io
import re

from flask import current_app
from sqlalchemy import select

from lotsen.cases import services
from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def question(category, **overrides) -> dict:
    data = {
        "org_number": "",
        "company_name": "Café Solrosen AB",
        "submitter_name": "Lina Berg",
        "submitter_email": "lina@solrosen.example",
        "submitter_phone": "070-123 45 67",
        "preferred_contact": "email",
        "category": str(category.id),
        "subject": "Uteservering på Torget",
        "description": "Vi vill öppna ett café med uteservering i sommar. Vad behöver vi söka?",
        "privacy_acknowledged": "y",
    }
    data.update(overrides)
    return data


def submit_question(client, category, files=(), **overrides):
    data = question(category, **overrides)
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.submit("/fraga", data, content_type="multipart/form-data")


def latest_case() -> Case:
    db.session.expire_all()
    return db.session.scalars(select(Case).order_by(Case.id.desc())).first()


def mails_to(address: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )


def status_path_in(text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/status/[A-Za-z0-9_\-]+)", text)
    assert match, text
    return match.group(1)


def open_case_directly(category, received_at=None, **overrides):
    """Create a case through the service (as the form would), returning (case, token)."""
    values = {
        "submitter_name": "Johan Ek",
        "submitter_email": "johan@akeri.example",
        "subject": "Parkering för lastbilar",
        "description": "Var får vi ställa våra lastbilar över natten?",
        "category_id": category.id,
        "company_name": "Eks Åkeri AB",
    }
    values.update(overrides)
    with current_app.test_request_context():
        case, token = services.open_case(services.Submission(**values), received_at=received_at)
        db.session.commit()
    return case, token
