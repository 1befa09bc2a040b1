"""Inbound e-mail: deliver a realistic mix into a private Dovecot, then fetch and process it.

    python bench/bench_mail_intake.py --messages 5000 --db both

With --workers N, N worker processes read the mailbox side by side, each its share of the
messages (`fetch-mail --share K/N`), as a busy team would run them.

The mix: 60 % replies to open cases (half by the case's reply address, half by In-Reply-To
only), 30 % new questions, 10 % auto-replies and delivery failure reports; every tenth mail has
a 200 kB PDF attached. Prints messages per second for `fetch-mail` (one pass, the real worker
code), the process's peak RSS, and the time from delivery to visible on the case with the
worker waiting in IDLE.
"""

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty

from common import ROOT, bench_app, fresh_database, peak_rss_mb

sys.path.insert(0, ROOT)

from tests.inbound import mails  # noqa: E402
from tests.inbound.dovecot import start_dovecot  # noqa: E402

OPEN_CASES = 300
LATENCY_SAMPLES = 20
PDF = mails.PDF_HEAD + b"0" * 200_000 + b"\n%%EOF"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def seed_cases(count: int):
    from lotsen.cases import services
    from lotsen.cases.models import Category
    from lotsen.extensions import db
    from lotsen.mail.services import first_message_id
    from tests.factories import UserFactory

    category = Category(name="Övrigt")
    db.session.add(category)
    db.session.flush()
    lead = UserFactory(name="Maja Lots")
    cases = []
    for n in range(count):
        submission = services.Submission(
            submitter_name=f"Företagare {n}",
            subject=f"Fråga {n}",
            description="Vi vill öppna en uteservering. Vad behöver vi söka?",
            category_id=category.id,
            submitter_email=f"foretag{n}@example.se",
        )
        case, _token = services.open_case(submission, lead=lead)
        cases.append(case)
    db.session.commit()
    return [(case.reply_token, first_message_id(case.id), case.submitter_email) for case in cases]


def message(n: int, cases) -> bytes:
    """The n-th mail of the mix."""
    attachments = [("bilaga.pdf", "application", "pdf", PDF)] if n % 10 == 0 else []
    kind = n % 10
    token, thread_root, contact = cases[n % len(cases)]
    if kind < 3:
        body = mails.reply_text(f"Svar {n}.")
        return mails.plain(
            to=mails.reply_address(token), body=body, sender=contact, attachments=attachments
        )
    if kind < 6:
        return mails.plain(
            subject="Re: Svar",
            body=f"Svar {n}.",
            in_reply_to=thread_root,
            sender=contact,
            attachments=attachments,
        )
    if kind < 9:
        return mails.plain(
            sender=f"Ny {n} <ny{n}@foretag.example>",
            subject=f"Ny fråga {n}",
            body=f"Hej!\n\nEn ny fråga, nummer {n}.\n\nMvh",
            attachments=attachments,
        )
    if n % 20 == 9:
        return mails.out_of_office(to=mails.reply_address(token), sender=contact)
    return mails.delivery_failure(contact, thread_root)


def mail_app(url: str, mailbox: dict):
    """The app reading `mailbox` as the team's address, with no sender throttled."""
    app = bench_app(url)
    app.config.update(
        INBOUND_ADDRESS="lotsgruppen@kommun.example",
        INBOUND_MAILBOXES=[mailbox],
        INBOUND_MAX_PER_SENDER_PER_HOUR=10_000,
    )
    return app


def worker_pass(url: str, mailbox: dict, part: int, parts: int, queue) -> None:
    """One `fetch-mail --share part/parts` pass in a process of its own; reports its figures."""
    from lotsen.extensions import db
    from lotsen.inbound.imap import Share, fetch_all

    app = mail_app(url, mailbox)
    with app.app_context():
        cpu_started = cpu_seconds()
        result = fetch_all(share=Share(part, parts))
        db.session.remove()
        queue.put((result.processed, result.failed, result.duplicates,
                   cpu_seconds() - cpu_started, peak_rss_mb()))  # fmt: skip


def fetch_in_processes(url: str, mailbox: dict, workers: int):
    """Run `workers` worker processes at once; returns their summed counts, CPU time and the
    largest RSS."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=worker_pass, args=(url, mailbox, part, workers, queue))
        for part in range(1, workers + 1)
    ]
    for process in processes:
        process.start()
    reports = []
    while len(reports) < workers:
        try:
            reports.append(queue.get(timeout=1))
        except Empty:
            dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if dead:
                raise SystemExit(f"a worker process failed (exit codes {dead})") from None
    for process in processes:
        process.join()
    processed, failed, duplicates, cpu, rss = zip(*reports, strict=True)
    return sum(processed), sum(failed), sum(duplicates), sum(cpu), max(rss)


def run(kind: str, count: int, work: Path, workers: int = 1) -> None:
    from sqlalchemy import func, select

    from lotsen.extensions import db
    from lotsen.inbound.imap import fetch_all, run_worker
    from lotsen.inbound.models import InboundMessage

    server = start_dovecot(work / f"dovecot-{kind}")
    try:
        with fresh_database(kind) as url:
            app = mail_app(url, server.mailbox_settings())
            with app.app_context():
                cases = seed_cases(min(OPEN_CASES, max(count // 10, 5)))
                started = time.perf_counter()
                with server.client() as client:
                    for n in range(count):
                        client.append("INBOX", message(n, cases))
                delivered = time.perf_counter() - started
                db.session.remove()
                started = time.perf_counter()
                if workers == 1:
                    cpu_started = cpu_seconds()
                    result = fetch_all()
                    cpu = cpu_seconds() - cpu_started
                    processed, failed, duplicates = (
                        result.processed, result.failed, result.duplicates)  # fmt: skip
                    worker_rss = peak_rss_mb()
                else:
                    processed, failed, duplicates, cpu, worker_rss = fetch_in_processes(
                        url, server.mailbox_settings(), workers
                    )
                elapsed = time.perf_counter() - started
                db.session.remove()
                outcomes = dict(
                    db.session.execute(
                        select(InboundMessage.outcome, func.count()).group_by(
                            InboundMessage.outcome
                        )
                    ).all()
                )
                db.session.remove()
                print(
                    f"{kind}: {count:,} messages delivered in {delivered:.1f} s; "
                    f"fetched and processed by {workers} worker(s) in {elapsed:.1f} s = "
                    f"{count / elapsed:.0f} msgs/s ({processed} processed, {failed} failed, "
                    f"{duplicates} duplicates)"
                )
                print(
                    f"{kind}: the workers' own CPU time {cpu:.1f} s = {count / cpu:.0f} msgs "
                    "per CPU second (without the database server's and Dovecot's time); "
                    f"a worker's peak RSS {worker_rss:.0f} MB"
                )
                print(f"{kind}: outcomes {dict(sorted(outcomes.items()))}")
                latencies = idle_latencies(app, server, cases, run_worker)
                print(
                    f"{kind}: delivery to visible on the case with IDLE: median "
                    f"{statistics.median(latencies):.2f} s, max {max(latencies):.2f} s "
                    f"({len(latencies)} mails)"
                )
                print(f"{kind}: peak RSS {peak_rss_mb():.0f} MB")
    finally:
        server.stop()


def idle_latencies(app, server, cases, run_worker) -> list[float]:
    """Deliver mails one at a time to a worker waiting in IDLE; time each until it is saved."""
    from sqlalchemy import select

    from lotsen.cases.models import Message
    from lotsen.extensions import db

    worker = threading.Thread(
        target=lambda: (
            app.app_context().push() or run_worker(interval=30, max_passes=LATENCY_SAMPLES + 1)
        ),
        daemon=True,
    )
    worker.start()
    time.sleep(1)  # the first (empty) pass, then IDLE
    latencies = []
    for n in range(LATENCY_SAMPLES):
        token, _root, contact = cases[n % len(cases)]
        message_id = f"<latency-{n}-{time.time_ns()}@example.se>"
        raw = mails.plain(
            to=mails.reply_address(token), sender=contact, body=f"Mätning {n}.",
            message_id=message_id,
        )  # fmt: skip
        started = time.perf_counter()
        server.deliver(raw)
        while True:
            found = db.session.scalar(
                select(Message.id).where(Message.email_message_id == message_id)
            )
            db.session.remove()
            if found or time.perf_counter() - started > 30:
                break
            time.sleep(0.01)
        latencies.append(time.perf_counter() - started)
    worker.join(60)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=1, help="worker processes, side by side")
    parser.add_argument(
        "--out", default=None, help="a new folder for Dovecot (not one private to root)"
    )
    args = parser.parse_args()
    work = Path(args.out or tempfile.mkdtemp(prefix="lotsen-bench-mail-"))
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(kind, args.messages, work, args.workers)


if __name__ == "__main__":
    main()
