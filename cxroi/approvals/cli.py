"""``cxroi share`` and ``cxroi verify-audit`` (registered from ``cxroi.app_cli``)."""

from __future__ import annotations

import functools
import sys
from contextlib import AbstractContextManager
from typing import Any

import click
from flask import Flask


def _app() -> AbstractContextManager[Flask]:
    """The app in an app context, closed afterwards (the web app's helper for commands)."""
    from cxroi.app_cli import _app as app_for_commands

    return app_for_commands()


@click.command("share")
@click.argument("case_id", type=int)
@click.option(
    "--scope", type=click.Choice(["view", "approve"]), default="approve", show_default=True
)
@click.option("--to", "to", required=True, help='The recipient, as "Name <email>".')
@click.option(
    "--days", type=int, default=None, help="Days until the link expires (default 14, at most 90)."
)
@click.option(
    "--as",
    "as_email",
    default=None,
    help="Email of the user sharing it (the case owner or a finance user); default the owner.",
)
@click.option(
    "--base-url",
    envvar="CXROI_BASE_URL",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where the app is served (env CXROI_BASE_URL).",
)
def share(
    case_id: int, scope: str, to: str, days: int | None, as_email: str | None, base_url: str
) -> None:
    """Create a shared link to CASE_ID's frozen version: print a view link; mail an approve
    link to its approver (its address is never printed)."""
    with _app() as app:
        saved_base, app.config["BASE_URL"] = app.config["BASE_URL"], base_url
        try:
            _share(case_id, scope, to, days, as_email, base_url)
        finally:
            app.config["BASE_URL"] = saved_base


def _share(
    case_id: int, scope: str, to: str, days: int | None, as_email: str | None, base_url: str
) -> None:
    from cxroi.app_cli import case_and_actor
    from cxroi.approvals import links, tokens
    from cxroi.approvals.errors import DomainError

    case, user = case_and_actor(case_id, as_email)
    try:
        name, email = tokens.parse_recipient(to)
        new = links.create_link(
            case,
            user,
            recipient_name=name,
            recipient_email=email,
            scope=scope,
            expires_in_days=days,
        )
    except (tokens.LinkInputError, DomainError) as exc:
        field = getattr(exc, "field", None)
        option = {"expires_in_days": "--days", "scope": "--scope"}.get(field or "", "--to")
        click.echo(f"{option if field else 'share'}: {exc}", err=True)
        sys.exit(2)
    if new.token is not None:
        click.echo(_link_url(base_url, new.token))
    elif new.mail_error:
        click.echo(
            f"share: the approve link {new.link.id} was created but its mail failed: "
            f"{new.mail_error}. Resend it from the case's links page.",
            err=True,
        )
        sys.exit(1)
    else:
        click.echo(f"approve link mailed to {new.link.recipient}")
    click.echo(
        f"{scope} link for {new.link.recipient} to version {new.link.version.number} "
        f"(hash {new.link.version.short_hash}), expires {new.link.expires_at:%Y-%m-%d}",
        err=True,
    )


@click.command("verify-audit")
def verify_audit() -> None:
    """Check the keyed audit chain, its anchor and every sealed row against it.

    Says it is intact (exit 0), or names the first row that disagrees (table, row,
    column) and what disagrees, then any others (exit 1). Needs CXROI_AUDIT_KEY.
    """
    from cxroi.audit.verify import verify_audit as verify

    with _app():
        report = verify()
        if not report.intact:
            click.echo(str(report), err=True)
            sys.exit(1)
        click.echo(str(report))


def _link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def _after_demo() -> None:
    """Leave the demo's approval cases (approved, ready, in review); say where the mail is."""
    from cxroi import mail
    from cxroi.approvals.demo import prepare_demo_approvals

    with _app():
        prepared = prepare_demo_approvals()
        if prepared is None:
            return
        for line in prepared.lines:
            click.echo(line)
        if mail.uses_outbox():
            click.echo(
                f"Mail (approve links and codes) is in the outbox: {mail.outbox_dir()} "
                "(admin: Outbox page)"
            )
        else:
            click.echo("Mail was sent through CXROI_SMTP_URL.")


def register(group: click.Group) -> None:
    """Add ``share`` and ``verify-audit``; make ``demo`` end with a case ready for approval."""
    group.add_command(share)
    group.add_command(verify_audit)
    demo = group.commands.get("demo")
    if demo is not None and demo.callback is not None:
        load_demo = demo.callback

        @functools.wraps(load_demo)
        def demo_then_ready(*args: Any, **kwargs: Any) -> None:
            load_demo(*args, **kwargs)
            _after_demo()

        demo.callback = demo_then_ready
