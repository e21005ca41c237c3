"""Sending mail: through SMTP when ``CXROI_SMTP_URL`` is set, else to a file outbox.

``smtp://user:pass@host:587``  plain SMTP, upgraded with STARTTLS when the server offers
                               it (a password is never sent unencrypted to another host);
``smtps://user:pass@host:465`` SMTP over implicit TLS.

Unset (as in development and the demo), each message is written atomically as one
``.eml`` file under ``instance/outbox/`` (``MAIL_OUTBOX``), which administrators read on
the Outbox page. Callers send *after* their transaction commits, so a request that
rolls back sends nothing; a failure raises :class:`MailError` with a reason to show.
"""

from __future__ import annotations

import os
import re
import secrets
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

SMTP_TIMEOUT = 15  # seconds
_OUTBOX_NAME = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{8}\.eml$")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class MailError(RuntimeError):
    """The message could not be handed over; the text says why, without secrets."""


@dataclass(frozen=True, slots=True)
class Mail:
    to_name: str
    to_email: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    implicit_tls: bool
    host: str
    port: int
    username: str
    password: str

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://user:pass@host:587`` → its parts; MailError for another scheme.

    >>> t = parse_smtp_url("smtp://me%40x.org:p%3Ass@mail.example.com:587")
    >>> (t.implicit_tls, t.host, t.port, t.username, t.password)
    (False, 'mail.example.com', 587, 'me@x.org', 'p:ss')
    >>> parse_smtp_url("smtps://mail.example.com").port
    465
    """
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError("CXROI_SMTP_URL must look like smtp://user:pass@host:587 or smtps://…")
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 587)
    except ValueError:
        raise MailError("CXROI_SMTP_URL has a port that is not a number") from None
    return SmtpTarget(
        implicit,
        parts.hostname,
        port,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
    )


def outbox_dir() -> Path:
    return Path(current_app.config["MAIL_OUTBOX"])


def uses_outbox() -> bool:
    """True when mail goes to the file outbox (no SMTP server configured)."""
    return not current_app.config.get("SMTP_URL")


def build(mail: Mail) -> EmailMessage:
    message = EmailMessage()
    sender = current_app.config["MAIL_FROM"]
    message["From"] = sender
    message["To"] = formataddr((mail.to_name, mail.to_email))
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].partition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    return message


def send(mail: Mail) -> str:
    """Hand ``mail`` over; returns where it went (``smtp host:port`` or the outbox file)."""
    message = build(mail)
    url = current_app.config.get("SMTP_URL")
    if url:
        target = parse_smtp_url(url)
        _send_smtp(target, message)
        return f"smtp {target.where}"
    return f"outbox {_write_outbox(message).name}"


def _send_smtp(target: SmtpTarget, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if target.implicit_tls:
            smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT)
        with smtp:
            smtp.ehlo()
            encrypted = target.implicit_tls
            if not encrypted and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
                encrypted = True
            if target.username:
                if not encrypted and target.host not in _LOOPBACK:
                    raise MailError(
                        f"the mail server {target.where} offers no TLS: the password was not sent"
                    )
                smtp.login(target.username, target.password)
            smtp.send_message(message)
    except MailError:
        raise
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"the mail server {target.where} refused or did not answer: {exc}") from exc


def _write_outbox(message: EmailMessage) -> Path:
    """Write the message as one .eml file, atomically (a reader never sees half a file)."""
    folder = outbox_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(message.as_bytes())
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, folder / name)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise MailError(f"the outbox {folder} cannot be written: {exc.strerror}") from exc
    return folder / name


@dataclass(frozen=True, slots=True)
class StoredMail:
    name: str
    sender: str
    to: str
    subject: str
    date: str
    body: str


def _read(path: Path) -> StoredMail:
    with path.open("rb") as handle:
        message = BytesParser(policy=default_policy).parse(handle)
    part = message.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    return StoredMail(
        path.name,
        header(message, "From"),
        header(message, "To"),
        header(message, "Subject"),
        header(message, "Date"),
        str(body),
    )


def header(message: EmailMessage | Message, name: str) -> str:
    """A header's value, unfolded (a subject folded right after its colon reads cleanly)."""
    return " ".join(str(message.get(name, "")).split())


def outbox(limit: int = 200) -> list[StoredMail]:
    """The outbox's messages, newest first."""
    folder = outbox_dir()
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if _OUTBOX_NAME.match(p.name)), reverse=True)
    return [_read(folder / n) for n in names[:limit]]


def outbox_message(name: str) -> StoredMail | None:
    """One outbox message by its file name; None for a name that is not one (no paths)."""
    if not _OUTBOX_NAME.match(name):
        return None
    path = outbox_dir() / name
    return _read(path) if path.is_file() else None
