"""Attachments: type checked from the file's content, stored outside the web root.

Files are saved under UPLOAD_FOLDER with random names. A file uploaded with a form that then
failed validation is kept as a *pending* upload, so the business owner does not have to attach
it again; the form carries a signed reference to it. Pending files live in a folder per uploader
(a keyed hash of the address, or of the official's account), which bounds what one uploader can
park (PENDING_UPLOAD_QUOTA_BYTES); they expire after PENDING_UPLOAD_MAX_AGE and
`flask lotsen clean-uploads` removes them.

A pending file becomes permanent only when the transaction that records it commits: it is linked
into place when its row is added, and the link is removed again if the transaction ends without
a commit, so a rolled-back request leaves no file without a row. Files a crashed process left
behind are removed by the same command (`remove_orphans`).
"""

import contextlib
import fcntl
import hashlib
import hmac
import io
import json
import logging
import os
import re
import secrets
import shutil
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app, has_request_context, request, send_file
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lotsen.cases import virus_scan
from lotsen.cases.models import Attachment
from lotsen.domain_errors import DomainError
from lotsen.extensions import db

log = logging.getLogger(__name__)

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
PENDING_SALT = "pending-upload"
PENDING = "pending"
# A file kept for a form may be used until PENDING_UPLOAD_MAX_AGE; the cleaner waits this much
# longer, so a request that loaded it just in time can still save it.
CLEANUP_MARGIN_SECONDS = 10 * 60
# A permanent file with no row is removed once it is this old (younger ones may belong to a
# request that has not committed yet).
ORPHAN_MIN_AGE_SECONDS = 60 * 60
STORED_NAME = re.compile(r"[0-9a-f]{32}")
STAGED_KEY = "lotsen_staged_uploads"
# A document's `mimetype` member is a short type name; nothing longer is read.
MIMETYPE_MEMBER_MAX_BYTES = 100
ZIP_CENTRAL_HEADER = b"PK\x01\x02"
# A member's declared compression ratio only counts above this size (tiny members vary a lot).
RATIO_CHECK_MIN_BYTES = 1024 * 1024

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


class AttachmentError(DomainError):
    """A file was refused; the message is for the user (Swedish)."""


@dataclass
class StoredFile:
    filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str
    owner: str = ""  # the pending folder it was kept in


@dataclass(frozen=True)
class ArchiveLimits:
    """What reading an uploaded ZIP-based document (Office, LibreOffice) may cost."""

    max_members: int
    max_uncompressed_bytes: int
    max_ratio: int

    @classmethod
    def from_config(cls, config) -> "ArchiveLimits":
        return cls(
            max_members=config["UPLOAD_ARCHIVE_MAX_MEMBERS"],
            max_uncompressed_bytes=config["UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_BYTES"],
            max_ratio=config["UPLOAD_ARCHIVE_MAX_RATIO"],
        )


def detect_content_type(head: bytes, data: bytes, limits: ArchiveLimits) -> str | None:
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
        return zip_document_type(data, limits)
    return None


def archive_within_limits(archive: zipfile.ZipFile, compressed_size: int, limits) -> bool:
    """Whether the archive's declared sizes are those of a document, not of a zip bomb."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        return False
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > RATIO_CHECK_MIN_BYTES and member.file_size > limits.max_ratio * max(
            member.compress_size, 1
        ):
            return False
    return total <= limits.max_uncompressed_bytes and total <= limits.max_ratio * max(
        compressed_size, 1
    )


def zip_document_type(data: bytes, limits: ArchiveLimits) -> str | None:
    """The type of an Office or LibreOffice document, reading no more than its limits allow.

    The member count is bounded before the directory is parsed (each member costs memory), the
    declared sizes and ratios before anything is inflated, and the one member read (`mimetype`)
    is read at most MIMETYPE_MEMBER_MAX_BYTES far, whatever its header claims.
    """
    if data.count(ZIP_CENTRAL_HEADER) > limits.max_members:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if not archive_within_limits(archive, len(data), limits):
                return None
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    mimetype = member.read(MIMETYPE_MEMBER_MAX_BYTES + 1).strip()
                return mimetype.decode() if mimetype in ODF else None
            if "[Content_Types].xml" in names:
                for prefix, (content_type, _suffix) in OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return content_type
    except (zipfile.BadZipFile, KeyError, OSError, UnicodeDecodeError, EOFError, ValueError):
        return None
    except NotImplementedError:  # a compression method zipfile does not know
        return None
    return None


def clean_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return name[:200] or "bilaga"


def upload_folder() -> str:
    folder = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(os.path.join(folder, PENDING), exist_ok=True)
    return folder


def not_allowed(filename: str) -> AttachmentError:
    return AttachmentError(
        _(
            "%(name)s är inte en tillåten filtyp. Skicka PDF, bilder (JPEG, PNG, GIF, "
            "WebP) eller dokument från Office eller LibreOffice.",
            name=filename,
        )
    )


def read_upload(storage) -> tuple[str, bytes, str]:
    """Read, check and virus-scan one uploaded file; returns (filename, data, content_type)."""
    filename = clean_filename(storage.filename)
    data = storage.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentError(_("%(name)s är större än 10 MB.", name=filename))
    if not data:
        raise AttachmentError(_("%(name)s är tom.", name=filename))
    content_type = detect_content_type(
        data[:16], data, ArchiveLimits.from_config(current_app.config)
    )
    if content_type is None:
        raise not_allowed(filename)
    check_for_viruses(filename, data)
    return filename, data, content_type


def check_for_viruses(filename: str, data: bytes) -> None:
    """Refuse an infected file, and any file while clamd cannot answer (unless fail-open)."""
    config = current_app.config
    if not virus_scan.configured(config):
        return
    try:
        result = virus_scan.scan(data, config)
    except virus_scan.ScannerUnavailable as error:
        if config["CLAMD_FAIL_OPEN"]:
            log.warning("Virus scan unavailable, upload accepted unscanned (fail-open): %s", error)
            return
        log.error("Virus scan unavailable, upload refused: %s", error)
        raise AttachmentError(
            _(
                "%(name)s kunde inte kontrolleras mot virus just nu och togs inte emot. "
                "Försök igen om en stund.",
                name=filename,
            )
        ) from error
    if result.infected:
        log.warning("Refused an infected upload: %s", result.signature)
        raise AttachmentError(
            _(
                "%(name)s innehåller ett virus eller annan skadlig kod och togs inte emot.",
                name=filename,
            )
        )


# --- Pending uploads ------------------------------------------------------------------------


def uploader_key() -> str:
    """Who parks pending files: the official's account, else the client's address."""
    from flask_login import current_user

    if has_request_context():
        if getattr(current_user, "is_authenticated", False):
            return f"user:{current_user.id}"
        return f"address:{request.remote_addr or 'unknown'}"
    return "internal"


def owner_folder_name(key: str) -> str:
    """A keyed hash, so that no address is written to disk."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()[:32]


def pending_path(stored: StoredFile) -> str:
    return os.path.join(upload_folder(), PENDING, stored.owner, stored.stored_name)


@contextlib.contextmanager
def locked_owner_folder(owner: str) -> Iterator[str]:
    """The uploader's pending folder, locked against a parallel upload or the cleaner."""
    for _attempt in range(3):
        folder = os.path.join(upload_folder(), PENDING, owner)
        os.makedirs(folder, exist_ok=True)
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:  # the cleaner removed it just now
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink == 0:  # removed while we waited for the lock
                continue
            yield folder
            return
        finally:
            os.close(fd)
    raise OSError(f"pending folder {owner} keeps disappearing")


def parked_bytes(folder: str, now: float, max_age: int) -> int:
    """What an uploader has parked and not yet let expire."""
    total = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(".json") or not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            if now - info.st_mtime < max_age:
                total += info.st_size
    return total


def store_pending(filename: str, data: bytes, content_type: str, owner_key: str) -> StoredFile:
    """Keep an upload until its form is saved; refused once the uploader's quota is used."""
    config = current_app.config
    owner = owner_folder_name(owner_key)
    stored = StoredFile(
        filename=filename,
        stored_name=secrets.token_hex(16),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        owner=owner,
    )
    with locked_owner_folder(owner) as folder:
        parked = parked_bytes(folder, time.time(), config["PENDING_UPLOAD_MAX_AGE"])
        if parked + len(data) > config["PENDING_UPLOAD_QUOTA_BYTES"]:
            log.warning("Pending upload quota used up (%s bytes parked)", parked)
            raise AttachmentError(
                _(
                    "%(name)s togs inte emot: många filer från dig väntar redan på att "
                    "skickas. Skicka formuläret du har öppet, eller försök igen senare.",
                    name=filename,
                )
            )
        path = os.path.join(folder, stored.stored_name)
        with open(path + ".json", "w", encoding="utf-8") as handle:
            json.dump(stored.__dict__, handle)
        with open(path, "wb") as handle:
            handle.write(data)
    return stored


def stored_path(stored_name: str) -> str:
    if not stored_name.isalnum():
        raise AttachmentError("invalid stored name")
    return os.path.join(upload_folder(), stored_name)


def _pending_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=PENDING_SALT)


def sign_pending(stored: list[StoredFile]) -> str:
    return _pending_serializer().dumps([f"{item.owner}/{item.stored_name}" for item in stored])


def load_pending(signed: str | None) -> tuple[list[StoredFile], int]:
    """The pending uploads a form refers to, and how many of them have expired or gone.

    An invalid reference gives none; a file older than PENDING_UPLOAD_MAX_AGE is not offered.
    """
    if not signed:
        return [], 0
    try:
        names = _pending_serializer().loads(signed)
    except BadSignature:
        return [], 0
    files, gone = [], 0
    max_age = current_app.config["PENDING_UPLOAD_MAX_AGE"]
    for reference in names if isinstance(names, list) else []:
        owner, _sep, name = str(reference).partition("/")
        if not (owner.isalnum() and name.isalnum()):
            continue
        path = os.path.join(upload_folder(), PENDING, owner, name)
        try:
            if time.time() - os.stat(path).st_mtime >= max_age:
                raise FileNotFoundError(path)
            with open(path + ".json", encoding="utf-8") as handle:
                files.append(StoredFile(**json.load(handle)))
        except (OSError, ValueError, TypeError):
            gone += 1
    return files, gone


def promote_pending(stored: StoredFile) -> None:
    """Make a pending upload permanent once the current transaction commits.

    The file is linked into place now (so that it is there the moment the row is visible) and
    the link is removed again if the transaction ends without a commit.
    """
    source = pending_path(stored)
    target = stored_path(stored.stored_name)
    try:
        os.link(source, target)
    except (FileExistsError, FileNotFoundError):
        raise
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)
    os.utime(target)  # the orphan cleaner judges age by it
    db.session.info.setdefault(STAGED_KEY, []).append((source, target))


@event.listens_for(Session, "after_commit")
def _forget_committed_pending_copies(session) -> None:
    for source, _target in session.info.pop(STAGED_KEY, []):
        for path in (source, source + ".json"):
            with contextlib.suppress(OSError):
                os.remove(path)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session, transaction) -> None:
    if transaction.parent is not None:
        return
    for _source, target in session.info.pop(STAGED_KEY, []):
        with contextlib.suppress(OSError):
            os.remove(target)


def collect_uploads(
    file_storages, kept_reference: str | None
) -> tuple[list[StoredFile], list[str]]:
    """Files kept from an earlier try plus the newly uploaded ones, checked and stored as pending.

    Returns (files, errors). Refused files are named in `errors`; accepted ones are kept even when
    the rest of the form is invalid, so nobody has to attach them again.
    """
    files, gone = load_pending(kept_reference)
    errors = []
    if gone:
        errors.append(
            _(
                "Filer som du bifogade tidigare har sparats för länge och tagits bort. "
                "Bifoga dem igen."
            )
        )
    owner_key = uploader_key()
    for storage in file_storages or []:
        if storage is None or not getattr(storage, "filename", ""):
            continue
        if len(files) >= MAX_FILES:
            errors.append(_("Du kan bifoga högst %(n)d filer.", n=MAX_FILES))
            break
        try:
            filename, data, content_type = read_upload(storage)
            files.append(store_pending(filename, data, content_type, owner_key))
        except AttachmentError as error:
            errors.append(str(error))
    return files, errors


# --- Cleaning up ------------------------------------------------------------------------------


@dataclass
class CleanupReport:
    expired_files: int = 0
    expired_bytes: int = 0
    orphans: int = 0
    orphan_bytes: int = 0


def remove_expired_pending(report: CleanupReport, now: float | None = None) -> None:
    """Delete pending uploads older than PENDING_UPLOAD_MAX_AGE (plus a short margin)."""
    now = time.time() if now is None else now
    cutoff = now - current_app.config["PENDING_UPLOAD_MAX_AGE"] - CLEANUP_MARGIN_SECONDS
    root = os.path.join(upload_folder(), PENDING)
    with os.scandir(root) as owners:
        folders = [entry.path for entry in owners if entry.is_dir(follow_symlinks=False)]
    _remove_expired_in(root, cutoff, report)  # files kept before per-uploader folders
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _remove_expired_in(folder, cutoff, report) == 0:
                with contextlib.suppress(OSError):
                    os.rmdir(folder)
        finally:
            os.close(fd)


def _remove_expired_in(folder: str, cutoff: float, report: CleanupReport) -> int:
    """Remove the expired files of one folder; returns how many files are left."""
    left = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            if info.st_mtime >= cutoff:
                left += 1
                continue
            with contextlib.suppress(FileNotFoundError):
                os.remove(entry.path)
                if not entry.name.endswith(".json"):
                    report.expired_files += 1
                    report.expired_bytes += info.st_size
    return left


def remove_orphans(report: CleanupReport, now: float | None = None, batch: int = 500) -> None:
    """Delete stored files that no attachment row names (left by a crash between the two)."""
    now = time.time() if now is None else now
    folder = upload_folder()
    candidates = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if not (STORED_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)):
                continue
            info = entry.stat(follow_symlinks=False)
            if now - info.st_mtime >= ORPHAN_MIN_AGE_SECONDS:
                candidates[entry.name] = info.st_size
    names = sorted(candidates)
    for start in range(0, len(names), batch):
        chunk = names[start : start + batch]
        known = set(
            db.session.scalars(
                select(Attachment.stored_name).where(Attachment.stored_name.in_(chunk))
            )
        )
        for name in chunk:
            if name in known:
                continue
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(folder, name))
                report.orphans += 1
                report.orphan_bytes += candidates[name]


def clean_uploads(now: float | None = None) -> CleanupReport:
    """Remove expired pending uploads and orphaned stored files (`flask lotsen clean-uploads`)."""
    report = CleanupReport()
    remove_expired_pending(report, now)
    remove_orphans(report, now)
    return report


def send_attachment(attachment):
    """The stored file of an attachment, as a download."""
    return send_file(
        stored_path(attachment.stored_name),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
