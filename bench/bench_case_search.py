#!/usr/bin/env python3
"""Case search at scale: generate N cases (~9 messages each, Swedish text), build the index,
and time the first page of a search (p50/p95) for five kinds of query, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_case_search.py --cases 10000 100000 --db both

The text is made of the demo set's sentences (lotsen/demo_cases.py) with company names, places
and people, plus words of known rarity: "ventilationen" only in officials' messages of about
1 % of the cases, "solcellsanläggning" in about 0.05 %. Rows are written with executemany on
SQLite and COPY on PostgreSQL, then the index is built with the same code as
`flask lotsen reindex-search` (lotsen.search.index.reindex_all). The timed call is the service
behind /sok (lotsen.search.queries.search_cases) for a coordinator, first page of 25, snippets
included; each query kind cycles through a few variants.
"""

import argparse
import os
import random
import re
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta

from common import SQL_TIME, fresh_database

from lotsen.demo_cases import DEMO_CASES, FIRST_NAMES, LAST_NAMES, PLACES, QUESTIONS, TRADES

SENTENCE = re.compile(r"[^.!?]+[.!?]")
STATUSES = ["new", "assigned", "in_progress", "waiting_for_company", "answered", "closed"]
STATUS_WEIGHTS = [3, 5, 10, 4, 40, 38]
CATEGORY_NAMES = ["Bygglov och lokaler", "Livsmedel och servering", "Miljö och hälsoskydd",
                  "Starta eller ta över företag", "Trafik, gata och torg", "Övrigt"]  # fmt: skip
QUERIES = {
    "common word": ["tillstånd", "verksamhet", "ansökan", "kommunen"],
    "two words": ["uteservering tillstånd", "bygglov lokal", "livsmedel registrering"],
    "rare word": ["solcellsanläggning", "ventilationen"],
    "phrase": ['"öl och vin"', '"offentlig plats"', '"hur lång tid"'],
    "word + filters": ["bygglov"],
}


def text_pool() -> tuple[list[str], list[tuple[str, str]]]:
    """Sentences and (subject, question) pairs from the demo data."""
    texts = []
    pairs = []
    for row in DEMO_CASES:
        strings = [value for value in row if isinstance(value, str)]
        texts.extend(strings[4:])
        pairs.append((strings[4], strings[5]))
    for _category, subject, question in QUESTIONS:
        texts.append(question)
        pairs.append((subject, question))
    sentences = [s.strip() for text in texts for s in SENTENCE.findall(text) if len(s) > 20]
    return sentences, pairs


class Generator:
    def __init__(self, cases: int, seed: int = 19):
        self.rng = random.Random(seed)
        self.cases = cases
        self.sentences, self.pairs = text_pool()
        self.start = datetime(2024, 1, 1, tzinfo=UTC)
        self.span = timedelta(days=900) / max(cases, 1)
        self.message_id = 0

    def body(self, rare: bool) -> str:
        rng = self.rng
        words = [rng.choice(self.sentences) for _ in range(rng.randint(1, 3))]
        if rare:
            words.append("Ventilationen i köket behöver ses över av miljöenheten.")
        return " ".join(words)

    def rows(self, first: int, count: int):
        """(case rows, message rows) for case ids first..first+count-1."""
        rng = self.rng
        cases, messages = [], []
        for case_id in range(first, first + count):
            received = self.start + self.span * case_id
            subject, question = rng.choice(self.pairs)
            trade, place = rng.choice(TRADES), rng.choice(PLACES)
            person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if rng.random() < 0.0005:
                question += " Vi planerar också en solcellsanläggning på taket."
            status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
            cases.append((case_id, f"LOTS-{received.year}-{case_id:07d}", received.year, case_id,
                          status, "web", rng.randint(1, len(CATEGORY_NAMES)),
                          f"{trade} {place} AB", person, person.lower().replace(" ", ".")
                          + "@foretag.example", "email", f"{subject} i {place}", received,
                          received))  # fmt: skip
            ventilation = rng.random() < 0.01
            for n in range(rng.randint(7, 11)):
                self.message_id += 1
                message_id = self.message_id
                if n == 0:
                    body, kind, internal = question, "submitter", False
                else:
                    internal = rng.random() < 0.3
                    kind = "official" if internal or n % 2 else "submitter"
                    body = self.body(ventilation and kind == "official" and n == 1)
                messages.append((message_id, case_id, received + timedelta(hours=n), kind,
                                 internal, body))  # fmt: skip
        return cases, messages


CASE_COLUMNS = ("id, number, year, serial, status, channel, category_id, company_name, "
                "submitter_name, submitter_email, preferred_contact, subject, received_at, "
                "updated_at")  # fmt: skip
MESSAGE_COLUMNS = "id, case_id, created_at, author_kind, is_internal, body"
CHUNK = 20_000


def add_categories(execute) -> None:
    for number, name in enumerate(CATEGORY_NAMES, start=1):
        execute(number, name)


def load_sqlite(url: str, generator: Generator) -> None:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    now = datetime.now(UTC).strftime(SQL_TIME)

    def category(number, name):
        connection.execute(
            "INSERT INTO categories (id, name, help_text, sort_order, active, created_at, "
            "target_first_response_hours, target_resolution_days) "
            "VALUES (?, ?, '', ?, 1, ?, 8, 10)",
            (number, name, number, now),
        )

    add_categories(category)

    def stamp(row, at):
        return tuple(v.astimezone(UTC).strftime(SQL_TIME) if i in at else v
                     for i, v in enumerate(row))  # fmt: skip

    for first in range(1, generator.cases + 1, CHUNK):
        cases, messages = generator.rows(first, min(CHUNK, generator.cases - first + 1))
        connection.executemany(
            f"INSERT INTO cases ({CASE_COLUMNS}, version, submitter_locale) "
            f"VALUES ({', '.join('?' * 14)}, 1, 'sv')",
            [stamp(row, (12, 13)) for row in cases],
        )
        connection.executemany(
            f"INSERT INTO case_messages ({MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            [stamp(row, (2,)) for row in messages],
        )
        connection.commit()
        progress(f"{first + len(cases) - 1:,} cases written")
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


def load_postgresql(url: str, generator: Generator) -> None:
    import psycopg

    with psycopg.connect(url) as connection:

        def category(number, name):
            connection.execute(
                "INSERT INTO categories (id, name, help_text, sort_order, active, created_at, "
                "target_first_response_hours, target_resolution_days) "
                "VALUES (%s, %s, '', %s, true, now(), 8, 10)",
                (number, name, number),
            )

        add_categories(category)
        with connection.cursor() as cursor:
            for first in range(1, generator.cases + 1, CHUNK):
                cases, messages = generator.rows(first, min(CHUNK, generator.cases - first + 1))
                with cursor.copy(f"COPY cases ({CASE_COLUMNS}, version) FROM STDIN") as copy:
                    for row in cases:
                        copy.write_row((*row, 1))
                with cursor.copy(f"COPY case_messages ({MESSAGE_COLUMNS}) FROM STDIN") as copy:
                    for row in messages:
                        copy.write_row(row)
                connection.commit()
                progress(f"{first + len(cases) - 1:,} cases written")
        for table in ("cases", "case_messages", "categories"):
            connection.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")


def progress(text: str) -> None:
    print(f"\r  {text}", end="", file=sys.stderr, flush=True)


def index_size(kind: str, db) -> int:
    from sqlalchemy import text

    if kind == "postgresql":
        return db.session.scalar(text("SELECT pg_total_relation_size('case_search_documents')"))
    pages = db.session.scalar(text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'case_search%'"))
    return int(pages or 0)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(kind: str, cases: int, repeats: int) -> dict:
    from common import bench_app
    from sqlalchemy import func, select, text

    from lotsen.accounts.models import Role, User, UserRole
    from lotsen.cases.models import Case
    from lotsen.extensions import db
    from lotsen.search import index
    from lotsen.search.queries import SearchFilters, search_cases

    figures = {}
    with fresh_database(kind) as url:
        started = time.perf_counter()
        loader = load_postgresql if kind == "postgresql" else load_sqlite
        loader(url, Generator(cases))
        print(file=sys.stderr)
        figures["generate"] = time.perf_counter() - started
        app = bench_app(url)
        with app.app_context():
            started = time.perf_counter()

            def indexed(done: int, total: int) -> None:
                db.session.commit()
                progress(f"{done:,}/{total:,} indexed")

            index.reindex_all(db.session, batch_size=2000, progress=indexed)
            db.session.commit()
            print(file=sys.stderr)
            figures["index"] = time.perf_counter() - started
            if kind == "postgresql":
                db.session.execute(text("ANALYZE case_search_documents"))
                db.session.commit()
            figures["size"] = index_size(kind, db)
            user = User(name="Samordnare", email="samordnare@kommun.example", active=True,
                        password_hash="x", session_nonce="bench")  # fmt: skip
            user.role_rows.append(UserRole(role=Role.COORDINATOR.value))
            db.session.add(user)
            db.session.commit()
            user_id = user.id
            counted = db.session.scalar(select(func.count()).select_from(Case))
            assert counted == cases, counted
            for name, variants in QUERIES.items():
                times = []
                hits = []
                for attempt in range(repeats + len(variants)):
                    words = variants[attempt % len(variants)]
                    filters = SearchFilters(text=words)
                    if name == "word + filters":
                        since = datetime(2024, 6, 1).date()
                        filters = SearchFilters(
                            text=words, status="answered", category_id=1, received_from=since
                        )
                    db.session.remove()
                    user = db.session.get(User, user_id)
                    began = time.perf_counter()
                    page = search_cases(user, filters, None, 25)
                    elapsed = time.perf_counter() - began
                    if attempt >= len(variants):  # the first round warms the caches
                        times.append(elapsed * 1000)
                    hits.append(len(page.hits))
                assert max(hits) > 0, f"{name}: no hits"
                figures[name] = (percentile(times, 0.5), percentile(times, 0.95), min(hits))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--out", default=None, help="unused; kept for the smoke test's runner")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        p95_by_size = {}
        for cases in args.cases:
            figures = run(kind, cases, args.repeats)
            print(f"{kind}: {cases:,} cases, ~9 messages each: generated in "
                  f"{figures['generate']:.1f} s; index built in {figures['index']:.1f} s, "
                  f"{figures['size'] / 1024 / 1024:.1f} MB")  # fmt: skip
            for name in QUERIES:
                p50, p95, hits = figures[name]
                print(
                    f"  {name:<15} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (first page: {hits}+ hits)"
                )
            p95_by_size[cases] = max(figures[name][1] for name in QUERIES)
        if len(p95_by_size) > 1:
            smallest, largest = min(p95_by_size), max(p95_by_size)
            ratio = p95_by_size[largest] / p95_by_size[smallest]
            print(f"{kind}: worst p95 at {largest:,} / at {smallest:,} = {ratio:.2f}")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
