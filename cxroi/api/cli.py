"""``cxroi api-token create|list|revoke`` (registered from ``cxroi.app_cli``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click
from flask import Flask

if TYPE_CHECKING:
    from models import User


@contextmanager
def _app() -> Iterator[Flask]:
    from cxroi.app_cli import _app as app_for_commands

    with app_for_commands() as app:
        yield app


def _user(email: str) -> User:
    from sqlalchemy import select

    from cxroi.auth.services import normalise_email
    from cxroi.extensions import db
    from models import User

    user: User | None = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        click.echo(f"error: there is no account {email}", err=True)
        sys.exit(2)
    return user


@click.group("api-token")
def api_token() -> None:
    """Personal tokens for the JSON API (/api/v1)."""


@api_token.command("create")
@click.argument("email")
@click.option("--scope", required=True, type=click.Choice(["read", "write"]))
@click.option("--name", default="command line", show_default=True, help="What will use it.")
def create(email: str, scope: str, name: str) -> None:
    """Make a token for the account EMAIL and print it (shown only this once)."""
    from cxroi.api import tokens

    with _app():
        user = _user(email)
        try:
            row, token = tokens.create_token(user, name, scope, actor="cli")
        except tokens.TokenError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(2)
        click.echo(
            f"token {row.id} ({row.scope}, {row.name!r}) for {user.email} "
            "- shown only now, keep it secret:",
            err=True,
        )
        click.echo(token)


@api_token.command("list")
@click.argument("email")
def list_tokens(email: str) -> None:
    """List the tokens of the account EMAIL (never the tokens themselves)."""
    from cxroi.api import tokens

    with _app():
        user = _user(email)
        for t in tokens.tokens_of(user):
            used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
            state = "revoked" if t.revoked_at else "active"
            click.echo(f"{t.id}\t{t.scope}\t{state}\tlast used {used}\t{t.name}")


@api_token.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke the token TOKEN_ID for good."""
    from cxroi.api import tokens
    from cxroi.errors import NotFound

    with _app():
        try:
            row = tokens.revoke_token("cli", token_id)
        except NotFound:
            click.echo(f"error: there is no token {token_id}", err=True)
            sys.exit(2)
        click.echo(f"token {row.id} ({row.name!r}) revoked")
