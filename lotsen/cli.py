"""Operator commands: `flask lotsen …`. They call the same services as the web views."""

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lotsen.accounts import services as accounts
from lotsen.accounts import sso
from lotsen.accounts.models import Role
from lotsen.companies.cli import (
    import_companies_command,
    rebuild_search_index_command,
    run_imports_command,
)
from lotsen.extensions import db
from lotsen.search.cli import index_attachments_command, reindex_search_command
from lotsen.strategy.cli import load_strategy_command
from lotsen.team.cli import generate_meetings_command
from lotsen.timekeeping.cli import recompute_figures_command
from lotsen.webhooks.cli import send_webhooks_command

lotsen_cli = AppGroup("lotsen", help="Lotsen administration commands.")
lotsen_cli.add_command(import_companies_command)
lotsen_cli.add_command(run_imports_command)
lotsen_cli.add_command(rebuild_search_index_command)
lotsen_cli.add_command(recompute_figures_command)
lotsen_cli.add_command(load_strategy_command)
lotsen_cli.add_command(generate_meetings_command)
lotsen_cli.add_command(reindex_search_command)
lotsen_cli.add_command(index_attachments_command)
lotsen_cli.add_command(send_webhooks_command)


@lotsen_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option(help="At least 12 characters.")
def create_admin(email, name, password):
    """Create an administrator account."""
    data = accounts.UserData(email=email, name=name, roles={Role.ADMIN}, departments=[])
    try:
        accounts.create_user(None, data, password=password)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Administrator {accounts.normalise_email(email)} created.")


@lotsen_cli.command("unlink-sso")
@click.argument("email")
def unlink_sso(email):
    """Remove an account's link to the single sign-on provider: its next log-in there finds the
    account by e-mail again (after the provider gave the person a new account)."""
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail address {email}.")
    count = sso.unlink_identities(None, user)
    db.session.commit()
    click.echo(f"{user.email}: {count} single sign-on link(s) removed.")


@lotsen_cli.command("demo-data")
def demo_data():
    """Load demo departments, categories, officials, companies and cases (safe to run twice)."""
    from lotsen.demo import DEMO_PASSWORD, load_demo_data
    from lotsen.demo_cases import load_demo_cases
    from lotsen.strategy.services import load_demo_strategy
    from lotsen.survey.demo import load_demo_answers
    from lotsen.team.demo import load_demo_team
    from lotsen.visits.demo import load_demo_visits

    logins = load_demo_data()
    cases = load_demo_cases()
    load_demo_strategy()
    visits = load_demo_visits()
    load_demo_answers()
    contributions = load_demo_team()
    db.session.commit()
    if cases:
        click.echo(f"{cases} demo cases created.")
    if visits:
        click.echo(f"{visits} demo company visits created.")
    if contributions:
        click.echo(f"{contributions} demo contributions created.")
    click.echo(f"Demo data loaded. Log in with any of these (password: {DEMO_PASSWORD}):")
    for name, email, roles in logins:
        click.echo(f"  {email:38} {name:20} {roles}")


@lotsen_cli.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep running, checking the outbox every few seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@click.option("--max-passes", type=int, default=None, hidden=True)
def send_mail(loop, interval, max_passes):
    """Deliver the e-mail waiting in the outbox (run from cron, or as a loop).

    One run delivers everything that is due. As a loop it survives database and SMTP outages,
    backing off and logging one line per outage."""
    from sqlalchemy.exc import SQLAlchemyError

    from lotsen.mail.services import MailSender, one_line, run_worker

    def report(sent, failed):
        click.echo(f"Outbox: {sent} sent, {failed} failed (will be retried).")

    if loop:
        run_worker(
            interval,
            max_passes=max_passes,
            sleep=time.sleep,
            report=report,
            before_pass=accounts.process_password_reset_requests,
        )
        return
    sender = MailSender(accounts.process_password_reset_requests)
    try:
        sent, failed = sender.run_pass()
    except SQLAlchemyError as error:
        raise click.ClickException(f"Database unavailable: {one_line(error)}") from error
    finally:
        db.session.remove()
    report(sent, failed)
    if sender.outage:
        click.echo(f"SMTP server unavailable: {sender.outage}", err=True)


@lotsen_cli.command("fetch-mail")
@click.option("--loop", is_flag=True, help="Keep running: IDLE where offered, else polling.")
@click.option(
    "--interval",
    type=float,
    default=None,
    help="Seconds between polls (default INBOUND_POLL_SECONDS).",
)
@click.option(
    "--share",
    default="1/1",
    show_default=True,
    help="K/N: take every N-th message (by UID), so N workers can read one mailbox side by side.",
)
@click.option("--max-passes", type=int, default=None, hidden=True)
def fetch_mail(loop, interval, share, max_passes):
    """Read the team's mailboxes (INBOUND_MAILBOXES): replies land in their cases, new mail
    opens cases. Each message is moved to the processed or failed folder once it is saved."""
    from sqlalchemy.exc import SQLAlchemyError

    from lotsen.inbound.imap import (
        CONNECTION_ERRORS,
        MailboxSettingsError,
        Share,
        configured_mailboxes,
        fetch_all,
        run_worker,
    )

    try:
        share = Share.parse(share)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--share") from error

    def report(result):
        click.echo(
            f"Inbound: {result.processed} processed, {result.failed} failed, "
            f"{result.duplicates} already processed."
        )

    try:
        if not configured_mailboxes():
            raise click.ClickException("No mailbox configured (INBOUND_MAILBOXES).")
    except MailboxSettingsError as error:
        raise click.ClickException(f"INBOUND_MAILBOXES: {error}") from error
    if loop:
        run_worker(
            interval or current_app.config["INBOUND_POLL_SECONDS"],
            max_passes=max_passes,
            report=report,
            share=share,
        )
        return
    try:
        result = fetch_all(share=share)
    except SQLAlchemyError as error:
        raise click.ClickException(f"Database unavailable: {type(error).__name__}") from error
    except CONNECTION_ERRORS as error:
        raise click.ClickException(f"Mailbox unavailable: {error}") from error
    finally:
        db.session.remove()
    report(result)


@lotsen_cli.command("escalate")
def escalate():
    """E-mail about cases at risk of missing, or past, a service target (run from cron)."""
    from lotsen.reports.escalation import escalate_due_cases

    result = escalate_due_cases()
    db.session.commit()
    click.echo(f"Escalated: {result.at_risk} at risk, {result.breached} breached.")


@lotsen_cli.command("clean-uploads")
def clean_uploads():
    """Remove expired files kept from failed forms, and stored files no attachment names
    (hourly from cron)."""
    from lotsen.cases.attachments import clean_uploads as clean

    report = clean()
    db.session.commit()
    click.echo(
        f"Removed {report.expired_files} expired pending uploads "
        f"({report.expired_bytes} bytes) and {report.orphans} orphaned files "
        f"({report.orphan_bytes} bytes)."
    )


@lotsen_cli.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def backup_command(target):
    """Back up the database and the uploaded files into the new directory TARGET."""
    from lotsen.backup import BackupError, backup

    try:
        backup(target)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {target}.")


@lotsen_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(source):
    """Restore a backup made by `backup` into the configured database and upload folder."""
    from lotsen.backup import BackupError, restore

    try:
        restore(source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {source}.")


@lotsen_cli.command("show-config")
def show_config():
    """Print the effective configuration, with secrets hidden."""
    hidden = {
        "SECRET_KEY",
        "SMTP_PASSWORD",
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "INBOUND_MAILBOXES",
        "OIDC_CLIENT_SECRET",
    }
    for key in sorted(current_app.config):
        if key.isupper():
            value = "***" if key in hidden else current_app.config[key]
            click.echo(f"{key} = {value!r}")
