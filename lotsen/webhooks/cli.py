"""`flask lotsen send-webhooks [--loop]`: deliver the queued webhooks (cron, or a worker)."""

import time

import click
from sqlalchemy.exc import SQLAlchemyError

from lotsen.extensions import db
from lotsen.mail.services import one_line
from lotsen.webhooks.delivery import WebhookSender, run_worker


def report(delivered: int, failed: int) -> None:
    click.echo(f"Webhooks: {delivered} delivered, {failed} failed attempts (retried as scheduled).")


@click.command("send-webhooks")
@click.option("--loop", is_flag=True, help="Keep running, checking for due deliveries.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@click.option("--max-passes", type=int, default=None, hidden=True)
def send_webhooks_command(loop, interval, max_passes):
    """Deliver the webhooks that are due (run from cron, or as a loop).

    One run attempts everything due, then exits. As a loop it survives database outages,
    backing off and logging one line per outage. Several may run at once."""
    if loop:
        run_worker(interval, max_passes=max_passes, sleep=time.sleep, report=report)
        return
    try:
        delivered, failed = WebhookSender().run_pass()
    except SQLAlchemyError as error:
        raise click.ClickException(f"Database unavailable: {one_line(error)}") from error
    finally:
        db.session.remove()
    report(delivered, failed)
