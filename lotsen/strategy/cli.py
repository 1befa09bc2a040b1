"""`flask lotsen load-strategy`: read a business strategy programme from a JSON file."""

import json

import click

from lotsen.extensions import db
from lotsen.strategy import services


@click.command("load-strategy")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
def load_strategy_command(path):
    """Load goal, sub-goals, strategy areas and targets (default: Lerum's programme)."""
    try:
        data = services.read_programme(path or services.DEFAULT_PROGRAMME_PATH)
        goal = services.load_programme(None, data)
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise click.ClickException(f"Not a valid strategy file: {error}") from error
    if goal is None:
        click.echo("The strategy is already loaded; nothing changed.")
        return
    db.session.commit()
    areas = sum(len(sub_goal.areas) for sub_goal in goal.sub_goals)
    click.echo(
        f"Strategy loaded: {len(goal.sub_goals)} sub-goals, {areas} strategy areas, "
        f"{len(goal.targets)} targets."
    )
