"""`flask lotsen recompute-figures`: recompute every case after a calendar or target change."""

import click

from lotsen.extensions import db
from lotsen.timekeeping.services import count_cases, recompute_figures_in_batches


@click.command("recompute-figures")
@click.option(
    "--batch",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Cases per transaction.",
)
def recompute_figures_command(batch):
    """Recompute the working-time figures of every case (streamed, committed per batch)."""
    total = count_cases()
    click.echo(f"Recomputing the figures of {total} cases in batches of {batch}.")
    done = 0
    for done in recompute_figures_in_batches(batch_size=batch):  # noqa: B007
        db.session.commit()
        db.session.expunge_all()
        click.echo(f"  {done}/{total} cases ({done * 100 // max(total, 1)} %)")
    click.echo(f"Done: {done} cases recomputed.")
