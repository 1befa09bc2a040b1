"""Import of the national registers (Bolagsverket, SCB) and plain CSV lists into `companies`.

The file is checked first (a broken file stops before anything is written), then streamed
record by record from lotsen.companies.parsers and written in batches, one transaction per
batch, upserted on (org_number, registration_suffix):

- each batch reads the existing rows it touches with one query, decides per row in Python
  whether it is new, changed or unchanged, and writes only new and changed rows (batched
  INSERT … RETURNING and UPDATE executemany); unchanged rows cost no write at all, so importing
  the same file again writes nothing and says so;
- fields edited by hand in Lotsen (Company.manually_edited_fields) are never overwritten, and a
  value the file does not carry (None, an empty list) keeps what is stored;
- SNI codes are replaced only for rows whose codes changed;
- every rejected row goes to a CSV file (line number, reason, excerpt with personnummer masked).

Memory stays bounded by the batch size. Within one batch a later row with the same identity
wins and the earlier one is rejected as a duplicate.
"""

import csv
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import JSON, delete, func, insert, select, text, update
from sqlalchemy.sql.expression import bindparam

from lotsen.audit.services import record
from lotsen.companies import bulk_load
from lotsen.companies.models import (
    REGISTER_FIELDS,
    Company,
    CompanySniCode,
    ImportRun,
    ImportStatus,
    name_sort_key,
)
from lotsen.companies.orgnr import mask_personal_numbers
from lotsen.companies.parsers import (
    CompanyRecord,
    RegisterFileError,
    RejectedRow,
    check_register_file,
    read_register_file,
)
from lotsen.companies.search import one_of
from lotsen.companies.sni import SNI_VERSION, sni_section
from lotsen.db_types import utcnow
from lotsen.extensions import db

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
# A file with at least this many lines and more than twice the registry's companies is loaded
# with the search index and the list's indexes set aside and built afterwards (bulk_load).
BULK_LOAD_ROWS = 100_000
# Columns a register sets, in the order they are compared: the register's fields but the SNI
# codes, which live in their own table and are compared apart.
IMPORTED_COLUMNS = tuple(name for name in REGISTER_FIELDS if name != "sni_codes")
# These follow the status: an active company has no deregistration date, even if one is stored.
FOLLOW_STATUS = ("deregistered_on", "deregistration_reason")
# Facts a source does not carry at all (its parser gives a default that must not count):
# only SCB's file says whether a company has opted out of advertising.
NOT_IN_SOURCE = {"bolagsverket": {"advertising_blocked"}, "csv": {"advertising_blocked"}}
REJECT_HEADER = ["rad", "orsak", "utdrag"]

ProgressCallback = Callable[[float, "ImportSummary"], None]


@dataclass
class ImportSummary:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0  # outside --only-postcodes / --only-towns
    reject_path: str | None = None

    @property
    def changed_nothing(self) -> bool:
        return self.read > 0 and self.inserted == 0 and self.updated == 0

    def line(self) -> str:
        text = (
            f"read {self.read}, inserted {self.inserted}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )
        if self.skipped:
            text += f", outside the filter {self.skipped}"
        if self.changed_nothing:
            text += " – nothing changed: the registry already matched the file"
        return text


# --- Reading ---------------------------------------------------------------------------------


@dataclass
class RowFilter:
    """--only-postcodes / --only-towns: keep only companies with these postcodes or towns."""

    postcodes: set[str] = field(default_factory=set)
    towns: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, postcodes: Iterable[str] | None, towns: Iterable[str] | None) -> "RowFilter":
        return cls(
            postcodes={code.replace(" ", "") for code in postcodes or () if code.strip()},
            towns={town.strip().casefold() for town in towns or () if town.strip()},
        )

    def accepts(self, row: CompanyRecord) -> bool:
        if self.postcodes and (row.postal_code or "").replace(" ", "") not in self.postcodes:
            return False
        return not (self.towns and (row.town or "").strip().casefold() not in self.towns)


def count_lines(path) -> int:
    """Physical lines of the file (for the progress bar), counted in 1 MB chunks."""
    lines = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines, 1)


class RejectWriter:
    """The reject file, created at the first rejected row."""

    def __init__(self, path: str):
        self.path = path
        self._handle = None
        self._writer = None

    def add(self, line_number: int, reason: str, excerpt: str) -> None:
        if self._writer is None:
            self._handle = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
            self._writer = csv.writer(self._handle, delimiter=";")
            self._writer.writerow(REJECT_HEADER)
        self._writer.writerow(
            [line_number, mask_personal_numbers(reason), mask_personal_numbers(excerpt)[:500]]
        )

    def close(self) -> str | None:
        if self._handle is None:
            return None
        self._handle.close()
        return self.path


def default_reject_path(path) -> str:
    return f"{path}.avvisade.csv"


# --- Writing ---------------------------------------------------------------------------------


def record_values(row: CompanyRecord) -> dict:
    return {name: getattr(row, name) for name in IMPORTED_COLUMNS}


def new_company_values(row: CompanyRecord, now) -> dict:
    values = record_values(row)
    values["former_names"] = list(row.former_names or [])
    values.update(
        org_number=row.org_number,
        registration_suffix=row.registration_suffix,
        is_personal=row.is_personal,
        sort_name=name_sort_key(row.name),
        source=row.source,
        manually_edited_fields=[],
        created_at=now,
        updated_at=now,
    )
    if "advertising_blocked" in NOT_IN_SOURCE.get(row.source, ()):
        values["advertising_blocked"] = False
    return values


def desired_values(row: CompanyRecord, stored: dict) -> dict:
    """What the stored row should hold after this record: hand edits and unknowns are kept."""
    incoming = record_values(row)
    protected = set(stored["manually_edited_fields"] or ()) | NOT_IN_SOURCE.get(row.source, set())
    values = {}
    for name in IMPORTED_COLUMNS:
        value = incoming[name]
        if name in protected:
            value = stored[name]
        elif name in FOLLOW_STATUS:
            if "status" in protected:
                value = stored[name]
        elif value is None or value == []:
            value = stored[name]
        values[name] = value
    return values


def sni_rows(company_id: int, codes: list[str]) -> list[dict]:
    return [
        {
            "company_id": company_id,
            "code": code,
            "sni_version": SNI_VERSION,
            "section": sni_section(code),
            "is_primary": position == 0,
            "position": position,
        }
        for position, code in enumerate(dict.fromkeys(codes))
    ]


class BatchWriter:
    """Writes one batch of records; counts what it did into the summary."""

    stored_columns = (Company.id, Company.org_number, Company.registration_suffix) + tuple(
        getattr(Company, name) for name in IMPORTED_COLUMNS + ("manually_edited_fields",)
    )

    def __init__(self, summary: ImportSummary):
        self.summary = summary
        self.table = Company.__table__
        self.sni_table = CompanySniCode.__table__

    def write(self, records: dict[tuple[str, int], CompanyRecord]) -> None:
        stored = self.stored_rows(records)
        stored_sni = self.stored_sni_codes(stored, records)
        now = utcnow()
        inserts, updates, sni_changes = [], [], {}
        for key, row in records.items():
            current = stored.get(key)
            if current is None:
                inserts.append(row)
                continue
            values = desired_values(row, current)
            sni_changed = self.sni_changed(row, current, stored_sni)
            if sni_changed:
                sni_changes[current["id"]] = row.sni_codes
            if sni_changed or any(values[name] != current[name] for name in IMPORTED_COLUMNS):
                values.update(b_id=current["id"], sort_name=name_sort_key(values["name"]))
                values.update(source=row.source, updated_at=now)
                updates.append(values)
            else:
                self.summary.unchanged += 1
        self.insert(inserts, now)
        self.update(updates, sni_changes)

    def stored_rows(self, records) -> dict[tuple[str, int], dict]:
        """The stored row for each record key. A record without a registration suffix (SCB,
        CSV) matches the only stored registration of its number, whatever that one's suffix."""
        numbers = list({org_number for org_number, _suffix in records})
        result = db.session.execute(
            select(*self.stored_columns).where(one_of(Company.org_number, numbers))
        )
        by_number: dict[str, list[dict]] = {}
        for row in result.mappings():
            by_number.setdefault(row["org_number"], []).append(dict(row))
        rows = {}
        for org_number, suffix in records:
            candidates = by_number.get(org_number, [])
            exact = [row for row in candidates if row["registration_suffix"] == suffix]
            if exact:
                rows[(org_number, suffix)] = exact[0]
            elif suffix == 0 and len(candidates) == 1:
                only = candidates[0]
                if (org_number, only["registration_suffix"]) not in records:
                    rows[(org_number, suffix)] = only
        return rows

    def stored_sni_codes(self, stored, records) -> dict[int, list[str]]:
        ids = [stored[key]["id"] for key, row in records.items() if key in stored and row.sni_codes]
        codes: dict[int, list[str]] = {}
        if not ids:
            return codes
        result = db.session.execute(
            select(CompanySniCode.company_id, CompanySniCode.code)
            .where(one_of(CompanySniCode.company_id, ids))
            .order_by(CompanySniCode.company_id, CompanySniCode.position)
        )
        for company_id, code in result:
            codes.setdefault(company_id, []).append(code)
        return codes

    @staticmethod
    def sni_changed(row: CompanyRecord, current: dict, stored_sni: dict) -> bool:
        if not row.sni_codes or "sni_codes" in (current["manually_edited_fields"] or ()):
            return False
        return stored_sni.get(current["id"], []) != list(dict.fromkeys(row.sni_codes))

    def insert(self, rows: list[CompanyRecord], now) -> None:
        if not rows:
            return
        bulk_insert(self.table, [new_company_values(row, now) for row in rows])
        ids = self.ids_of([(row.org_number, row.registration_suffix) for row in rows])
        sni = []
        for row in rows:
            sni.extend(sni_rows(ids[(row.org_number, row.registration_suffix)], row.sni_codes))
        bulk_insert(self.sni_table, sni)
        self.summary.inserted += len(rows)

    @staticmethod
    def ids_of(keys: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The ids of just-inserted companies, by (org_number, registration_suffix)."""
        wanted = set(keys)
        result = db.session.execute(
            select(Company.id, Company.org_number, Company.registration_suffix).where(
                one_of(Company.org_number, list({number for number, _suffix in keys}))
            )
        )
        return {
            (number, suffix): company_id
            for company_id, number, suffix in result
            if (number, suffix) in wanted
        }

    def update(self, rows: list[dict], sni_changes: dict[int, list[str]]) -> None:
        if rows:
            names = IMPORTED_COLUMNS + ("sort_name", "source", "updated_at")
            statement = (
                update(self.table)
                .where(self.table.c.id == bindparam("b_id"))
                .values({name: bindparam(name) for name in names})
            )
            db.session.execute(statement, rows)
            self.summary.updated += len(rows)
        if sni_changes:
            db.session.execute(
                delete(self.sni_table).where(self.sni_table.c.company_id.in_(list(sni_changes)))
            )
            sni = [row for id_, codes in sni_changes.items() for row in sni_rows(id_, codes)]
            bulk_insert(self.sni_table, sni)


def bulk_insert(table, rows: list[dict]) -> None:
    """Insert many rows in the current transaction as fast as the database allows: COPY on
    PostgreSQL, one executemany on SQLite. (An INSERT … RETURNING of thousands of rows costs
    more in building and parsing the statement than in the database itself.)"""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    names = ", ".join(f'"{name}"' for name in columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [json_text(row[name]) if name in json_columns else row[name] for name in columns]
            )


def json_text(value) -> str:
    """JSON for a COPY row: COPY's text format hands it to the server as text."""
    return json.dumps(value, ensure_ascii=False) if value else "[]"


def import_companies(
    path,
    fmt: str,
    only_postcodes: Iterable[str] | None = None,
    only_towns: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
    run: ImportRun | None = None,
    rejects_path: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import a register file; commits once per batch. Raises RegisterFileError (nothing
    written) when the file as a whole is unusable."""
    check_register_file(path, fmt)
    row_filter = RowFilter.of(only_postcodes, only_towns)
    total_lines = count_lines(path)
    bulk = prepare_bulk_load(total_lines)
    summary = ImportSummary()
    rejects = RejectWriter(rejects_path or default_reject_path(path))
    writer = BatchWriter(summary)
    batch: dict[tuple[str, int], CompanyRecord] = {}
    last_line = 0

    def flush() -> None:
        writer.write(batch)
        batch.clear()
        report(run, summary, min(last_line / total_lines, 1.0), progress)

    try:
        for item in read_register_file(path, fmt):
            summary.read += 1
            last_line = item.line_number
            if isinstance(item, RejectedRow):
                rejects.add(item.line_number, item.reason, item.excerpt)
                summary.rejected += 1
                continue
            if not row_filter.accepts(item):
                summary.skipped += 1
                continue
            key = (item.org_number, item.registration_suffix)
            if key in batch:
                reject_duplicate(rejects, summary, batch[key], item)
            batch[key] = item
            if len(batch) >= batch_size:
                flush()
        last_line = total_lines
        flush()
    finally:
        summary.reject_path = rejects.close()
        if bulk:
            finish_bulk_load()
    if summary.inserted or summary.updated:
        refresh_planner_statistics()
    if run is not None:
        run.reject_path = summary.reject_path
    logger.info("Company import of %s: %s", os.path.basename(path), summary.line())
    return summary


def prepare_bulk_load(total_lines: int) -> bool:
    """Set the search index and the list's indexes aside when the file is large next to the
    registry (see bulk_load). Finishes a load a killed import left half done. True when set
    aside."""
    connection = db.session.connection()
    if bulk_load.is_suspended(connection):
        logger.warning("An earlier company import did not finish; building its indexes")
        finish_bulk_load()
        connection = db.session.connection()
    existing = db.session.scalar(select(func.count()).select_from(Company))
    bulk = total_lines >= BULK_LOAD_ROWS and total_lines > 2 * existing
    if bulk:
        bulk_load.suspend(connection)
    db.session.commit()
    return bulk


def finish_bulk_load() -> None:
    db.session.rollback()
    bulk_load.finish(db.session.connection())
    db.session.commit()


def refresh_planner_statistics() -> None:
    """After a bulk load the query planners need fresh statistics to choose the search plans
    (PostgreSQL's ANALYZE samples; SQLite's is limited to a sample of each index)."""
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # VACUUM as well: the search reads its term index without visiting the table only for
        # pages VACUUM has marked all-visible. (VACUUM cannot run inside a transaction.)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("companies", "company_sni_codes", "company_search_terms"):
                connection.execute(text(f"VACUUM (ANALYZE) {table}"))
        return
    db.session.execute(text("PRAGMA analysis_limit = 1000"))
    db.session.execute(text("ANALYZE companies"))
    db.session.execute(text("ANALYZE company_sni_codes"))
    db.session.commit()


def reject_duplicate(rejects, summary, earlier: CompanyRecord, later: CompanyRecord) -> None:
    reason = (
        f"Samma organisationsnummer och löpnummer som rad {later.line_number}; "
        "den senare raden används"
    )
    rejects.add(earlier.line_number, reason, earlier.name)
    summary.rejected += 1


def report(run, summary, fraction: float, progress) -> None:
    """Commit the batch with the run's progress, so the import page can show it."""
    if run is not None:
        run.rows_read, run.inserted, run.updated = summary.read, summary.inserted, summary.updated
        run.unchanged, run.rejected = summary.unchanged, summary.rejected
        run.skipped = summary.skipped
        run.progress = int(fraction * 100)
        run.heartbeat_at = utcnow()
    db.session.commit()
    if progress is not None:
        progress(fraction, summary)


# --- Import runs: queued from the upload page, run by a worker ---------------------------------


def imports_folder() -> Path:
    configured = current_app.config.get("IMPORT_FOLDER")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def queue_upload(actor, upload, fmt: str, only_postcodes=(), only_towns=()) -> ImportRun:
    """Save an uploaded file under instance/imports/ with a random name and queue its import."""
    stored = imports_folder() / f"{secrets.token_hex(16)}.{fmt}"
    upload.save(stored)
    run = ImportRun(
        file_name=os.path.basename(upload.filename or "fil")[:255],
        stored_path=str(stored),
        format=fmt,
        only_postcodes=list(only_postcodes),
        only_towns=list(only_towns),
        status=ImportStatus.QUEUED,
        started_by_id=actor.id if actor is not None else None,
    )
    db.session.add(run)
    db.session.flush()
    record(actor, "import_runs.queued", run, f"Registerfil {run.file_name} uppladdad")
    return run


def claim_run(run_id: int) -> bool:
    """Take a queued run for this worker. A conditional UPDATE: of several workers trying at
    once, exactly one succeeds."""
    result = db.session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id, ImportRun.status == ImportStatus.QUEUED)
        .values(status=ImportStatus.RUNNING, started_at=utcnow(), heartbeat_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return result.rowcount == 1


def next_queued_run_id() -> int | None:
    return db.session.scalar(
        select(ImportRun.id)
        .where(ImportRun.status == ImportStatus.QUEUED)
        .order_by(ImportRun.id)
        .limit(1)
    )


def execute_run(run: ImportRun, progress: ProgressCallback | None = None) -> ImportSummary | None:
    """Import the file of a claimed run and record the outcome on it."""
    try:
        summary = import_companies(
            run.stored_path,
            run.format,
            only_postcodes=run.only_postcodes,
            only_towns=run.only_towns,
            progress=progress,
            run=run,
        )
    except RegisterFileError as error:
        db.session.rollback()
        finish_run(run, ImportStatus.FAILED, mask_personal_numbers(str(error)))
        return None
    except Exception:
        db.session.rollback()
        logger.exception("Company import run %s failed", run.id)
        finish_run(run, ImportStatus.FAILED, "Inläsningen avbröts av ett oväntat fel.")
        return None
    message = None
    if summary.changed_nothing:
        message = "Inget ändrades: registret stämde redan med filen."
    finish_run(run, ImportStatus.DONE, message)
    return summary


def finish_run(run: ImportRun, status: ImportStatus, message: str | None) -> None:
    run = db.session.get(ImportRun, run.id)
    run.status = status
    run.message = message
    run.finished_at = utcnow()
    if status == ImportStatus.DONE:
        run.progress = 100
    summary = (
        f"Inläsning av {run.file_name}: {run.inserted} nya, {run.updated} ändrade, "
        f"{run.unchanged} oförändrade, {run.rejected} avvisade"
    )
    record(run.started_by, f"import_runs.{status}", run, summary, {"status": str(status)})
    db.session.commit()


def run_queued_imports() -> int:
    """Run every queued import, oldest first; returns how many this worker ran."""
    done = 0
    while (run_id := next_queued_run_id()) is not None:
        if not claim_run(run_id):
            continue  # another worker took it
        execute_run(db.session.get(ImportRun, run_id))
        done += 1
    return done


def run_in_app(app, run_id: int) -> None:
    with app.app_context():
        if claim_run(run_id):
            execute_run(db.session.get(ImportRun, run_id))
        db.session.remove()


background_threads: list[threading.Thread] = []


def start_in_background(app, run_id: int) -> threading.Thread:
    """Development convenience (IMPORTS_RUN_IN_PROCESS): run the import in a daemon thread."""
    thread = threading.Thread(target=run_in_app, args=(app, run_id), daemon=True)
    background_threads[:] = [t for t in background_threads if t.is_alive()] + [thread]
    thread.start()
    return thread


def stale_after() -> timedelta:
    return timedelta(minutes=current_app.config["IMPORT_STALE_MINUTES"])


def resume_run(actor, run: ImportRun) -> bool:
    """Queue an interrupted run again, to import the same file from the start. Imports are
    upserts keyed by org number, so rows the killed run already wrote are found unchanged.
    False when the run is not interrupted (it finished, or is still alive)."""
    resumed = db.session.execute(
        update(ImportRun)
        .where(
            ImportRun.id == run.id,
            ImportRun.status == ImportStatus.RUNNING,
            func.coalesce(ImportRun.heartbeat_at, ImportRun.started_at, ImportRun.created_at)
            < utcnow() - stale_after(),
        )
        .values(
            status=ImportStatus.QUEUED,
            heartbeat_at=None,
            progress=0,
            message=None,
        ),
        execution_options={"synchronize_session": False},
    )
    if resumed.rowcount != 1:
        return False
    db.session.expire(run)
    record(actor, "import_runs.resumed", run, f"Avbruten inläsning av {run.file_name} startad igen")
    return True


def recent_runs(limit: int = 20) -> list[ImportRun]:
    return list(db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))


def reject_file_of(run: ImportRun) -> str | None:
    """The run's reject file, if it has one that still exists."""
    if run.reject_path and os.path.isfile(run.reject_path):
        return run.reject_path
    return None
