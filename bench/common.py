"""Shared pieces of the benchmark scripts: a fresh, migrated database per run, timing, RSS."""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager

import psycopg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POSTGRES_ADMIN_URL = os.environ.get(
    "LOTSEN_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
sys.path.insert(0, ROOT)

SQL_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite

# The demo set's categories (lotsen.demo.CATEGORIES) with a share of the cases, the
# department that usually handles them and a service target (first response in working hours,
# resolution in working days).
CATEGORIES = [
    ("Starta eller ta över företag", 18, "Näringsliv", 8, 10),
    ("Bygglov och lokaler", 22, "Bygglov", 16, 15),
    ("Livsmedel och servering", 16, "Livsmedel", 8, 10),
    ("Miljö och hälsoskydd", 12, "Miljö och hälsa", 8, 10),
    ("Mark och etablering", 8, "Mark och exploatering", 16, 20),
    ("Trafik, gata och torg", 9, "Trafik och gata", 8, 10),
    ("Upphandling", 6, "Upphandling", 8, 10),
    ("Övrigt", 9, "Näringsliv", 8, 10),
]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_app(database_url: str):
    from lotsen import create_app

    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "benchmark",
            "RATELIMIT_ENABLED": False,
            "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="lotsen-bench-uploads-"),
        }
    )


@contextmanager
def fresh_database(kind: str):
    """Yield the URL of a new, migrated database of `kind`; drop it afterwards."""
    from flask_migrate import upgrade

    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="lotsen-bench-")
        url = "sqlite:///" + os.path.join(folder, "bench.sqlite")
    else:
        name = f"lotsen_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    app = bench_app(url)
    with app.app_context():
        upgrade()
        from lotsen.extensions import db

        db.engine.dispose()
    try:
        yield url
    finally:
        if kind == "postgresql":
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_phase(script: str, *args: str) -> dict:
    """Run one measured phase in its own process (so its peak RSS is its own); returns its JSON."""
    output = subprocess.run(
        [sys.executable, script, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    if output.stderr:
        sys.stderr.write(output.stderr[-2000:])
    result = json.loads(output.stdout.strip().splitlines()[-1])
    # Each phase's figures as soon as it ends: a long run can be followed (or cut short).
    print(f"{os.path.basename(script)} {' '.join(args[:2])}: {json.dumps(result)}", file=sys.stderr)
    return result


def emit(result: dict) -> None:
    """The last stdout line of a phase: its JSON result."""
    print(json.dumps(result))


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
