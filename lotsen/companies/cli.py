"""`flask lotsen import-companies` and `flask lotsen run-imports`: the same services as the web."""

import os
import sys
import time

import click

from lotsen.companies import importer
from lotsen.companies.models import IMPORT_FORMATS, ImportRun, ImportStatus
from lotsen.companies.orgnr import mask_personal_numbers
from lotsen.companies.parsers import RegisterFileError
from lotsen.companies.services import split_list
from lotsen.db_types import utcnow
from lotsen.extensions import db


class ProgressBar:
    """Feeds the importer's fraction done into a click progress bar of 100 steps."""

    def __init__(self, bar):
        self.bar = bar
        self.shown = 0

    def __call__(self, fraction: float, summary) -> None:
        step = int(fraction * 100)
        if step > self.shown:
            self.bar.update(step - self.shown)
            self.shown = step


@click.command("import-companies")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), required=True)
@click.option("--only-postcodes", default="", help="Comma-separated, e.g. 44330,44331.")
@click.option("--only-towns", default="", help="Comma-separated, e.g. Lerum,Alingsås.")
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write rejected rows (default: FILE.avvisade.csv).",
)
@click.option("--batch-size", default=importer.BATCH_SIZE, show_default=True, hidden=True)
def import_companies_command(file, fmt, only_postcodes, only_towns, rejects_path, batch_size):
    """Import a company register file (Bolagsverket, SCB or plain CSV)."""
    path = os.path.abspath(file)
    run = ImportRun(
        file_name=os.path.basename(path),
        stored_path=path,
        format=fmt,
        only_postcodes=split_list(only_postcodes),
        only_towns=split_list(only_towns),
        status=ImportStatus.RUNNING,
        started_at=utcnow(),
    )
    db.session.add(run)
    db.session.commit()
    try:
        with click.progressbar(length=100, label="Importing", file=sys.stderr) as bar:
            summary = importer.import_companies(
                path,
                fmt,
                only_postcodes=run.only_postcodes,
                only_towns=run.only_towns,
                progress=ProgressBar(bar),
                run=run,
                rejects_path=rejects_path,
                batch_size=batch_size,
            )
    except RegisterFileError as error:
        db.session.rollback()
        importer.finish_run(run, ImportStatus.FAILED, mask_personal_numbers(str(error)))
        raise click.ClickException(f"Nothing was imported: {error}") from error
    except Exception:
        db.session.rollback()
        importer.finish_run(run, ImportStatus.FAILED, "Inläsningen avbröts av ett oväntat fel.")
        raise
    importer.finish_run(run, ImportStatus.DONE, None)
    click.echo(f"Companies: {summary.line()}.")
    if summary.reject_path:
        click.echo(f"Rejected rows are listed in {summary.reject_path}")


@click.command("run-imports")
@click.option("--loop", is_flag=True, help="Keep running, looking for queued imports.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between looks.")
@click.option("--max-passes", type=int, default=None, hidden=True)
def run_imports_command(loop, interval, max_passes):
    """Run the imports queued from the upload page (cron, or a loop)."""
    passes = 0
    while True:
        done = importer.run_queued_imports()
        db.session.remove()
        if done or not loop:
            click.echo(f"Imports: {done} run.")
        passes += 1
        if not loop or (max_passes is not None and passes >= max_passes):
            break
        time.sleep(interval)


@click.command("rebuild-search-index")
def rebuild_search_index_command():
    """Build the company search index again from the registry, and any list index a killed
    import left out."""
    started = time.perf_counter()
    importer.finish_bulk_load()
    importer.refresh_planner_statistics()
    click.echo(f"Search index rebuilt in {time.perf_counter() - started:.1f} s.")
