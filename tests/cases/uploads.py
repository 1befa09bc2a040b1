"""Helpers for upload tests: hostile archives, the files on disk, the official's forms."""

import functools
import io
import os
import re
import zipfile

from flask import current_app

MB = 1024 * 1024


@functools.cache
def zip_bomb(inflated_mb: int = 200) -> bytes:
    """An .odt whose `mimetype` member inflates to `inflated_mb` MB (about 200 KB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("mimetype", "w") as member:
            member.write(b"application/vnd.oasis.opendocument.text")
            zeros = bytes(MB)
            for _ in range(inflated_mb):
                member.write(zeros)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def odt(extra_members: int = 0) -> bytes:
    """A small, honest LibreOffice text document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        for n in range(extra_members):
            archive.writestr(f"Pictures/{n}.xml", "<x/>")
    return buffer.getvalue()


def stored_files() -> list[str]:
    """Permanent files in the upload folder (not the pending ones)."""
    folder = current_app.config["UPLOAD_FOLDER"]
    if not os.path.isdir(folder):
        return []
    return sorted(name for name in os.listdir(folder) if os.path.isfile(os.path.join(folder, name)))


def pending_files() -> list[str]:
    """Every file kept for a form (data and metadata), wherever in the pending folder."""
    root = os.path.join(current_app.config["UPLOAD_FOLDER"], "pending")
    found = []
    for folder, _dirs, names in os.walk(root):
        found.extend(os.path.join(folder, name) for name in names)
    return sorted(found)


def post_note(client, case, files=(), **fields):
    data = {"note-body": "Se bifogad fil.", **fields}
    data["note-attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.submit(
        f"/arenden/{case.id}/anteckning",
        data,
        page_url=f"/arenden/{case.id}",
        content_type="multipart/form-data",
    )


def post_status_reply(client, path, files=(), **fields):
    data = {"body": "Här kommer ritningen.", **fields}
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.submit(path, data, content_type="multipart/form-data")


def kept_reference(page: str, prefix: str = "") -> str:
    match = re.search(rf'name="{prefix}kept_uploads" type="hidden" value="([^"]*)"', page)
    assert match, page[:2000]
    return match.group(1)
