"""Public submissions per second through gunicorn, against a Flask hello-world floor.

For each database: a fresh, migrated database with the demo's categories, each routed to a
department (as in production); then a Flask hello-world app and Lotsen, on the same gunicorn
settings (WORKERS sync workers, no access log) and running side by side, are loaded in turn by
CLIENTS concurrent client processes, SECONDS each, ROUNDS times (alternating, so that a change in
the machine's load hits both alike; the median ratio is reported). A Lotsen client behaves like
a browser: it fetches /fraga (the session cookie and the CSRF token), then POSTs the form as
multipart/form-data (an empty file field included) and expects the redirect to /fraga/tack.
The public form's rate limit is set far above what the run sends.

Prints per database and round: hello-world requests/s (the floor), submissions/s (one GET of
the form plus one POST) and their ratio; the median ratio, errors (anything but 200 / 302) and
the round trips one POST costs (statements through the cursor, BEGIN and COMMIT; see
tests/cases/test_intake_cost.py).

    python bench/bench_intake.py --db both --seconds 10 --rounds 3
"""

import argparse
import http.client
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

from common import ROOT, fresh_database

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CATEGORY_OPTION = re.compile(r'<option value="(\d+)"')
HELLO = "Hello, World!"
EMPTY_CONFIG = os.path.join(tempfile.gettempdir(), "lotsen_bench_gunicorn.conf.py")


def hello_app():
    """The floor: the smallest Flask app, served by the same gunicorn."""
    from flask import Flask

    app = Flask("hello")

    @app.route("/")
    def hello():
        return HELLO

    return app


# --- Data --------------------------------------------------------------------------------------


def seed(url: str) -> None:
    """The demo's categories, each routed to its department."""
    from common import CATEGORIES, bench_app

    from lotsen.accounts.models import Department
    from lotsen.cases.models import Category
    from lotsen.extensions import db
    from lotsen.triage.models import RoutingRule

    app = bench_app(url)
    with app.app_context():
        departments = {}
        for order, (name, _share, department, first_hours, days) in enumerate(CATEGORIES):
            if department not in departments:
                departments[department] = Department(
                    name=department, short_name=department[:10], active=True
                )
                db.session.add(departments[department])
            category = Category(
                name=name,
                sort_order=order,
                active=True,
                target_first_response_hours=first_hours,
                target_resolution_days=days,
            )
            db.session.add(category)
            db.session.flush()
            db.session.add(
                RoutingRule(category_id=category.id, department_id=departments[department].id)
            )
        db.session.commit()
        db.engine.dispose()


def round_trips_per_post(url: str) -> tuple[int, list[str]]:
    """One POST of the public form in-process, counting what it sends to the database."""
    from common import bench_app
    from sqlalchemy import event

    from lotsen.extensions import db

    app = bench_app(url)
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "1000000 per minute"
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    # Each request in its own app context (and database session), as under gunicorn.
    page = client.get("/fraga").get_data(as_text=True)
    page = client.get("/fraga").get_data(as_text=True)  # the calendar is cached per process
    fields = form_fields(CSRF_INPUT.search(page).group(1), CATEGORY_OPTION.search(page).group(1))
    sent = []

    def statement(conn, cursor, text, parameters, context, executemany):
        sent.append(" ".join(text.split())[:70])

    def begin(conn):
        if conn.dialect.name == "postgresql":
            sent.append("BEGIN")

    def commit(conn):
        sent.append("COMMIT")

    listeners = [("before_cursor_execute", statement), ("begin", begin), ("commit", commit)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    response = client.post("/fraga", data=fields, content_type="multipart/form-data")
    for name, listener in listeners:
        event.remove(engine, name, listener)
    assert response.status_code == 302, response.status_code
    engine.dispose()
    return len(sent), sent


# --- gunicorn ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app: str, port: int, workers: int, env: dict, chdir: str) -> subprocess.Popen:
    with open(EMPTY_CONFIG, "w") as config:
        config.write("# gunicorn's defaults: sync workers, no access log\n")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",  # not the project's gunicorn.conf.py (its access log): the same for both apps
        EMPTY_CONFIG,
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        chdir,
        "--log-level",
        "warning",
        app,
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn did not start: {app}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- Clients -----------------------------------------------------------------------------------


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def cookies_from(headers, jar: dict) -> None:
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _sep, cookie = pair.partition("=")
            jar[key] = cookie


def cookie_header(jar: dict) -> str:
    return "; ".join(f"{key}={value}" for key, value in jar.items())


def form_fields(csrf_token: str, category_id: str, number: int = 0) -> dict:
    return {
        "csrf_token": csrf_token,
        "org_number": "",
        "company_name": "Café Solrosen AB",
        "submitter_name": "Lina Berg",
        "submitter_email": f"lina{number}@solrosen.example",
        "submitter_phone": "070-123 45 67",
        "preferred_contact": "email",
        "category": category_id,
        "subject": "Uteservering på Torget",
        "description": "Vi vill öppna ett café med uteservering i sommar. Vad behöver vi söka?",
        "privacy_acknowledged": "y",
        "kept_uploads": "",
        "homepage": "",
        "submit": "Skicka frågan",
    }


def multipart(fields: dict) -> tuple[bytes, str]:
    """The body a browser sends: every field, and the file input left empty."""
    boundary = "----LotsenBench" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def submit_once(port: int, number: int) -> bool:
    jar: dict = {}
    status, headers, page = request(port, "GET", "/fraga")
    if status != 200:
        return False
    cookies_from(headers, jar)
    text = page.decode()
    fields = form_fields(
        CSRF_INPUT.search(text).group(1), CATEGORY_OPTION.findall(text)[number % 8], number
    )
    body, content_type = multipart(fields)
    status, headers, _page = request(
        port,
        "POST",
        "/fraga",
        body,
        {
            "Content-Type": content_type,
            "Cookie": cookie_header(jar),
            "Origin": f"http://127.0.0.1:{port}",
            "Referer": f"http://127.0.0.1:{port}/fraga",
        },
    )
    location = dict((name.lower(), value) for name, value in headers).get("location", "")
    return status == 302 and location.endswith("/fraga/tack")


def hello_once(port: int, _number: int) -> bool:
    status, _headers, body = request(port, "GET", "/")
    return status == 200 and body.decode() == HELLO


def client_loop(kind: str, port: int, seconds: float, client: int, results) -> None:
    work = submit_once if kind == "lotsen" else hello_once
    done = errors = 0
    deadline = time.monotonic() + seconds
    number = client * 1_000_000
    while time.monotonic() < deadline:
        number += 1
        try:
            ok = work(port, number)
        except (OSError, AttributeError, http.client.HTTPException):
            ok = False
        done += ok
        errors += not ok
    results.put((done, errors))


def load(kind: str, port: int, clients: int, seconds: float) -> tuple[float, int]:
    """(completed per second, errors) with `clients` processes for `seconds`."""
    for number in range(clients):  # warm-up: every worker has served a request
        (submit_once if kind == "lotsen" else hello_once)(port, number)
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=client_loop, args=(kind, port, seconds, n, results))
        for n in range(clients)
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    totals = [results.get() for _process in processes]
    elapsed = time.monotonic() - started
    for process in processes:
        process.join()
    done = sum(done for done, _errors in totals)
    return done / max(elapsed, seconds), sum(errors for _done, errors in totals)


# --- Run ---------------------------------------------------------------------------------------


def run(kind: str, args) -> None:
    with fresh_database(kind) as url:
        seed(url)
        statements, sent = round_trips_per_post(url)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "benchmark",
            "PUBLIC_FORM_RATE_LIMIT": "1000000 per minute",
            "PYTHONPATH": ROOT,
        }
        hello_port, lotsen_port = free_port(), free_port()
        hello = start_gunicorn(
            "bench_intake:hello_app()", hello_port, args.workers, env, os.path.join(ROOT, "bench")
        )
        lotsen = start_gunicorn("lotsen:create_app()", lotsen_port, args.workers, env, ROOT)
        rounds = []
        try:
            # Both servers run all along; the load alternates between them, round by round, so
            # that a change in the machine's load hits both rates alike.
            for _round in range(args.rounds):
                floor = load("hello", hello_port, args.clients, args.seconds)
                rate = load("lotsen", lotsen_port, args.clients, args.seconds)
                rounds.append((floor, rate))
        finally:
            stop(hello)
            stop(lotsen)
    ratios = sorted(rate / floor for (floor, _e), (rate, _f) in rounds)
    median = ratios[len(ratios) // 2]
    floor_errors = sum(errors for (_floor, errors), _lotsen in rounds)
    errors = sum(errors for _hello, (_rate, errors) in rounds)
    print(
        f"{kind}: {args.clients} clients, {args.workers} gunicorn workers, "
        f"{args.rounds} rounds of {args.seconds:g} s per app"
    )
    for number, ((floor, _e), (rate, _f)) in enumerate(rounds, start=1):
        print(
            f"  round {number}: hello-world floor {floor:,.1f} requests/s, "
            f"submissions {rate:,.1f} /s (GET form + POST), ratio {rate / floor:.1%}"
        )
    print(f"  submissions / floor = {median:.1%} (median of the rounds)")
    print(f"  errors: {errors} (floor: {floor_errors})")
    print(f"  round trips per POST: {statements}")
    if args.verbose:
        for line in sent:
            print(f"    {line}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per app and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--verbose", action="store_true", help="list the POST's statements")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"), help="unused")
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(kind, args)


if __name__ == "__main__":
    main()
