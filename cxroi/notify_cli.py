"""``cxroi notify send [--digest]``: mail what is waiting (run the digest daily from cron)."""

from __future__ import annotations

import sys

import click


@click.group("notify")
def notify_group() -> None:
    """Notifications by mail."""


@notify_group.command("send")
@click.option(
    "--digest",
    is_flag=True,
    help="Also send the daily digests (run once a day, e.g. from cron at 07:00).",
)
def send(digest: bool) -> None:
    """Mail immediate notifications not yet handed over (a retry), and with --digest one
    digest to each person who chose a daily mail."""
    from cxroi import mail, notify
    from cxroi.app_cli import _app

    with _app():
        try:
            sent = notify.send_immediate()
            digests = notify.send_digests() if digest else 0
        except mail.MailError as exc:
            click.echo(
                f"Mail could not be handed over: {exc}. What was not sent is kept.", err=True
            )
            sys.exit(1)
    click.echo(f"{sent} notification mail(s) sent; {digests} digest(s) sent.")
