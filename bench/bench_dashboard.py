"""Benchmark: the managers' dashboard over many cases, against the floor of hand-written SQL.

    python bench/bench_dashboard.py --cases 1000000 --db both

Generates (once, cached under --out) N realistic cases received over eight years: the demo
set's categories, departments and leads, every channel, a seasonal pattern (a quiet July and
Christmas, busy spring and autumn), a little growth per year, about 5 % still open (mostly
recent ones). Their stored working-time figures are computed with the app's own rules
(lotsen.timekeeping.figures.compute_figures) from a generated status history, so the figures
are consistent with the times. Generation runs on every core, in chunks (bounded memory).

Then, per database, it loads them into a fresh database (COPY on PostgreSQL; executemany in
large transactions on SQLite: a file under --out) and times, warm, the median of --runs runs:
  service  what the dashboard page computes (lotsen.reports.views.report_context): key
           figures, median and p90, backlog, monthly trend, tables by department and category
  floor    the same figures as raw SQL written by hand, one query per figure family, run
           directly on the DBAPI connection
for the last full year (the issue's "one year of a large municipality": it holds ≥ 50 k cases
at 1 M) and for all time. It checks that both give the same numbers and prints the seconds and
the service / floor ratio.
"""

import argparse
import csv
import math
import os
import random
import sqlite3
import statistics
import sys
import time
from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from multiprocessing import Pool

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CATEGORIES, POSTGRES_ADMIN_URL, ROOT, SQL_TIME, bench_app  # noqa: E402

from lotsen.timekeeping.calendar import STOCKHOLM  # noqa: E402

# "Now" of the generated data: fixed, so that a cached file stays valid.
NOW = datetime(2026, 7, 1, 0, 0, tzinfo=STOCKHOLM).astimezone(UTC)
FIRST_DAY = date(2018, 7, 1)
YEARS = 8
CHUNK = 10_000

DEPARTMENTS = [
    "Näringsliv",
    "Bygglov",
    "Miljö och hälsa",
    "Livsmedel",
    "Mark och exploatering",
    "Trafik och gata",
    "Upphandling",
    "Tillstånd (alkohol och tobak)",
]
LEADS = [
    "karin.lindqvist@kommun.example",
    "erik.johansson@kommun.example",
    "sara.nilsson@kommun.example",
    "ahmed.hassan@kommun.example",
    "johanna.svensson@kommun.example",
    "lars.andersson@kommun.example",
]
CHANNELS = [("web", 55), ("email", 20), ("phone", 15), ("visit", 6), ("letter", 4)]
# Cases per month, relative (January … December).
SEASON = [1.0, 1.1, 1.25, 1.2, 1.15, 0.95, 0.45, 0.85, 1.25, 1.2, 1.1, 0.75]
GROWTH = 1.06  # per year
OPEN = [10, 20, 45, 25]  # new, assigned, in progress, waiting: the open cases' statuses

FIRST_NAMES = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sofia", "Mikael", "Elin"]
LAST_NAMES = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson"]
COMPANY_WORDS = ["Bergs", "Sjöviks", "Norrlands", "Ekholms", "Gästrike", "Vänerns", "Älvdals"]
COMPANY_KINDS = ["Bygg AB", "Café", "Fastigheter AB", "Åkeri AB", "Restaurang", "Frisör", "El AB"]
SUBJECTS = [
    "Fråga om tillstånd",
    "Ändrad användning av lokal",
    "Serveringstillstånd för uteservering",
    "Anmälan av verksamhet",
    "Tomt för etablering",
    "Skylt på fasaden",
]

CASE_COLUMNS = (
    "id",
    "number",
    "year",
    "serial",
    "status",
    "channel",
    "category_id",
    "company_name",
    "submitter_name",
    "submitter_email",
    "preferred_contact",
    "subject",
    "lead_id",
    "department_id",
    "received_at",
    "first_response_at",
    "answered_at",
    "closed_at",
    "updated_at",
    "version",
)
FIGURE_COLUMNS = (
    "case_id",
    "clock",
    "first_response_minutes",
    "handling_minutes",
    "paused_minutes",
    "calendar_days",
    "first_response_target_minutes",
    "resolution_target_minutes",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_margin_minutes",
    "resolution_margin_minutes",
    "computed_at",
)
# The generated file: the case columns without id/number/serial/year (given when loading)
# but with category, department and lead as indexes into the lists above, then the figures.
FILE_CASE = (
    "status",
    "channel",
    "category",
    "company_name",
    "submitter_name",
    "submitter_email",
    "preferred_contact",
    "subject",
    "lead",
    "department",
    "received_at",
    "first_response_at",
    "answered_at",
    "closed_at",
    "updated_at",
)
FILE_COLUMNS = FILE_CASE + FIGURE_COLUMNS[1:]


# --- Generating the cases ----------------------------------------------------------------------


def day_weights() -> tuple[list[date], list[float]]:
    """Every day of the eight years with its relative number of cases (cumulative)."""
    from lotsen.timekeeping.calendar import swedish_holidays

    days, cumulative, total = [], [], 0.0
    last = date(FIRST_DAY.year + YEARS, FIRST_DAY.month, FIRST_DAY.day)
    day = FIRST_DAY
    while day < last:
        weight = SEASON[day.month - 1] * GROWTH ** ((day - FIRST_DAY).days / 365.25)
        if day.weekday() >= 5 or day in swedish_holidays(day.year):
            weight *= 0.06  # e-mails and web forms over the weekend
        elif day.month == 12 and day.day >= 20:
            weight *= 0.5
        total += weight
        days.append(day)
        cumulative.append(total)
        day += timedelta(days=1)
    return days, cumulative


def log_normal_minutes(rng: random.Random, median: float, sigma: float, cap: int) -> int:
    return max(1, min(cap, int(rng.lognormvariate(math.log(median), sigma))))


def received_time(rng: random.Random, day: date, calendar) -> datetime:
    if calendar.is_working_day(day) and rng.random() < 0.85:
        minute = rng.randint(8 * 60, 17 * 60 - 1)
    else:
        minute = rng.randint(0, 24 * 60 - 1)
    moment = datetime.combine(day, clock_time(minute // 60, minute % 60, rng.randint(0, 59)))
    return moment.replace(tzinfo=STOCKHOLM).astimezone(UTC)


def history(rng: random.Random, received: datetime, calendar):
    """(status, [(at, status)], first_response_at) of a case received at `received`: most are
    answered and closed; recent ones (and a few old, forgotten ones) are still open."""
    from lotsen.timekeeping.calendar import add_working_minutes

    age_days = (NOW - received).days
    if rng.random() < 0.8 * math.exp(-age_days / 30) + 0.04:
        final = rng.choices(["new", "assigned", "in_progress", "waiting_for_company"], OPEN)[0]
    elif rng.random() < 0.04:
        final = rng.choice(["withdrawn", "spam"])
    else:
        final = "answered" if rng.random() < 0.3 else "closed"

    steps = [("assigned", log_normal_minutes(rng, 90, 1.0, 2400))]
    steps.append(("in_progress", log_normal_minutes(rng, 240, 1.1, 6000)))
    if final == "waiting_for_company" or rng.random() < 0.3:
        steps.append(("waiting_for_company", log_normal_minutes(rng, 300, 1.0, 4000)))
        steps.append(("in_progress", log_normal_minutes(rng, 1200, 1.0, 20000)))
    steps.append(("answered", log_normal_minutes(rng, 600, 1.2, 30000)))
    steps.append(("closed", log_normal_minutes(rng, 1500, 1.0, 20000)))
    if final in ("withdrawn", "spam"):
        steps = [steps[0], (final, log_normal_minutes(rng, 300, 1.0, 5000))]
    if final == "new":
        steps = []

    changes, at, first_response = [], received, None
    for status, minutes in steps:
        at = add_working_minutes(at, minutes, calendar)
        if at >= NOW:
            break
        changes.append((at, status))
        if first_response is None and status in ("waiting_for_company", "answered"):
            first_response = at
        if status == final:
            break
    replied_first = changes and changes[-1][1] == "in_progress" and first_response is None
    if replied_first and rng.random() < 0.5:  # a first "we are looking into it" reply
        first_response = changes[-1][0]
    status = changes[-1][1] if changes else "new"
    return status, changes, first_response


def sql_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime(SQL_TIME)


def generate_chunk(task: tuple[int, int, int, int]) -> list[tuple]:
    """`size` cases of chunk `index`, as rows of FILE_COLUMNS (strings)."""
    from lotsen.timekeeping.calendar import WorkingCalendar
    from lotsen.timekeeping.figures import CaseClockInput, StatusChange, compute_figures

    index, chunks, size, seed = task
    rng = random.Random(seed * 1_000_003 + index)
    calendar = WorkingCalendar.from_config()
    days, cumulative = day_weights()
    # Chunk `index` holds the index-th share of all cases in time, sorted by receipt: the
    # file is in order of receipt, as a real table fills up (ids follow the receipt times).
    low, high = cumulative[-1] * index / chunks, cumulative[-1] * (index + 1) / chunks
    picked = sorted(
        days[min(bisect_left(cumulative, rng.uniform(low, high)), len(days) - 1)]
        for _ in range(size)
    )
    received_times = sorted(received_time(rng, day, calendar) for day in picked)
    category_weights = [share for _name, share, *_rest in CATEGORIES]
    channels, channel_weights = zip(*CHANNELS, strict=True)
    rows = []
    for received in received_times:
        category = rng.choices(range(len(CATEGORIES)), category_weights)[0]
        _name, _share, department_name, hours, target_days = CATEGORIES[category]
        if rng.random() < 0.15:
            department_name = rng.choice(DEPARTMENTS)
        status, changes, first_response = history(rng, received, calendar)
        figures = compute_figures(
            CaseClockInput(
                received,
                first_response,
                [StatusChange(at, to) for at, to in changes],
                hours,
                target_days,
            ),
            calendar,
            NOW,
        )
        answered = [at for at, to in changes if to == "answered"]
        closed = [at for at, to in changes if to == "closed"]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
        lead = "" if status == "new" else rng.randrange(len(LEADS))
        rows.append(
            (
                status,
                rng.choices(channels, channel_weights)[0],
                category,
                company,
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}@example.se",
                "email",
                rng.choice(SUBJECTS),
                lead,
                DEPARTMENTS.index(department_name) if rng.random() < 0.97 else "",
                sql_time(received),
                sql_time(first_response),
                sql_time(answered[-1] if answered else None),
                sql_time(closed[-1] if closed else None),
                sql_time(changes[-1][0] if changes else received),
                figures.clock,
                "" if figures.first_response_minutes is None else figures.first_response_minutes,
                figures.handling_minutes,
                figures.paused_minutes,
                figures.calendar_days,
                figures.first_response_target_minutes,
                figures.resolution_target_minutes,
                sql_time(figures.first_response_due_at),
                sql_time(figures.resolution_due_at),
                nullable(figures.first_response_margin_minutes),
                nullable(figures.resolution_margin_minutes),
                sql_time(figures.computed_at),
            )
        )
    return rows


def nullable(value):
    return "" if value is None else value


def generate(cases: int, seed: int, out_dir: str) -> str:
    """The cached file of `cases` generated cases (made on every core when missing)."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"dashboard-cases-{cases}-{seed}.csv")
    if os.path.exists(path):
        return path
    chunks = math.ceil(cases / CHUNK)
    tasks = [(i, chunks, min(CHUNK, cases - i * CHUNK), seed) for i in range(chunks)]
    start, done = time.perf_counter(), 0
    with open(path + ".part", "w", newline="", encoding="utf-8") as file, Pool() as pool:
        writer = csv.writer(file)
        writer.writerow(FILE_COLUMNS)
        for rows in pool.imap(generate_chunk, tasks):
            writer.writerows(rows)
            done += len(rows)
            progress(f"generated {done:,} / {cases:,} cases", start)
    os.replace(path + ".part", path)
    print(file=sys.stderr)
    return path


def progress(text: str, start: float) -> None:
    print(f"\r  {text} ({time.perf_counter() - start:.0f} s)", end="", file=sys.stderr, flush=True)


# --- Loading ----------------------------------------------------------------------------------


def reference_ids(url: str) -> dict:
    """Create the demo set's departments, categories and officials; return their ids."""
    from sqlalchemy import select, update

    from lotsen.accounts.models import Department, User
    from lotsen.cases.models import Category
    from lotsen.demo import load_demo_data
    from lotsen.extensions import db

    app = bench_app(url)
    with app.app_context():
        load_demo_data()
        for name, _share, _department, hours, days in CATEGORIES:
            db.session.execute(
                update(Category)
                .where(Category.name == name)
                .values(target_first_response_hours=hours, target_resolution_days=days)
            )
        db.session.commit()
        categories = dict(db.session.execute(select(Category.name, Category.id)).all())
        departments = dict(db.session.execute(select(Department.name, Department.id)).all())
        users = dict(db.session.execute(select(User.email, User.id)).all())
        db.engine.dispose()
    return {
        "category": [categories[name] for name, *_rest in CATEGORIES],
        "department": [departments[name] for name in DEPARTMENTS],
        "lead": [users[email] for email in LEADS],
    }


def database_rows(path: str, ids: dict):
    """(case row, figures row) per generated case, with ids, numbers and serials."""
    from lotsen.cases.numbering import format_case_number

    serials: dict[int, int] = {}
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        next(reader)
        for case_id, row in enumerate(reader, start=1):
            values = dict(zip(FILE_COLUMNS, (value or None for value in row), strict=True))
            received = datetime.strptime(values["received_at"], SQL_TIME).replace(tzinfo=UTC)
            year = received.astimezone(STOCKHOLM).year
            serial = serials[year] = serials.get(year, 0) + 1
            for key in ("category", "department", "lead"):
                if values[key] is not None:
                    values[key + "_id"] = ids[key][int(values[key])]
                else:
                    values[key + "_id"] = None
            values.update(
                id=case_id,
                case_id=case_id,
                number=format_case_number(year, serial),
                year=year,
                serial=serial,
                version=1,
            )
            yield (
                tuple(values[name] for name in CASE_COLUMNS),
                tuple(values[name] for name in FIGURE_COLUMNS),
            )
    yield serials


def load(url: str, path: str, cases: int) -> float:
    ids = reference_ids(url)
    start = time.perf_counter()
    if url.startswith("sqlite"):
        load_sqlite(url, path, ids, cases, start)
    else:
        load_postgresql(url, path, ids, cases, start)
    print(file=sys.stderr)
    return time.perf_counter() - start


def load_sqlite(url: str, path: str, ids: dict, cases: int, start: float) -> None:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    insert_case = sql_insert("cases", CASE_COLUMNS)
    insert_figures = sql_insert("case_figures", FIGURE_COLUMNS)
    batch_cases, batch_figures, done = [], [], 0
    batches = (batch_cases, batch_figures)
    for item in database_rows(path, ids):
        if isinstance(item, dict):
            counters = item
            break
        batch_cases.append(item[0])
        batch_figures.append(item[1])
        if len(batch_cases) == 50_000:
            done += write_sqlite_batch(
                conn, insert_case, insert_figures, batch_cases, batch_figures
            )
            progress(f"loaded {done:,} / {cases:,} cases", start)
    write_sqlite_batch(conn, insert_case, insert_figures, *batches)
    conn.executemany(
        "INSERT OR REPLACE INTO case_counters (year, last_serial) VALUES (?, ?)", counters.items()
    )
    conn.execute("ANALYZE")
    conn.close()


def sql_insert(table: str, columns) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def write_sqlite_batch(conn, insert_case, insert_figures, cases, figures) -> int:
    conn.execute("BEGIN")
    conn.executemany(insert_case, cases)
    conn.executemany(insert_figures, figures)
    conn.execute("COMMIT")
    count = len(cases)
    cases.clear()
    figures.clear()
    return count


def load_postgresql(url: str, path: str, ids: dict, cases: int, start: float) -> None:
    def with_zone(row):
        return tuple(value + "+00" if is_time(value) else value for value in row)

    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        case_copy = f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN"
        figures_copy = f"COPY case_figures ({', '.join(FIGURE_COLUMNS)}) FROM STDIN"
        figures_file = path + f".{os.getpid()}.figures.tsv"
        done = 0
        with cursor.copy(case_copy) as copy, open(figures_file, "w", encoding="utf-8") as spill:
            for item in database_rows(path, ids):
                if isinstance(item, dict):
                    counters = item
                    break
                copy.write_row(with_zone(item[0]))
                spill.write("\t".join(r"\N" if v is None else str(v) for v in with_zone(item[1])))
                spill.write("\n")
                done += 1
                if done % 50_000 == 0:
                    progress(f"loaded {done:,} / {cases:,} cases", start)
        with cursor.copy(figures_copy) as copy, open(figures_file, encoding="utf-8") as spill:
            while block := spill.read(1 << 20):
                copy.write(block)
        os.remove(figures_file)
        cursor.executemany(
            "INSERT INTO case_counters (year, last_serial) VALUES (%s, %s) "
            "ON CONFLICT (year) DO UPDATE SET last_serial = excluded.last_serial",
            list(counters.items()),
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), %s)", (cases,))
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cases")
        conn.execute("VACUUM ANALYZE case_figures")


def is_time(value) -> bool:
    return isinstance(value, str) and len(value) == 26 and value[4] == "-" and value[13] == ":"


# --- The databases ----------------------------------------------------------------------------


class Database:
    """A fresh, migrated database for the run: a file under --out, or a PostgreSQL database."""

    def __init__(self, kind: str, cases: int, out_dir: str):
        self.kind = kind
        if kind == "sqlite":
            self.path = os.path.join(out_dir, f"dashboard-{cases}-{os.getpid()}.sqlite")
            self.url = "sqlite:///" + self.path
        else:
            self.name = f"lotsen_bench_dashboard_{os.getpid()}"
            self.url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name

    def __enter__(self):
        from flask_migrate import upgrade

        self.drop()
        if self.kind == "postgresql":
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        app = bench_app(self.url)
        with app.app_context():
            upgrade()
            from lotsen.extensions import db

            db.engine.dispose()
        return self

    def __exit__(self, *exc):
        self.drop()

    def drop(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(self.path + suffix):
                    os.remove(self.path + suffix)
        else:
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- The service and the floor ----------------------------------------------------------------


def service_figures(filters) -> dict:
    """What the dashboard page computes, in the shape `canonical` compares."""
    from lotsen.reports.views import report_context

    context = report_context(filters)
    summary = context["summary"]
    spreads = {
        name: (getattr(summary, name).median, getattr(summary, name).p90)
        for name in ("first_response_hours", "handling_hours", "handling_days", "calendar_days")
    }
    return {
        "counts": (
            summary.received,
            summary.resolved,
            summary.open,
            summary.resolved_with_margin,
            summary.within_target,
        ),
        "spreads": spreads,
        "backlog": [number for _label, number, *_rest in summary.backlog],
        "trend": [
            (
                month.first_day.isoformat(),
                month.received,
                month.resolved,
                month.median_handling_days,
            )
            for month in context["trend"]
        ],
        "departments": group_rows(context["departments"]),
        "categories": group_rows(context["categories"]),
    }


def group_rows(rows) -> list[tuple]:
    return sorted(
        (
            (
                row.id,
                row.received,
                row.resolved,
                row.open,
                row.resolved_with_margin,
                row.within_target,
            )
            for row in rows
        ),
        key=lambda row: (row[0] is None, row[0] or 0),
    )


RESOLVED_SQL = "c.status IN ('answered', 'closed')"
OPEN_SQL = "c.status IN ('new', 'assigned', 'in_progress', 'waiting_for_company')"
COUNTS_SQL = (
    f"count(*), count(CASE WHEN {RESOLVED_SQL} THEN 1 END), "
    f"count(CASE WHEN {OPEN_SQL} THEN 1 END), "
    f"count(CASE WHEN {RESOLVED_SQL} AND f.resolution_margin_minutes IS NOT NULL THEN 1 END), "
    f"count(CASE WHEN {RESOLVED_SQL} AND f.resolution_margin_minutes >= 0 THEN 1 END)"
)
PERIOD_SQL = "c.received_at >= {p} AND c.received_at < {p}"


class Floor:
    """The dashboard's figures as raw SQL written by hand, straight on the DBAPI connection."""

    def __init__(self, connection, kind: str, day_minutes: int):
        self.connection, self.kind, self.day = connection, kind, day_minutes
        self.mark = "?" if kind == "sqlite" else "%s"

    def rows(self, sql: str, params=()) -> list:
        cursor = self.connection.cursor()
        cursor.execute(sql.replace("{p}", self.mark), params)
        rows = cursor.fetchall()
        cursor.close()
        return rows

    def period(self, first: date, last: date) -> tuple:
        start = datetime.combine(first, clock_time(0), STOCKHOLM).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), clock_time(0), STOCKHOLM).astimezone(UTC)
        if self.kind == "sqlite":
            return start.strftime(SQL_TIME), end.strftime(SQL_TIME)
        return start, end

    def figures(self, first: date, last: date) -> dict:
        params = self.period(first, last)
        counts = self.rows(
            f"SELECT {COUNTS_SQL} FROM cases c LEFT JOIN case_figures f ON f.case_id = c.id "
            f"WHERE {PERIOD_SQL}",
            params,
        )[0]
        first_response, handling, calendar = self.percentiles(params)
        return {
            "counts": tuple(counts),
            "spreads": {
                "first_response_hours": scaled(first_response, 60),
                "handling_hours": scaled(handling, 60),
                "handling_days": scaled(handling, self.day),
                "calendar_days": scaled(calendar, 1),
            },
            "backlog": self.backlog(params),
            "trend": self.trend(first, last, params),
            "departments": self.groups("department_id", "departments", params),
            "categories": self.groups("category_id", "categories", params),
        }

    def percentiles(self, params) -> list:
        """Median and p90 of first response (all cases), handling and calendar days
        (resolved cases)."""
        if self.kind == "postgresql":
            row = self.rows(
                "SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP "
                "(ORDER BY f.first_response_minutes), "
                "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.handling_minutes) "
                f"FILTER (WHERE {RESOLVED_SQL}), "
                "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.calendar_days) "
                f"FILTER (WHERE {RESOLVED_SQL}) "
                f"FROM cases c JOIN case_figures f ON f.case_id = c.id WHERE {PERIOD_SQL}",
                params,
            )[0]
            return [tuple(values) if values else (None, None) for values in row]
        return [
            self.sqlite_percentiles("f.first_response_minutes", "1 = 1", params),
            self.sqlite_percentiles("f.handling_minutes", RESOLVED_SQL, params),
            self.sqlite_percentiles("f.calendar_days", RESOLVED_SQL, params),
        ]

    def sqlite_percentiles(self, column: str, condition: str, params) -> tuple:
        """The value histogram (one row per distinct value), then the ranks around each
        percentile by walking it: faster on SQLite than sorting with a window function."""
        rows = self.rows(
            f"SELECT {column} AS v, count(*) FROM cases c JOIN case_figures f "
            f"ON f.case_id = c.id WHERE {PERIOD_SQL} AND {condition} AND {column} IS NOT NULL "
            "GROUP BY v ORDER BY v",
            params,
        )
        return tuple(walk(rows, share) for share in (0.5, 0.9))

    def backlog(self, params) -> list[int]:
        from lotsen.cases.queries import AGE_BUCKETS

        age = "(f.handling_minutes + f.paused_minutes)"
        whens = " ".join(
            f"WHEN {age} < {(highest + 1) * self.day} THEN {index}"
            for index, (_label, _lowest, highest) in enumerate(AGE_BUCKETS)
            if highest is not None
        )
        rows = dict(
            self.rows(
                f"SELECT CASE {whens} ELSE {len(AGE_BUCKETS) - 1} END AS bucket, count(*) "
                f"FROM cases c JOIN case_figures f ON f.case_id = c.id "
                f"WHERE {PERIOD_SQL} AND {OPEN_SQL} GROUP BY bucket",
                params,
            )
        )
        return [rows.get(index, 0) for index in range(len(AGE_BUCKETS))]

    def trend(self, first: date, last: date, params) -> list[tuple]:
        """Received, resolved and the median handling days per local month of receipt."""
        from lotsen.reports.queries import months_of

        months = months_of(first, last)
        if self.kind == "postgresql":
            rows = self.rows(
                "SELECT date_trunc('month', c.received_at AT TIME ZONE 'Europe/Stockholm')::date"
                f" AS month, count(*), count(CASE WHEN {RESOLVED_SQL} THEN 1 END), "
                "percentile_cont(0.5) WITHIN GROUP (ORDER BY f.handling_minutes) "
                f"FILTER (WHERE {RESOLVED_SQL}) "
                "FROM cases c LEFT JOIN case_figures f ON f.case_id = c.id "
                f"WHERE {PERIOD_SQL} GROUP BY month",
                params,
            )
            by_month = {(month.year, month.month): rest for month, *rest in rows}
        else:
            by_month = self.sqlite_trend(months, params)
        trend = []
        for month_first, _month_last in months:
            received, resolved, median = by_month.get(
                (month_first.year, month_first.month), (0, 0, None)
            )
            trend.append(
                (month_first.isoformat(), received, resolved, scaled((median,), self.day)[0])
            )
        return trend

    def sqlite_trend(self, months, params) -> dict:
        """SQLite has no time zones: the local month comes from a CASE over the month
        boundaries (as UTC text, nested as a binary search); the medians from a histogram of
        each month's values."""
        bounds = [
            datetime.combine(last + timedelta(days=1), clock_time(0), STOCKHOLM)
            .astimezone(UTC)
            .strftime(SQL_TIME)
            for _first, last in months
        ]

        def month_between(low: int, high: int) -> str:
            if low == high:
                return str(low)
            middle = (low + high) // 2
            return (
                f"CASE WHEN c.received_at < '{bounds[middle]}' THEN {month_between(low, middle)}"
                f" ELSE {month_between(middle + 1, high)} END"
            )

        month = month_between(0, len(months) - 1)
        counts = self.rows(
            f"SELECT {month} AS m, count(*), count(CASE WHEN {RESOLVED_SQL} THEN 1 END) "
            f"FROM cases c WHERE {PERIOD_SQL} GROUP BY m",
            params,
        )
        values: dict[int, list] = {}
        for m, value, count in self.rows(
            f"SELECT {month} AS m, f.handling_minutes AS v, count(*) FROM cases c "
            f"JOIN case_figures f ON f.case_id = c.id WHERE {PERIOD_SQL} AND {RESOLVED_SQL} "
            "GROUP BY m, v ORDER BY m, v",
            params,
        ):
            values.setdefault(m, []).append((value, count))
        by_month = {}
        for m, received, resolved in counts:
            median = walk(values[m], 0.5) if m in values else None
            first = months[m][0]
            by_month[first.year, first.month] = (received, resolved, median)
        return by_month

    def groups(self, key: str, table: str, params) -> list[tuple]:
        rows = self.rows(
            f"SELECT c.{key}, g.name, {COUNTS_SQL} FROM cases c "
            "LEFT JOIN case_figures f ON f.case_id = c.id "
            f"LEFT JOIN {table} g ON g.id = c.{key} WHERE {PERIOD_SQL} GROUP BY c.{key}, g.name",
            params,
        )
        return sorted(
            ((row[0], *row[2:]) for row in rows), key=lambda row: (row[0] is None, row[0] or 0)
        )


def walk(histogram: list[tuple], share: float) -> float | None:
    """percentile_cont(share) of the values in `histogram` ((value, count) sorted by value)."""
    total = sum(count for _value, count in histogram)
    if not total:
        return None
    rank = share * (total - 1)
    wanted = [int(rank), min(int(rank) + 1, total - 1)]
    found, seen = [], 0
    for value, count in histogram:
        seen += count
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return found[0] + (found[1] - found[0]) * (rank - int(rank))


def scaled(values, divisor: float) -> tuple:
    return tuple(None if value is None else float(value) / divisor for value in values)


def canonical(figures: dict) -> dict:
    """Figures with floats rounded, so that service and floor compare exactly."""

    def tidy(value):
        if isinstance(value, float):
            return round(value, 6)
        if isinstance(value, tuple | list):
            return [tidy(item) for item in value]
        if isinstance(value, dict):
            return {key: tidy(item) for key, item in value.items()}
        return value

    return tidy(figures)


# --- Timing -----------------------------------------------------------------------------------


def measure(url: str, kind: str, runs: int) -> list[dict]:
    from sqlalchemy import func, select

    from lotsen.cases.models import Case
    from lotsen.extensions import db
    from lotsen.reports.queries import ReportFilters
    from lotsen.timekeeping.queries import working_day_minutes

    app = bench_app(url)
    results = []
    with app.app_context():
        year = NOW.astimezone(STOCKHOLM).year - 1
        oldest = db.session.scalar(select(func.min(Case.received_at)))
        periods = [
            (f"year {year}", date(year, 1, 1), date(year, 12, 31)),
            ("all time", oldest.astimezone(STOCKHOLM).date(), NOW.astimezone(STOCKHOLM).date()),
        ]
        day = working_day_minutes()
        db.session.rollback()
        connection = db.engine.raw_connection()
        floor = Floor(connection.driver_connection, kind, day)
        for label, first, last in periods:
            filters = ReportFilters(first, last)
            service_times, floor_times = [], []
            service_result = floor_result = None
            for _ in range(runs + 1):  # the first run warms the caches and is not counted
                start = time.perf_counter()
                service_result = service_figures(filters)
                service_times.append(time.perf_counter() - start)
                db.session.rollback()
                start = time.perf_counter()
                floor_result = floor.figures(first, last)
                floor_times.append(time.perf_counter() - start)
                connection.rollback()
            same = canonical(service_result) == canonical(floor_result)
            if not same:
                show_differences(canonical(service_result), canonical(floor_result))
            results.append(
                {
                    "label": label,
                    "cases": service_result["counts"][0],
                    "service": statistics.median(service_times[1:]),
                    "floor": statistics.median(floor_times[1:]),
                    "same": same,
                }
            )
            print(f"  {kind} {label}: timed", file=sys.stderr)
        connection.close()
    return results


def show_differences(service: dict, floor: dict) -> None:
    for key in service:
        if service[key] != floor[key]:
            print(f"  differs: {key}\n    service {service[key]}\n    floor   {floor[key]}")


def report(kind: str, cases: int, load_seconds: float, results: list[dict]) -> None:
    print(f"\n{kind}: {cases:,} cases loaded in {load_seconds:.1f} s")
    print(f"  {'period':12} {'cases':>9} {'service':>10} {'floor':>10} {'service / floor':>16}")
    for row in results:
        print(
            f"  {row['label']:12} {row['cases']:9,} {row['service']:9.3f}s {row['floor']:9.3f}s"
            f" {row['service'] / row['floor']:16.2f}"
        )
    for row in results:
        verdict = "identical" if row["same"] else "DIFFERENT"
        print(f"  {row['label']}: service and floor figures {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--db", "--database", choices=["sqlite", "postgresql", "both"], default="both"
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs (median), after a warm-up")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    args = parser.parse_args()
    print(f"Generating {args.cases:,} cases …", file=sys.stderr)
    path = generate(args.cases, args.seed, args.out)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    failed = False
    for kind in kinds:
        print(f"Loading into {kind} …", file=sys.stderr)
        with Database(kind, args.cases, args.out) as database:
            seconds = load(database.url, path, args.cases)
            print(f"Timing the dashboard on {kind} …", file=sys.stderr)
            results = measure(database.url, kind, args.runs)
        report(kind, args.cases, seconds, results)
        failed = failed or not all(row["same"] for row in results)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
