"""``cxroi actuals import CASE_ID FILE.csv``: the CSV upload, from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group("actuals")
def actuals() -> None:
    """Actuals of approved cases."""


@actuals.command("import")
@click.argument("case_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "as_email",
    default=None,
    help="Email of the user entering them (finance, the owner or a line's owner); "
    "default the case's owner.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change.")
def import_actuals(case_id: int, file: Path, as_email: str | None, dry_run: bool) -> None:
    """Replace the months in FILE.csv (the page's template) with its actuals. Every problem
    is printed with its row and column, and then nothing is saved."""
    from cxroi.actuals import services
    from cxroi.app_cli import _app, case_and_actor
    from cxroi.errors import DomainError

    with _app():
        _case, user = case_and_actor(case_id, as_email)
        try:
            saved = services.import_csv(user, case_id, file.read_bytes(), commit=not dry_run)
        except services.ActualsRejected as exc:
            for problem in exc.problems:
                click.echo(f"{file.name}: {problem}", err=True)
            click.echo("Nothing was saved.", err=True)
            sys.exit(1)
        except DomainError as exc:
            click.echo(f"actuals import: {exc.message}", err=True)
            sys.exit(1)
        verb = "would change" if dry_run else "changed"
        click.echo(
            f"{', '.join(saved.months)}: {saved.changed} value"
            f"{'s' if saved.changed != 1 else ''} {verb}."
        )
