"""A database in use, made through the app's services before the server starts.

Accounts ``load<n>@example.com`` (CX, one API write token each) and a finance user; one
draft case per simulated user (it edits only its own, so its saves never collide); one
case per account signed off by finance, with a view link for the sponsor page.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from cxroi.api.tokens import create_token
from cxroi.approvals import links, review
from cxroi.approvals.steps import take_case_step
from cxroi.auth.services import create_user
from cxroi.cases.casefiles import create_from_document
from cxroi.extensions import db
from cxroi.migrate import upgrade_to_head
from tests.appsupport import PASSWORD, anchor_for, example_document, make_app
from tests.reliability.server import server_env
from tests.support import ROOT


@dataclass(frozen=True)
class Account:
    email: str
    api_token: str
    frozen_case: int  # signed off, owned by this account
    view_token: str  # a view link to it


@dataclass(frozen=True)
class Seeded:
    accounts: list[Account]
    drafts: list[int]  # the draft case of simulated user i, owned by account i % len

    def account_of(self, user: int) -> Account:
        return self.accounts[user % len(self.accounts)]


def seed(url: str, *, users: int, accounts: int) -> Seeded:
    """Migrate the empty database at ``url`` to head and fill it."""
    app = make_app(url, MC_TRIALS=200, AUDIT_ANCHOR_PATH=str(anchor_for(url)))
    upgrade_to_head(app)
    try:
        with app.app_context():
            finance = create_user("fran@example.com", "finance", PASSWORD, actor="seed")
            cx = [
                create_user(f"load{n}@example.com", "cx", PASSWORD, actor="seed")
                for n in range(accounts)
            ]
            made = []
            for n, owner in enumerate(cx):
                case = create_from_document(owner, _document(f"Signed-off case {n}"))
                take_case_step(case, "submit", owner, note="seed")
                review.accept_items(case, finance, [item.id for item in review.items_of(case)])
                take_case_step(case, "sign_off", finance, note="seed")
                link = links.create_link(
                    case,
                    owner,
                    recipient_name="Sam Sponsor",
                    recipient_email=f"sponsor{n}@example.com",
                    scope="view",
                )
                _, token = create_token(owner, "load test", "write")
                made.append(Account(owner.email, token, case.id, link.token))
            drafts = [
                create_from_document(cx[i % accounts], _document(f"Load case {i}")).id
                for i in range(users)
            ]
            db.session.remove()
            return Seeded(made, drafts)
    finally:
        with app.app_context():
            db.engine.dispose()


def _document(title: str) -> dict[str, Any]:
    return {**example_document("contact-centre"), "title": title}


def verify_audit(database_url: str, redis_url: str) -> subprocess.CompletedProcess[str]:
    """``cxroi verify-audit`` on the database, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "cxroi", "verify-audit"],
        cwd=ROOT,
        env=server_env(database_url, redis_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
