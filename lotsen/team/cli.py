"""`flask lotsen generate-meetings`: the next meeting of every recurring series (run daily)."""

import click

from lotsen.extensions import db
from lotsen.team.meetings import generate_meetings


@click.command("generate-meetings")
def generate_meetings_command():
    """Create the next meeting of every active series; safe to run any number of times."""
    created = generate_meetings()
    db.session.commit()
    for meeting in created:
        click.echo(f"Created {meeting.title} {meeting.on_date.isoformat()}.")
    click.echo(f"{len(created)} meeting(s) created.")
