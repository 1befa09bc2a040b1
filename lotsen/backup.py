"""Backup and restore: the database (pg_dump/pg_restore, or SQLite's backup API) and the uploads.

A backup is a directory: `database.dump` (PostgreSQL, custom format) or `database.sqlite`,
and `uploads/`, a copy of UPLOAD_FOLDER (the attachments the database rows point to).
"""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from lotsen.extensions import db


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def database_url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def libpq_url() -> str:
    return database_url().set(drivername="postgresql").render_as_string(hide_password=False)


def run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def backup(target: Path) -> Path:
    """Write the database and the uploads into the new directory `target`."""
    target.mkdir(parents=True, exist_ok=False)
    url = database_url()
    db.session.remove()
    if url.get_backend_name() == "postgresql":
        run(["pg_dump", "--format=custom", "--no-owner", f"--file={target / 'database.dump'}",
             libpq_url()])  # fmt: skip
    else:
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(target / "database.sqlite")
        with copy:
            source.backup(copy)  # a consistent copy even while the app writes
        source.close()
        copy.close()
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    if uploads.exists():
        shutil.copytree(uploads, target / "uploads", ignore=shutil.ignore_patterns("pending"))
    else:
        (target / "uploads").mkdir()
    return target


def restore(source: Path) -> None:
    """Load a backup into the configured (empty) database and put the uploads back."""
    url = database_url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "postgresql":
        dump = source / "database.dump"
        if not dump.exists():
            raise BackupError(f"{dump} is missing")
        run(["pg_restore", "--no-owner", "--clean", "--if-exists", "--exit-on-error",
             f"--dbname={libpq_url()}", str(dump)])  # fmt: skip
    else:
        copy = source / "database.sqlite"
        if not copy.exists():
            raise BackupError(f"{copy} is missing")
        backup_db = sqlite3.connect(copy)
        live = sqlite3.connect(url.database)
        with live:
            backup_db.backup(live)
        backup_db.close()
        live.close()
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    shutil.copytree(source / "uploads", uploads, dirs_exist_ok=True)
