"""The approval part of ``cxroi demo``: an approver directory and three cases that show
the real flow (nothing here takes a shortcut round the rules):

- one approved by an approver from the directory, through the mailed link and the
  one-time code, both read back from the outbox;
- one ready for approval, its approve link waiting in the outbox;
- one in finance review, with an open challenge.

Only the outbox is read, so with an SMTP server configured the first case is left
ready for approval (its mail went to the real address).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from cxroi import mail
from cxroi.approvals import approvers, links, review
from cxroi.approvals.steps import take_case_step
from cxroi.extensions import db
from cxroi.workflow import DRAFT
from models import Case, User

#: (name, email, authority limit, currency)
DEMO_APPROVERS = (
    ("Sam Sponsor", "sponsor@example.com", 1_000_000, "GBP"),
    ("Morgan Board", "board@example.com", 5_000_000, "GBP"),
    ("Elena Ruiz", "elena@example.com", 750_000, "EUR"),
    ("Pat Deputy", "deputy@example.com", 250_000, "GBP"),
)
#: The demo's cases by title word: approved, ready for approval, in review.
APPROVED_CASE, READY_CASE, IN_REVIEW_CASE = "returns", "onboarding", "parcel"
DEMO_IP, DEMO_AGENT = "127.0.0.1", "cxroi demo"

_LINK = re.compile(r"/s/([A-Za-z0-9_-]{20,100})")
_CODE = re.compile(r"code to decide on .*?:\s*([0-9]{6})", re.S)


@dataclass
class DemoApprovals:
    lines: list[str] = field(default_factory=list)


def _newest_mail_to(email: str, subject_start: str) -> mail.StoredMail:
    for message in mail.outbox():
        if email in message.to and message.subject.startswith(subject_start):
            return message
    raise LookupError(f"no mail to {email} starting {subject_start!r} in the outbox")


def _case(word: str) -> Case | None:
    return db.session.scalar(
        select(Case).where(Case.title.ilike(f"%{word}%"), Case.status == DRAFT).order_by(Case.id)
    )


def _to_ready(case: Case, cx: User, finance: User) -> None:
    take_case_step(case, "submit", cx, note="demo")
    review.accept_items(case, finance, [item.id for item in review.items_of(case)])
    take_case_step(case, "sign_off", finance, note="demo")


def prepare_demo_approvals() -> DemoApprovals | None:
    """Build the directory and the three cases; None when the demo ran before."""
    cx = db.session.scalar(select(User).where(User.role == "cx").order_by(User.id))
    finance = db.session.scalar(select(User).where(User.role == "finance").order_by(User.id))
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    if cx is None or finance is None or admin is None:
        return None
    if db.session.scalar(select(Case.id).where(Case.status != DRAFT).limit(1)) is not None:
        return None
    out = DemoApprovals()
    for name, email, limit, currency in DEMO_APPROVERS:
        if approvers.by_email(email) is None:
            approvers.add_approver(
                admin, name=name, email=email, limit_amount=limit, currency=currency
            )
    out.lines.append(f"Approver directory: {len(DEMO_APPROVERS)} approvers (admin: Approvers).")

    approved, ready, in_review = (_case(w) for w in (APPROVED_CASE, READY_CASE, IN_REVIEW_CASE))
    if approved is not None:
        _to_ready(approved, cx, finance)
        sam = DEMO_APPROVERS[0]
        new = links.create_link(
            approved, cx, recipient_name=sam[0], recipient_email=sam[1], scope="approve"
        )
        if new.mail_error is None and mail.uses_outbox():
            # The sponsor's part, as they would do it: the link and the code from their mail.
            body = _newest_mail_to(sam[1], "For your approval").body
            token = _LINK.search(body)
            assert token is not None
            links.request_code(token.group(1), ip=DEMO_IP, user_agent=DEMO_AGENT)
            code = _CODE.search(_newest_mail_to(sam[1], "Your code").subject)
            assert code is not None
            links.decide(
                token.group(1),
                decision="approve",
                name=sam[0],
                comment="Approved in the demo: report the returns rate monthly.",
                version_hash=new.link.version.case_hash,
                code=code.group(1),
                ip=DEMO_IP,
                user_agent=DEMO_AGENT,
            )
        out.lines.append(
            f"{approved.status_label}: {approved.title} (by {sam[0]}, code verified by mail)"
        )
    if ready is not None:
        _to_ready(ready, cx, finance)
        board = DEMO_APPROVERS[1]
        links.create_link(
            ready, cx, recipient_name=board[0], recipient_email=board[1], scope="approve"
        )
        out.lines.append(
            f"{ready.status_label}: {ready.title} (approve link mailed to {board[0]} <{board[1]}>)"
        )
    if in_review is not None:
        take_case_step(in_review, "submit", cx, note="demo")
        first = in_review.assumptions[0]
        review.review_assumption(
            in_review,
            first.key,
            "challenged",
            finance,
            f"What evidence supports {first.label.lower()}? A pilot or a benchmark, please.",
        )
        out.lines.append(
            f"{in_review.status_label}: {in_review.title} (finance challenged {first.key})"
        )
    return out
