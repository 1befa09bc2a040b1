"""Benchmark: the REST API against the HTML pages behind the same queries (issue 18, "Speed").

    python bench/bench_api.py --cases 1000000 --companies 2000000 --db both --requests 100

For each database, two fresh databases are filled with the generators of the other benchmarks:
  cases      bench_case_pages.py's eight years of cases (officials, departments, categories,
             companies, messages, events, working-time figures), --cases of them;
  companies  bench_company_import.py's generated Bolagsverket file, --companies rows, imported
             through lotsen.companies.importer (as bench_company_search.py does).
Then, server-side through the Flask test client (views, templates or JSON, no network), in
alternating order so that both meet the same caches:
  case list       /arenden/ as a coordinator against GET /api/v1/cases with the same filters
                  (open cases; all statuses of one category; of one department), one page of
                  PAGE_SIZE rows each, through the same query (lotsen.cases.queries.case_page);
  company search  /foretag/?q=… as an official against GET /api/v1/companies?q=… (an org
                  number, the first letters of a name, words of a name: the samples of
                  bench_company_search.py), through the same search (companies.queries);
  case creation   --creations questions posted to the public form /fraga (multipart, with the
                  form's CSRF token) against POST /api/v1/cases (JSON, bearer token), each a
                  case, its message, events and receipt mail in one transaction.
Every response must be what its page or operation promises (200 with the rows, 302 to the
receipt, 201). It prints p50/p95 per side, the p95 ratio API / HTML (target <= 1.2) and the
creation rates (target: API >= HTML).
"""

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_case_pages import Cache, Plan, load, logged_in  # noqa: E402
from bench_company_import import generate  # noqa: E402
from bench_company_search import sample_queries  # noqa: E402
from common import ROOT, bench_app, fresh_database, run_phase  # noqa: E402

SEED = 2026
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def api_app(url: str):
    """The app with its rate limits counted (in memory) but never reached: the public form and
    the API both count each submission, as in production; the benchmark measures throughput."""
    from lotsen import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "benchmark",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PUBLIC_FORM_RATE_LIMIT": "100000000 per minute",
            "PERSONAL_NUMBER_SEARCH_RATE_LIMIT": "100000000 per day",
            "LOGIN_RATE_LIMIT": "100000000 per minute",
            "LOGIN_ACCOUNT_RATE_LIMIT": "100000000 per minute",
            "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="lotsen-bench-uploads-"),
        }
    )


def issue_token(app, email: str, scopes: list[str]) -> str:
    from sqlalchemy import select

    from lotsen.accounts.models import User
    from lotsen.api import tokens
    from lotsen.extensions import db

    with app.app_context():
        account = db.session.scalar(select(User).where(User.email == email))
        _token, secret = tokens.issue_token(
            None, tokens.TokenData("Benchmark", account, scopes, 30)
        )
        db.session.commit()
        db.session.remove()
    return secret


def timed(call, check) -> float:
    start = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - start) * 1000
    check(response)
    return elapsed


def compare(pairs: list[tuple], rng: random.Random) -> dict[str, list[float]]:
    """Time each (html call, html check, api call, api check) pair, in alternating order."""
    timings = {"html": [], "api": []}
    for html, html_check, api, api_check in pairs:
        sides = [("html", html, html_check), ("api", api, api_check)]
        rng.shuffle(sides)
        for side, call, check in sides:
            timings[side].append(timed(call, check))
    return timings


# --- Case list ---------------------------------------------------------------------------------


def case_list_pairs(app, generator, count: int, rng: random.Random) -> list[tuple]:
    from sqlalchemy import select

    from lotsen.accounts.models import Department
    from lotsen.cases.models import Category
    from lotsen.extensions import db

    html = logged_in(app, generator.coordinator.email)
    secret = issue_token(app, generator.coordinator.email, ["cases:read"])
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    size = app.config["PAGE_SIZE"]
    with app.app_context():
        categories = db.session.scalars(select(Category.id)).all()
        departments = db.session.scalars(select(Department.id)).all()
        db.session.remove()
    pairs = []
    for _ in range(count):
        kind = rng.choice(["open", "category", "department"])
        args = {}
        if kind == "category":
            args = {"status": "all", "category": rng.choice(categories)}
        elif kind == "department":
            args = {"status": "all", "department": rng.choice(departments)}

        def html_check(response):
            assert response.status_code == 200, response.status_code
            assert 'class="table' in response.get_data(as_text=True)

        def api_check(response):
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            assert len(response.get_json()["items"]) <= size

        pairs.append(
            (
                lambda a=args: html.get("/arenden/", query_string=a),
                html_check,
                lambda a=args: api.get(
                    "/api/v1/cases", query_string={**a, "limit": size}, headers=headers
                ),
                api_check,
            )
        )
    return pairs


# --- Company search ----------------------------------------------------------------------------


def company_search_pairs(app, official_email: str, count: int) -> list[tuple]:
    html = logged_in(app, official_email)
    secret = issue_token(app, official_email, ["companies:read"])
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    size = app.config["PAGE_SIZE"]
    with app.app_context():
        queries = sample_queries(count, random.Random(SEED))
        from lotsen.extensions import db

        db.session.remove()
    texts = [text for kind in queries.values() for text in kind][: count * 3]

    def html_check(response):
        assert response.status_code == 200, response.status_code

    def api_check(response):
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert len(response.get_json()["items"]) <= size

    return [
        (
            lambda q=text: html.get("/foretag/", query_string={"q": q}),
            html_check,
            lambda q=text: api.get(
                "/api/v1/companies", query_string={"q": q, "limit": size}, headers=headers
            ),
            api_check,
        )
        for text in texts
    ]


def company_official(url: str) -> str:
    """An official (not an admin) who logs in to the company list of the imported registry."""
    from lotsen.accounts import services as accounts
    from lotsen.accounts.models import Role
    from lotsen.extensions import db

    app = bench_app(url)
    with app.app_context():
        user = accounts.create_user(
            None,
            accounts.UserData(
                email="bench.official@kommun.example",
                name="Bench Official",
                roles={Role.OFFICIAL},
                departments=[],
            ),
            password="bench-password-2026",
        )
        db.session.commit()
        email = user.email
        db.session.remove()
    return email


# --- Case creation -----------------------------------------------------------------------------


def creation_rates(app, generator, count: int) -> dict[str, float]:
    from sqlalchemy import select

    from lotsen.cases.models import Category
    from lotsen.extensions import db

    with app.app_context():
        category_id = db.session.scalar(select(Category.id).where(Category.active).limit(1))
        db.session.remove()
    secret = issue_token(app, generator.coordinator.email, ["cases:create"])
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    browser = app.test_client()
    token = CSRF.search(browser.get("/fraga").get_data(as_text=True)).group(1)

    def question(number: int) -> dict:
        return {
            "company_name": "Café Solrosen AB",
            "submitter_name": "Lina Berg",
            "submitter_email": f"lina{number}@solrosen.example",
            "submitter_phone": "070-123 45 67",
            "preferred_contact": "email",
            "subject": "Uteservering på Torget",
            "description": "Vi vill öppna ett café med uteservering i sommar. Vad behöver vi söka?",
        }

    def post_form(number: int):
        data = {
            **question(number),
            "csrf_token": token,
            "category": str(category_id),
            "privacy_acknowledged": "y",
            "homepage": "",
            "kept_uploads": "",
        }
        return browser.post("/fraga", data=data, content_type="multipart/form-data")

    def post_api(number: int):
        body = {**question(number), "category_id": category_id, "privacy_acknowledged": True}
        return api.post("/api/v1/cases", json=body, headers=headers)

    def form_check(response):
        assert response.status_code == 302 and "/fraga/tack" in response.location, (
            response.status_code,
            response.get_data(as_text=True)[:300],
        )

    def api_check(response):
        assert response.status_code == 201, response.get_data(as_text=True)[:300]

    seconds = {"html": 0.0, "api": 0.0}
    for number in range(count):
        order = [("html", post_form, form_check), ("api", post_api, api_check)]
        if number % 2:
            order.reverse()
        for side, call, check in order:
            seconds[side] += timed(lambda c=call, n=number: c(n), check) / 1000
    return {side: count / total for side, total in seconds.items()}


# --- Running -----------------------------------------------------------------------------------


def line(name: str, timings: dict[str, list[float]]) -> str:
    html, api = timings["html"], timings["api"]
    ratio = percentile(api, 0.95) / percentile(html, 0.95)
    verdict = "ok" if ratio <= 1.2 else "OVER TARGET"
    return (
        f"  {name:15} n={len(api):4}  html p50 {statistics.median(html):7.1f} ms"
        f" p95 {percentile(html, 0.95):7.1f} ms | api p50 {statistics.median(api):7.1f} ms"
        f" p95 {percentile(api, 0.95):7.1f} ms | api/html p95 = {ratio:.2f} (<= 1.2: {verdict})"
    )


def run(kind: str, args) -> None:
    rng = random.Random(SEED)
    with fresh_database(kind) as cases_url, fresh_database(kind) as companies_url:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        cache = Cache(tempfile.mkdtemp(prefix="lotsen-bench-rows-"))
        print(f"{kind}: loading {args.cases:,} cases …", file=sys.stderr, flush=True)
        generator, seconds = load(kind, cases_url, Plan(args.cases, now), cache)
        shutil.rmtree(os.path.dirname(cache.path), True)
        print(f"{kind}: {args.cases:,} cases loaded in {seconds:.0f} s", flush=True)
        path = generate(args.companies, "bolagsverket", args.out)
        print(f"{kind}: importing {args.companies:,} companies …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        importer = os.path.join(ROOT, "bench", "bench_company_import.py")
        run_phase(importer, "--phase", "import", "--url", companies_url, "--file", path,
                  "--format", "bolagsverket")  # fmt: skip
        imported = time.perf_counter() - started
        print(f"{kind}: {args.companies:,} companies imported in {imported:.0f} s", flush=True)

        app = api_app(cases_url)
        lists = compare(case_list_pairs(app, generator, args.requests, rng), rng)
        rates = creation_rates(app, generator, args.creations)
        registry = api_app(companies_url)
        official = company_official(companies_url)
        searches = compare(company_search_pairs(registry, official, args.requests), rng)
        print(f"{kind}: server-side time per request (ms), the same query behind both")
        print(line("case list", lists))
        print(line("company search", searches))
        ratio = rates["api"] / rates["html"]
        print(
            f"  {'case creation':15} n={args.creations:4}  html {rates['html']:6.1f} /s"
            f" | api {rates['api']:6.1f} /s | api/html = {ratio:.2f}"
            f" (>= 1: {'ok' if ratio >= 1 else 'UNDER TARGET'})",
            flush=True,
        )
        for each in (app, registry):
            with each.app_context():
                from lotsen.extensions import db

                db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=2_000_000)
    parser.add_argument(
        "--db", "--database", choices=["sqlite", "postgresql", "both"], default="both"
    )
    parser.add_argument("--requests", type=int, default=100, help="timed requests per side")
    parser.add_argument("--creations", type=int, default=100, help="cases created per side")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    args = parser.parse_args()
    for kind in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        run(kind, args)


if __name__ == "__main__":
    main()
