"""The web application's commands, added to the ``cxroi`` group by :mod:`cxroi.cli`.

``init-db``      upgrade the database to the latest schema (safe to run twice)
``create-user``  add an account with a role
``demo``         one user per role and several example cases
``serve``        serve the app with waitress
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask


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
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the app with waitress (needs CXROI_SECRET_KEY)."""
    from waitress import serve as waitress_serve

    from cxroi import create_app

    app = create_app()
    click.echo(f"cxroi at http://{host}:{port}/  (Ctrl-C to stop)")
    sys.stdout.flush()
    waitress_serve(app, host=host, port=port, threads=threads)


def register(group: click.Group) -> None:
    for command in (init_db, create_user, demo, serve):
        group.add_command(command)

    from cxroi.approvals.cli import register as register_approvals  # share, verify-audit

    register_approvals(group)

    from cxroi.api.cli import api_token

    group.add_command(api_token)
