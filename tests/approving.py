"""Going through the real approval flow in tests: an approver in the directory, the
approve link read from its mail, a one-time code asked for and read from the next mail.

Shared by the app tests (mail in the file outbox, ``MAIL_OUTBOX``) and the browser
tests (mail caught by an in-process SMTP server, :class:`SmtpCatcher`). Nothing here
weakens a rule: each decision goes through ``request_code`` and ``decide`` with the code.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any

from cxroi import mail
from cxroi.extensions import db

APPROVER = ("Dana Reyes", "dana@example.com")
CLIENT = {"ip": "203.0.113.9", "user_agent": "Mozilla/5.0 (Sponsor laptop)"}

LINK_IN_MAIL = re.compile(r"https?://[^\s]+/s/([A-Za-z0-9_-]{20,100})")
CODE_IN_SUBJECT = re.compile(r":\s*([0-9]{6})$")


def add_approver(
    name: str = APPROVER[0],
    email: str = APPROVER[1],
    *,
    limit: float = 10_000_000,
    currency: str = "GBP",
    active: bool = True,
) -> Any:
    """A directory entry, written directly (the directory's own service is tested apart)."""
    from cxroi.approvals.approvers import by_email
    from models import Approver

    found = by_email(email)
    if found is not None:
        return found
    approver = Approver(
        name=name, email=email.lower(), limit_amount=limit, currency=currency, active=active
    )
    db.session.add(approver)
    db.session.commit()
    return approver


def newest_mail(to: str, subject_start: str) -> mail.StoredMail:
    """The newest outbox message to ``to`` whose subject starts so."""
    for message in mail.outbox():
        if to.lower() in message.to.lower() and message.subject.startswith(subject_start):
            return message
    raise AssertionError(f"no mail to {to} starting {subject_start!r} in the outbox")


def token_in(body: str) -> str:
    match = LINK_IN_MAIL.search(body)
    assert match, f"no link in the mail:\n{body}"
    return match.group(1)


def code_in(subject: str) -> str:
    match = CODE_IN_SUBJECT.search(subject)
    assert match, f"no code in the subject {subject!r}"
    return match.group(1)


def send_approve_link(case: Any, user: Any, email: str = APPROVER[1], **kw: Any) -> tuple[Any, str]:
    """Mail an approve link to ``email`` (added to the directory if needed); the link and
    the token read from the mail."""
    from cxroi.approvals import links

    approver = add_approver(email=email) if kw.pop("add", True) else None
    new = links.create_link(
        case,
        user,
        recipient_name=approver.name if approver else "Someone",
        recipient_email=email,
        scope="approve",
        **kw,
    )
    assert new.token is None and new.mail_error is None
    return new, token_in(newest_mail(email, "For your approval").body)


def ask_code(token: str, **kw: Any) -> str:
    """Press Decide (the service): a code is mailed; return it as read from the mail."""
    from cxroi.approvals import links

    row = links.request_code(token, **{**CLIENT, **kw})
    return code_in(newest_mail(row.email, "Your code").subject)


def link_of(token: str) -> Any:
    from cxroi.approvals import tokens
    from models.approval import SharedLink

    return db.session.scalar(
        db.select(SharedLink).where(SharedLink.token_hash == tokens.hash_token(token))
    )


def decide_with_code(token: str, decision: str = "approve", **kw: Any) -> Any:
    """The sponsor's whole decision through the service: ask for a code, enter it."""
    from cxroi.approvals import links

    signed_in = kw.pop("signed_in", None)
    code = kw.pop("code", None) or ask_code(token, signed_in=signed_in)
    link = link_of(token)
    args = {
        "decision": decision,
        "name": APPROVER[0],
        "comment": "",
        "version_hash": link.version.case_hash,
        "code": code,
        "signed_in": signed_in,
        **CLIENT,
        **kw,
    }
    return links.decide(token, **args)


def approve_case(case: Any, user: Any, **kw: Any) -> Any:
    """Mail an approve link for a ready case and approve through it with the code."""
    _, token = send_approve_link(case, user)
    return decide_with_code(token, **kw)


# -- a real SMTP server in-process ---------------------------------------------------------


class SmtpCatcher:
    """aiosmtpd on a free loopback port, keeping every message it receives (parsed)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        catcher = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                parsed = BytesParser(policy=default_policy).parsebytes(envelope.content)
                with catcher._lock:
                    catcher.messages.append(parsed)  # type: ignore[arg-type]
                    catcher.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 Message accepted for delivery"

        # aiosmtpd checks its own readiness by connecting, so it needs a real port number.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpCatcher:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def newest(self, to: str, subject_start: str) -> EmailMessage:
        with self._lock:
            for message in reversed(self.messages):
                if to.lower() in str(message["To"]).lower() and mail.header(
                    message, "Subject"
                ).startswith(subject_start):
                    return message
        raise AssertionError(f"no mail to {to} starting {subject_start!r} on the SMTP server")

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


def smtp_catcher() -> Iterator[SmtpCatcher]:
    """For a fixture: a started catcher, stopped afterwards."""
    catcher = SmtpCatcher().start()
    try:
        yield catcher
    finally:
        catcher.stop()
