"""Writes of the case search: attachment text extraction and a full rebuild."""

import logging

from flask import current_app
from sqlalchemy import select

from lotsen.cases.attachments import MAX_FILE_BYTES, AttachmentError, stored_path
from lotsen.cases.models import Attachment
from lotsen.extensions import db
from lotsen.search.extract import EXTRACTABLE, NoText, TextLimits, extract_text
from lotsen.search.models import AttachmentText

log = logging.getLogger(__name__)

DONE = "done"
EMPTY = "empty"
FAILED = "failed"


def attachments_without_text(limit: int) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment)
            .outerjoin(AttachmentText, AttachmentText.attachment_id == Attachment.id)
            .where(AttachmentText.attachment_id.is_(None), Attachment.content_type.in_(EXTRACTABLE))
            .order_by(Attachment.id)
            .limit(limit)
        )
    )


def read_stored(attachment: Attachment) -> bytes:
    with open(stored_path(attachment.stored_name), "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def extract_attachment(attachment: Attachment, limits: TextLimits) -> AttachmentText:
    """Extract and record the text of one attachment (status done, empty or failed); the
    commit hook then re-indexes its case. A file that cannot be read is recorded as failed and
    not tried again, so one bad file never stops the queue."""
    try:
        content = extract_text(attachment.content_type, read_stored(attachment), limits)
        status = DONE if content.strip() else EMPTY
    except (NoText, OSError, AttachmentError) as error:
        log.warning("attachment %s: no text (%s)", attachment.id, error)
        content, status = "", FAILED
    row = AttachmentText(
        attachment_id=attachment.id, case_id=attachment.case_id, status=status, text=content
    )
    db.session.add(row)
    db.session.flush()
    return row


def index_attachments(batch_size: int = 20) -> int:
    """Extract the text of up to `batch_size` attachments that have none yet; returns how
    many were handled. The caller commits."""
    limits = TextLimits.from_config(current_app.config)
    attachments = attachments_without_text(batch_size)
    for attachment in attachments:
        extract_attachment(attachment, limits)
    return len(attachments)
