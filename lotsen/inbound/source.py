"""The raw source of an inbound mail as a download (for officials, and for administrators)."""

import io

from flask import send_file

from lotsen.inbound.models import InboundMessage


def eml_response(record: InboundMessage):
    """The raw mail as a download (security.py marks every download no-store)."""
    return send_file(
        io.BytesIO(record.raw),
        mimetype="message/rfc822",
        as_attachment=True,
        download_name=f"e-post-{record.id}.eml",
        max_age=0,
    )
