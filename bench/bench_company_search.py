"""Benchmark: the company list's search box over a large registry.

    python bench/bench_company_search.py --rows 2000000 --db both

Imports a generated Bolagsverket file into a fresh database (or, with --url, uses an existing
one), then times the first page of the list (25 rows, sorted by name, with SNI codes and tags)
for three kinds of search, --queries of each: an org number (with dash), a name prefix (the
first letters of a name) and words of a name. Prints p50, p95 and max in milliseconds.
"""

import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_company_import import generate  # noqa: E402
from common import ROOT, bench_app, fresh_database, run_phase  # noqa: E402


class Viewer:
    """An official without admin rights, as most searches are made."""

    is_authenticated = True

    def has_role(self, *roles):
        return False


def sample_queries(count: int, rng: random.Random) -> dict[str, list[str]]:
    from sqlalchemy import func, select

    from lotsen.companies.models import Company
    from lotsen.extensions import db

    total = db.session.scalar(select(func.max(Company.id)))
    ids = [rng.randint(1, total) for _ in range(count * 3)]
    rows = db.session.execute(
        select(Company.org_number, Company.name, Company.is_personal).where(Company.id.in_(ids))
    ).all()
    legal = [r for r in rows if not r.is_personal]
    words = [w for r in rows for w in r.name.split() if len(w) >= 4 and w.isalpha()]
    return {
        "orgnr": [f"{r.org_number[:6]}-{r.org_number[6:]}" for r in legal[:count]],
        "name prefix": [r.name[: rng.randint(3, 6)] for r in rows[:count]],
        "name words": [
            " ".join(rng.sample(words, 2)) if rng.random() < 0.3 else rng.choice(words)
            for _ in range(count)
        ],
    }


def time_searches(url: str, count: int) -> dict[str, list[float]]:
    from lotsen.companies.queries import CompanyFilters, company_page
    from lotsen.extensions import db

    app = bench_app(url)
    timings = {}
    with app.app_context():
        queries = sample_queries(count, random.Random(2026))
        viewer = Viewer()
        company_page(CompanyFilters(q="warm up"), viewer, None, 25)
        for kind, texts in queries.items():
            timings[kind] = []
            for text in texts:
                start = time.perf_counter()
                page = company_page(CompanyFilters(q=text), viewer, None, 25)
                shown = [(c.name, len(c.sni_codes), len(c.tags)) for c in page.items]
                assert len(shown) <= 25  # the template reads names, SNI codes and tags
                timings[kind].append((time.perf_counter() - start) * 1000)
                db.session.rollback()
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(kind: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{kind}:")
    for search, values in timings.items():
        print(
            f"  {search:12} n={len(values):4}  p50 {statistics.median(values):7.1f} ms"
            f"  p95 {percentile(values, 0.95):7.1f} ms  max {max(values):7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    parser.add_argument("--url", help="time searches on this existing, filled database")
    args = parser.parse_args()
    if args.url:
        report(args.url.split(":", 1)[0], time_searches(args.url, args.queries))
        return
    path = generate(args.rows, "bolagsverket", args.out)
    importer = os.path.join(ROOT, "bench", "bench_company_import.py")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        with fresh_database(kind) as url:
            print(f"Importing {args.rows:,} rows into {kind} …", file=sys.stderr)
            run_phase(
                importer,
                "--phase",
                "import",
                "--url",
                url,
                "--file",
                path,
                "--format",
                "bolagsverket",
            )
            report(kind, time_searches(url, args.queries))


if __name__ == "__main__":
    main()
