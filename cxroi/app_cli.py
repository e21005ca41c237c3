"""The web application's commands, added to the ``cxroi`` group by :mod:`cxroi.cli`.

``init-db``      upgrade the database to the latest schema (safe to run twice)
``create-user``  add an account with a role
``demo``         one user per role and several example cases
``serve``        serve the app with gunicorn (``--workers N``)
``worker``       run the Monte Carlo jobs queued on Redis
``backup``       write the whole database to a file
``restore``      replace the database with a backup file
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask

if TYPE_CHECKING:  # pragma: no cover
    from models import Case, User


@contextmanager
def _app() -> Iterator[Flask]:
    """The app in an app context; its database connections are closed afterwards."""
    from cxroi import create_app
    from cxroi.config import ConfigError
    from cxroi.extensions import db

    # Maintenance commands sign nothing: a throw-away key is enough when none is set.
    try:
        app = create_app(
            {"SECRET_KEY": os.environ.get("CXROI_SECRET_KEY") or secrets.token_hex(16)}
        )
    except ConfigError as exc:  # e.g. no CXROI_AUDIT_KEY: say what to set, no traceback
        raise click.ClickException(str(exc)) from None
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def case_and_actor(case_id: int, as_email: str | None) -> tuple[Case, User]:
    """A command's case and who acts on it (``--as``: an account's email; default the
    case's owner); either missing is a message and exit status 2."""
    from sqlalchemy import select

    from cxroi.extensions import db
    from models import Case, User

    case = db.session.get(Case, case_id)
    if case is None:
        click.echo(f"There is no case {case_id}.", err=True)
        sys.exit(2)
    user = (
        db.session.scalar(select(User).where(User.email == as_email.strip().lower()))
        if as_email
        else case.owner
    )
    if user is None:
        click.echo(f"There is no user {as_email}.", err=True)
        sys.exit(2)
    return case, user


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    from cxroi.extensions import db
    from cxroi.migrate import upgrade_to_head

    with _app() as app:
        upgrade_to_head(app)
        click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["cx", "finance", "admin"]))
@click.option("--name", default="", help="Full name shown in the app.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Add an account EMAIL with ROLE (the password is prompted for)."""
    from cxroi.auth.services import UserError
    from cxroi.auth.services import create_user as create

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _app():
        try:
            user = create(email, role, password, name=name, actor="cli")
        except UserError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(2)
        click.echo(f"created {user.email} ({user.role})")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def demo(if_empty: bool) -> None:
    """Create one user per role and several example cases; print the passwords."""
    from cxroi.auth.services import count_users
    from cxroi.demo import load_demo

    with _app():
        if if_empty and count_users() > 0:
            click.echo(
                "database already has users: demo not loaded "
                "(add an account with: cxroi create-user EMAIL --role cx)"
            )
            return
        accounts, cases = load_demo()
    click.echo("Demo accounts (sign in at /login):")
    for email, role, password in accounts:
        click.echo(f"  {role:8} {email:28} password: {password}")
    click.echo(f"Demo cases: {len(cases)}")
    for title in cases:
        click.echo(f"  - {title}")


@click.command("serve")
@click.option(
    "--bind",
    default=None,
    help="HOST:PORT to listen on (default 127.0.0.1:5000; --host/--port set it too).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes; more than 1 needs CXROI_REDIS_URL.",
)
@click.option(
    "--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="per worker"
)
@click.option("--timeout", default=60, show_default=True, type=int, help="seconds per request")
def serve(bind: str | None, host: str, port: int, workers: int, threads: int, timeout: int) -> None:
    """Serve the app with gunicorn (needs CXROI_SECRET_KEY).

    Each worker process builds the app after the fork, with its BLAS/OpenMP threads
    pinned to one. Several workers share rate limits and simulations through Redis
    (CXROI_REDIS_URL), and run its simulations with ``cxroi worker``.
    """
    from cxroi.gunicorn import serve_app

    if workers > 1 and not os.environ.get("CXROI_REDIS_URL"):
        click.echo(
            "error: --workers above 1 needs CXROI_REDIS_URL (e.g. redis://127.0.0.1:6379/0): "
            "without it each worker would keep its own rate limits and simulations. "
            "Start Redis and set it, or serve with --workers 1.",
            err=True,
        )
        sys.exit(2)
    address = bind or f"{host}:{port}"
    click.echo(f"cxroi at http://{address}/  ({workers} worker(s); Ctrl-C to stop)")
    sys.stdout.flush()
    serve_app(address, workers=workers, threads=threads, timeout=timeout)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued simulations, then stop.")
def worker(burst: bool) -> None:
    """Run Monte Carlo simulations queued on Redis (needs CXROI_REDIS_URL).

    Start as many as you have cores to spare; each pins its BLAS/OpenMP threads to one.
    """
    from cxroi.threads import pin

    pin()
    url = os.environ.get("CXROI_REDIS_URL")
    if not url:
        click.echo(
            "error: CXROI_REDIS_URL is not set. Without Redis, simulations run inside "
            "`cxroi serve` and need no worker.",
            err=True,
        )
        sys.exit(2)
    from rq import SimpleWorker

    from cxroi import create_app
    from cxroi.simulations.runners import QUEUE_NAME, redis_connection

    app = create_app()
    connection = redis_connection(url)
    click.echo(f"cxroi worker on {QUEUE_NAME} ({'burst' if burst else 'Ctrl-C to stop'})")
    sys.stdout.flush()
    with app.app_context():
        # A SimpleWorker runs each job in this process: the app and numpy are loaded
        # once, and no database pool is shared across a fork.
        SimpleWorker([QUEUE_NAME], connection=connection).work(burst=burst)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write the whole database to FILE (pg_dump on PostgreSQL, a copy of SQLite's file)."""
    from cxroi.backup import BackupError, shown_url
    from cxroi.backup import backup as write_backup
    from cxroi.extensions import db

    with _app():
        url = db.engine.url
    try:
        write_backup(url, file)
    except BackupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"backed up {shown_url(url)} to {file} ({file.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that is not empty.")
def restore(file: Path, force: bool) -> None:
    """Replace the database with the backup FILE (stop the app's servers first).

    A database that has rows is only overwritten with --force.
    """
    from cxroi.backup import BackupError, shown_url
    from cxroi.backup import restore as read_backup
    from cxroi.extensions import db

    with _app():
        url = db.engine.url
        try:
            read_backup(url, file, force=force, engine=lambda: db.engine)
        except BackupError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        finally:
            db.engine.dispose()  # SQLite: no connection of ours stays open on the old file
        anchored = _anchor_restored_chain()
    click.echo(
        f"restored {file} into {shown_url(url)}; {anchored}; run `cxroi init-db` if the "
        "backup comes from an older version of cxroi"
    )


def _anchor_restored_chain() -> str:
    """Anchor the restored chain's head (this installation's anchor held the replaced
    database's head), once the chain verifies under this installation's key."""
    from flask import current_app
    from sqlalchemy import select

    from cxroi.approvals.ledger import verify_ledger
    from cxroi.audit.anchor import Anchor, write_anchor
    from cxroi.extensions import db
    from models.approval import ChainEntry

    report = verify_ledger()
    if not report.intact:
        return (
            f"the restored audit chain does NOT verify under this key ({report.reason}); "
            "the anchor was left as it was: run `cxroi verify-audit`"
        )
    head = db.session.execute(
        select(ChainEntry.seq, ChainEntry.hash).order_by(ChainEntry.seq.desc()).limit(1)
    ).first()
    db.session.remove()
    if head is None:
        return "the backup has no audit chain to anchor"
    write_anchor(Path(current_app.config["AUDIT_ANCHOR_PATH"]), Anchor(*head), force=True)
    return f"its audit chain verifies and is anchored at entry {head[0]}"


def register(group: click.Group) -> None:
    for command in (init_db, create_user, demo, serve, worker, backup, restore):
        group.add_command(command)

    from cxroi.approvals.cli import register as register_approvals  # share, verify-audit

    register_approvals(group)

    from cxroi.api.cli import api_token

    group.add_command(api_token)

    from cxroi.actuals.cli import actuals  # actuals import (issue 12)

    group.add_command(actuals)

    from cxroi.notify_cli import notify_group  # notify send [--digest] (issue 14)

    group.add_command(notify_group)

    from cxroi.council.cli import register as register_council  # realisation, council-pack

    register_council(group)
