"""Attachments: type checked from the file's content, stored outside the web root.

Files are saved under UPLOAD_FOLDER with random names. A file uploaded with a form that then
failed validation is kept as a *pending* upload, so the business owner does not have to attach
it again; the form carries a signed reference to it.
"""

import contextlib
import hashlib
import io
import json
import os
import secrets
import zipfile
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
PENDING_SALT = "pending-upload"

OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}
ODF = {
    b"application/vnd.oasis.opendocument.text": ".odt",
    b"application/vnd.oasis.opendocument.spreadsheet": ".ods",
    b"application/vnd.oasis.opendocument.presentation": ".odp",
}


class AttachmentError(ValueError):
    """A file was refused; the message is for the user (Swedish)."""


@dataclass
class StoredFile:
    filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def detect_content_type(head: bytes, data: bytes) -> str | None:
    """The MIME type judged from the bytes themselves, or None if not an allowed kind."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/vnd.ms-office"  # .doc, .xls, .ppt
    if head.startswith(b"PK\x03\x04"):
        return zip_document_type(data)
    return None


def zip_document_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype").strip()
                return mimetype.decode() if mimetype in ODF else None
            if "[Content_Types].xml" in names:
                for prefix, (content_type, _suffix) in OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return content_type
    except (zipfile.BadZipFile, KeyError, OSError, UnicodeDecodeError):
        return None
    return None


def clean_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return name[:200] or "bilaga"


def upload_folder() -> str:
    folder = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(os.path.join(folder, "pending"), exist_ok=True)
    return folder


def read_upload(storage) -> tuple[str, bytes, str]:
    """Read and check one uploaded file; returns (filename, data, content_type)."""
    filename = clean_filename(storage.filename)
    data = storage.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentError(_("%(name)s är större än 10 MB.", name=filename))
    if not data:
        raise AttachmentError(_("%(name)s är tom.", name=filename))
    content_type = detect_content_type(data[:16], data)
    if content_type is None:
        raise AttachmentError(
            _(
                "%(name)s är inte en tillåten filtyp. Skicka PDF, bilder (JPEG, PNG, GIF, "
                "WebP) eller dokument från Office eller LibreOffice.",
                name=filename,
            )
        )
    return filename, data, content_type


def store_bytes(filename: str, data: bytes, content_type: str, pending=False) -> StoredFile:
    stored_name = secrets.token_hex(16)
    folder = upload_folder()
    path = os.path.join(folder, "pending" if pending else "", stored_name)
    with open(path, "wb") as handle:
        handle.write(data)
    stored = StoredFile(
        filename=filename,
        stored_name=stored_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    if pending:
        with open(path + ".json", "w", encoding="utf-8") as handle:
            json.dump(stored.__dict__, handle)
    return stored


def stored_path(stored_name: str) -> str:
    if not stored_name.isalnum():
        raise AttachmentError("invalid stored name")
    return os.path.join(upload_folder(), stored_name)


def _pending_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=PENDING_SALT)


def sign_pending(stored: list[StoredFile]) -> str:
    return _pending_serializer().dumps([item.stored_name for item in stored])


def load_pending(signed: str | None) -> list[StoredFile]:
    """The pending uploads a form refers to (an invalid or stale reference gives none)."""
    if not signed:
        return []
    try:
        names = _pending_serializer().loads(signed)
    except BadSignature:
        return []
    files = []
    for name in names if isinstance(names, list) else []:
        if not isinstance(name, str) or not name.isalnum():
            continue
        meta_path = os.path.join(upload_folder(), "pending", name + ".json")
        try:
            with open(meta_path, encoding="utf-8") as handle:
                files.append(StoredFile(**json.load(handle)))
        except (OSError, ValueError, TypeError):
            continue
    return files


def promote_pending(stored: StoredFile) -> None:
    """Move a pending upload into permanent storage (called when the case is saved)."""
    folder = upload_folder()
    source = os.path.join(folder, "pending", stored.stored_name)
    os.replace(source, os.path.join(folder, stored.stored_name))
    with contextlib.suppress(OSError):
        os.remove(source + ".json")


def collect_uploads(
    file_storages, kept_reference: str | None
) -> tuple[list[StoredFile], list[str]]:
    """Files kept from an earlier try plus the newly uploaded ones, checked and stored as pending.

    Returns (files, errors). Refused files are named in `errors`; accepted ones are kept even when
    the rest of the form is invalid, so nobody has to attach them again.
    """
    files = load_pending(kept_reference)
    errors = []
    for storage in file_storages or []:
        if storage is None or not getattr(storage, "filename", ""):
            continue
        if len(files) >= MAX_FILES:
            errors.append(_("Du kan bifoga högst %(n)d filer.", n=MAX_FILES))
            break
        try:
            filename, data, content_type = read_upload(storage)
        except AttachmentError as error:
            errors.append(str(error))
            continue
        files.append(store_bytes(filename, data, content_type, pending=True))
    return files, errors
