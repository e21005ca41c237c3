"""Loading the demo: one user per role, the example cases, passwords to print."""

from __future__ import annotations

import json
import secrets

from cxroi.auth.services import create_user
from cxroi.cases.casefiles import create_from_document
from cxroi.config import ROOT

#: The example cases (our own, in examples/; each a whole cxroi-case/2 document with its
#: narrative and confidences), in the order the demo loads them.
DEMO_FILES = ("delivery-delays", "returns-portal", "sme-onboarding", "contact-centre")

DEMO_USERS = (
    ("cx@example.com", "cx", "Casey Exley (CX lead)"),
    ("finance@example.com", "finance", "Fran Ince (Finance partner)"),
    ("admin@example.com", "admin", "Ada Min (Administrator)"),
)


def load_demo() -> tuple[list[tuple[str, str, str]], list[str]]:
    """Create the demo users and cases; returns ``(email, role, password)`` and titles."""
    accounts = []
    users = {}
    for email, role, name in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        users[role] = create_user(email, role, password, name=name, actor="demo")
        accounts.append((email, role, password))
    documents = [
        json.loads((ROOT / "examples" / f"{name}.json").read_text()) for name in DEMO_FILES
    ]
    titles = []
    for doc in documents:
        titles.append(create_from_document(users["cx"], doc).title)
    return accounts, titles
