"""`flask lotsen reindex-search` and `flask lotsen index-attachments`."""

import time

import click

from lotsen.extensions import db
from lotsen.search import index, services


@click.command("reindex-search")
@click.option("--batch-size", default=index.REINDEX_BATCH, show_default=True, type=int)
def reindex_search_command(batch_size):
    """Rebuild the case search index from every case (commits after each batch)."""
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        db.session.commit()
        click.echo(f"{done}/{total} cases indexed ({time.perf_counter() - started:.1f} s)")

    count = index.reindex_all(db.session, batch_size=max(1, min(batch_size, 10_000)),
                              progress=progress)  # fmt: skip
    db.session.commit()
    click.echo(f"Done: {count} cases in {time.perf_counter() - started:.1f} s.")


@click.command("index-attachments")
@click.option("--batch-size", default=20, show_default=True, type=int)
@click.option("--loop/--once", default=False, help="Keep polling for new attachments.")
@click.option("--interval", default=30, show_default=True, type=int, help="Seconds between polls.")
def index_attachments_command(batch_size, loop, interval):
    """Extract the text of PDF and Office attachments that have none yet (run it from cron,
    or with --loop as a worker); the cases are re-indexed at each commit."""
    total = 0
    while True:
        handled = services.index_attachments(max(1, min(batch_size, 500)))
        db.session.commit()
        total += handled
        if handled:
            click.echo(f"{total} attachment(s) read.")
            continue
        if not loop:
            break
        time.sleep(max(1, interval))
    click.echo(f"Done: {total} attachment(s) read.")
