"""Benchmark: importing a national register file, against the database's own loading floor.

    python bench/bench_company_import.py --rows 2000000 --db both --format bolagsverket

For each database it generates (or reuses) a file, then measures, each in its own process:
  import    lotsen.companies.importer.import_companies on an empty registry
  reimport  the same file again (everything unchanged)
  floor     parsing the same file plus the fastest raw load of the parsed rows into a bare
            table: COPY on PostgreSQL, executemany in 5,000-row transactions on SQLite
  schema floor  parsing plus the fastest raw load of the parsed rows into Lotsen's own tables
            (ids given, no lookups), then the list's indexes and the search index built from
            them in one pass each: what the database itself needs to hold the rows in the
            schema the search and the list read
and prints seconds, rows per second, peak RSS and the import/floor ratios.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, Timer, bench_app, emit, fresh_database, peak_rss_mb, run_phase  # noqa: E402

FLOOR_COLUMNS = (
    "org_number",
    "registration_suffix",
    "name",
    "legal_form",
    "street_address",
    "postal_code",
    "town",
    "status",
    "registered_on",
    "description",
    "sni_codes",
)


def phase_import(url: str, path: str, fmt: str) -> None:
    from lotsen.companies.importer import import_companies

    app = bench_app(url)
    with app.app_context(), Timer() as timer:
        summary = import_companies(path, fmt, rejects_path=path + f".{os.getpid()}.rejects.csv")
    emit(
        {
            "seconds": timer.seconds,
            "rss_mb": peak_rss_mb(),
            "read": summary.read,
            "inserted": summary.inserted,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "rejected": summary.rejected,
        }
    )


def floor_rows(path: str, fmt: str):
    from lotsen.companies.parsers import CompanyRecord, read_register_file

    for item in read_register_file(path, fmt):
        if isinstance(item, CompanyRecord):
            yield (
                item.org_number,
                item.registration_suffix,
                item.name,
                item.legal_form,
                item.street_address,
                item.postal_code,
                item.town,
                item.status,
                item.registered_on,
                item.description,
                " ".join(item.sni_codes),
            )


def phase_floor(url: str, path: str, fmt: str) -> None:
    from lotsen.companies.sni import sni_title

    sni_title("56100")  # load the code table before timing, as the import process has it loaded
    with Timer() as parse_only:
        parsed = sum(1 for _ in floor_rows(path, fmt))
    if url.startswith("sqlite"):
        seconds = floor_sqlite(url, path, fmt)
    else:
        seconds = floor_postgresql(url, path, fmt)
    emit(
        {
            "seconds": seconds,
            "parse_seconds": parse_only.seconds,
            "rows": parsed,
            "rss_mb": peak_rss_mb(),
        }
    )


def floor_sqlite(url: str, path: str, fmt: str) -> float:
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE TABLE floor_companies ({', '.join(FLOOR_COLUMNS)})")
    placeholders = ", ".join("?" for _ in FLOOR_COLUMNS)
    sql = f"INSERT INTO floor_companies VALUES ({placeholders})"
    with Timer() as timer:
        batch = []
        for row in floor_rows(path, fmt):
            batch.append(row)
            if len(batch) == 5000:
                conn.execute("BEGIN")
                conn.executemany(sql, batch)
                conn.execute("COMMIT")
                batch.clear()
        conn.execute("BEGIN")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
    conn.close()
    return timer.seconds


def floor_postgresql(url: str, path: str, fmt: str) -> float:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE floor_companies (org_number text, registration_suffix int, name text, "
            "legal_form text, street_address text, postal_code text, town text, status text, "
            "registered_on date, description text, sni_codes text)"
        )
        conn.commit()
        with Timer() as timer:
            with conn.cursor() as cursor:
                columns = ", ".join(FLOOR_COLUMNS)
                with cursor.copy(f"COPY floor_companies ({columns}) FROM STDIN") as copy:
                    for row in floor_rows(path, fmt):
                        copy.write_row(row)
            conn.commit()
    return timer.seconds


def phase_schema_floor(url: str, path: str, fmt: str) -> None:
    """The fastest way the database itself offers to hold the parsed rows in Lotsen's schema:
    raw COPY / executemany into `companies` and `company_sni_codes` (ids given, no lookups,
    no upsert) with the indexes that are cheaper built than kept set aside, then those built
    and the statistics refreshed, exactly as the import's bulk load does."""
    from sqlalchemy import text

    from lotsen.companies import bulk_load
    from lotsen.companies.importer import new_company_values, refresh_planner_statistics, sni_rows
    from lotsen.companies.parsers import CompanyRecord, read_register_file
    from lotsen.db_types import utcnow
    from lotsen.extensions import db

    app = bench_app(url)
    with app.app_context():
        bulk_load.suspend(db.session.connection())
        db.session.commit()
        with Timer() as load:
            companies, codes, seen, now = [], [], set(), utcnow()
            for item in read_register_file(path, fmt):
                if not isinstance(item, CompanyRecord):
                    continue
                # A number, not a tuple: two million tuples would keep the garbage collector
                # busy and double the memory.
                key = int(item.org_number) * 1_000_000 + item.registration_suffix
                if key in seen:
                    continue
                seen.add(key)
                companies.append(new_company_values(item, now) | {"id": len(seen)})
                codes.extend(sni_rows(len(seen), item.sni_codes))
                if len(companies) == 5000:
                    write_floor_batch(companies, codes)
            write_floor_batch(companies, codes)
            if db.session.get_bind().dialect.name == "postgresql":
                db.session.execute(text("SELECT setval('companies_id_seq', :n)"), {"n": len(seen)})
            db.session.commit()
        with Timer() as build:
            bulk_load.finish(db.session.connection())
            db.session.commit()
            refresh_planner_statistics()
        held = db.session.scalar(text("SELECT count(*) FROM companies"))
    emit(
        {
            "seconds": load.seconds + build.seconds,
            "companies": held,
            "load_seconds": load.seconds,
            "build_seconds": build.seconds,
            "rss_mb": peak_rss_mb(),
        }
    )


def write_floor_batch(companies: list, codes: list) -> None:
    from lotsen.companies.importer import bulk_insert
    from lotsen.companies.models import Company, CompanySniCode
    from lotsen.extensions import db

    bulk_insert(Company.__table__, companies)
    bulk_insert(CompanySniCode.__table__, codes)
    db.session.commit()
    companies.clear()
    codes.clear()


def generate(rows: int, fmt: str, out_dir: str) -> str:
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{fmt}-{rows}.txt")
    if not os.path.exists(path):
        print(f"Generating {rows:,} {fmt} rows into {path} …", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                os.path.join(ROOT, "bench", "generate_registers.py"),
                "--format",
                fmt,
                "--rows",
                str(rows),
                "--out",
                path,
                "--seed",
                "2026",
            ],
            check=True,
        )
    return path


def measure(kind: str, path: str, fmt: str, schema_floor: bool = True) -> dict:
    script = os.path.abspath(__file__)
    with fresh_database(kind) as url:
        first = run_phase(
            script, "--phase", "import", "--url", url, "--file", path, "--format", fmt
        )
        again = run_phase(
            script, "--phase", "import", "--url", url, "--file", path, "--format", fmt
        )
    with fresh_database(kind) as url:
        floor = run_phase(script, "--phase", "floor", "--url", url, "--file", path, "--format", fmt)
    schema = None
    if schema_floor:
        with fresh_database(kind) as url:
            schema = run_phase(
                script, "--phase", "schema-floor", "--url", url, "--file", path, "--format", fmt
            )
    return {"import": first, "reimport": again, "floor": floor, "schema": schema}


def report(kind: str, result: dict) -> None:
    first, again, floor = result["import"], result["reimport"], result["floor"]
    schema = result["schema"]
    rows = first["read"]
    print(
        f"\n{kind}: {rows:,} rows read, {first['inserted']:,} inserted, "
        f"{first['rejected']:,} rejected"
    )
    for label, data in (
        ("import", first),
        ("re-import", again),
        ("floor (parse + load)", floor),
        ("schema floor", schema),
    ):
        if data is None:
            continue
        print(
            f"  {label:22} {data['seconds']:8.1f} s  {rows / data['seconds']:10,.0f} rows/s"
            f"  peak RSS {data['rss_mb']:6.0f} MB"
        )
    print(f"    of which parsing alone {floor['parse_seconds']:.1f} s")
    if schema is not None:
        same = "same" if schema["companies"] == first["inserted"] else "DIFFERENT"
        print(
            f"    schema floor: loading {schema['load_seconds']:.1f} s, building indexes "
            f"{schema['build_seconds']:.1f} s; {schema['companies']:,} companies ({same} as import)"
        )
    print(
        f"  re-import: {again['unchanged']:,} unchanged, {again['updated']:,} updated, "
        f"{again['inserted']:,} inserted"
    )
    versus_schema = ""
    if schema is not None:
        versus_schema = f"   import / schema floor = {first['seconds'] / schema['seconds']:.2f}"
    print(
        f"  import / floor = {first['seconds'] / floor['seconds']:.2f}{versus_schema}"
        f"   re-import / import = {again['seconds'] / first['seconds']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--format", choices=["bolagsverket", "scb"], default="bolagsverket")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    parser.add_argument(
        "--phase", choices=["import", "floor", "schema-floor"], help=argparse.SUPPRESS
    )
    parser.add_argument("--no-schema-floor", action="store_true", help="skip the schema floor")
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "import":
        return phase_import(args.url, args.file, args.format)
    if args.phase == "floor":
        return phase_floor(args.url, args.file, args.format)
    if args.phase == "schema-floor":
        return phase_schema_floor(args.url, args.file, args.format)
    path = generate(args.rows, args.format, args.out)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        print(f"Measuring on {kind} …", file=sys.stderr)
        report(kind, measure(kind, path, args.format, not args.no_schema_floor))


if __name__ == "__main__":
    main()
