"""Text of PDF and Office attachments: extracted once by the worker, then searchable; a hostile
or broken file is recorded as failed and never stops the queue (both databases)."""

import io
import os
import secrets
import zipfile

from flask import current_app
from sqlalchemy import select
from weasyprint import HTML

from lotsen.cases.models import Attachment, Message
from lotsen.extensions import db
from lotsen.search.models import AttachmentText
from lotsen.search.services import index_attachments
from tests.cases.uploads import zip_bomb
from tests.search.helpers import a_case, coordinator, found, note

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attach(case, filename: str, data: bytes, content_type: str) -> Attachment:
    folder = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    stored_name = secrets.token_hex(16)
    with open(os.path.join(folder, stored_name), "wb") as handle:
        handle.write(data)
    message = db.session.scalar(select(Message).where(Message.case_id == case.id))
    attachment = Attachment(case_id=case.id, message_id=message.id, filename=filename,
                            stored_name=stored_name, content_type=content_type, size=len(data),
                            sha256="0" * 64)  # fmt: skip
    db.session.add(attachment)
    db.session.commit()
    return attachment


def docx(*runs: str) -> bytes:
    buffer = io.BytesIO()
    body = "".join(f"<w:r><w:t>{run}</w:t></w:r>" for run in runs)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document><w:body><w:p>{body}</w:p>"
                                              "<w:p><w:r><w:t>Slut &amp; klart</w:t></w:r></w:p>"
                                              "</w:body></w:document>")  # fmt: skip
    return buffer.getvalue()


def test_the_text_of_a_pdf_is_searchable_once_extracted(app):
    case = a_case(subject="Ritningar")
    pdf = HTML(string="<p>Situationsplanen visar brandcellsgränsen.</p>").write_pdf()
    attach(case, "situationsplan.pdf", pdf, "application/pdf")
    official = coordinator()
    assert found(official, "situationsplan") == [case.number]  # the file name at once
    assert found(official, "brandcellsgräns") == []
    assert index_attachments() == 1
    db.session.commit()
    assert found(official, "brandcellsgränsen") == [case.number]
    assert index_attachments() == 0  # extracted once


def test_the_text_of_a_word_document_split_in_runs_is_searchable(app):
    case = a_case(subject="Avtal")
    attach(case, "avtal.docx", docx("Arrende", "avtalet gäller"), DOCX)
    index_attachments()
    db.session.commit()
    assert found(coordinator(), "arrendeavtal") == [case.number]
    row = db.session.scalar(select(AttachmentText))
    assert row.status == "done" and "Slut & klart" in row.text


def test_a_zip_bomb_or_a_broken_pdf_fails_alone_and_the_queue_goes_on(app):
    case = a_case(subject="Filer")
    attach(case, "bomb.odt", zip_bomb(), "application/vnd.oasis.opendocument.text")
    attach(case, "trasig.pdf", b"%PDF-1.7 not really", "application/pdf")
    attach(case, "bra.docx", docx("Hyresavtal"), DOCX)
    assert index_attachments() == 3
    db.session.commit()
    statuses = dict(
        db.session.execute(
            select(Attachment.filename, AttachmentText.status).join(
                AttachmentText, AttachmentText.attachment_id == Attachment.id
            )
        ).all()
    )
    assert statuses == {"bomb.odt": "failed", "trasig.pdf": "failed", "bra.docx": "done"}
    assert found(coordinator(), "hyresavtal") == [case.number]


def test_the_extracted_text_is_bounded(app):
    app.config["SEARCH_ATTACHMENT_MAX_CHARS"] = 50
    case = a_case(subject="Lång")
    attach(case, "lang.docx", docx("ord " * 1000), DOCX)
    index_attachments()
    db.session.commit()
    assert len(db.session.scalar(select(AttachmentText.text))) <= 50


def test_the_commands_extract_and_rebuild_with_progress(app, runner):
    case = a_case(subject="Kommandon")
    attach(case, "kommando.docx", docx("Bullerutredning"), DOCX)
    result = runner.invoke(args=["lotsen", "index-attachments"])
    assert result.exit_code == 0, result.output
    assert "1 attachment(s) read." in result.output
    result = runner.invoke(args=["lotsen", "reindex-search", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "1/1 cases indexed" in result.output
    official = coordinator()
    assert found(official, "bullerutredningen") == [case.number]
    note(case, official, "Efter ombyggnaden mäts ljudnivån igen.")  # indexed as before
    assert found(official, "ljudnivå") == [case.number]
