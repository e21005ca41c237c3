"""Loading the demo: one user per role, the example cases, passwords to print."""

from __future__ import annotations

import json
import secrets

from cxroi.audit.services import record_change
from cxroi.auth.services import create_user
from cxroi.cases.services import import_case, update_case
from cxroi.config import ROOT
from cxroi.demo_cases import APP_FIELDS, CONFIDENCE, DEMO_FILES
from cxroi.extensions import db

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
        case = import_case(users["cx"], json.dumps(doc).encode())
        extra = APP_FIELDS.get(case.title)
        if extra:
            header = {"customer_problem": extra["customer_problem"], "evidence": extra["evidence"]}
            case = update_case(users["cx"], case.id, case.lock_version, header)
        for row in case.assumptions:
            if row.key in CONFIDENCE:
                record_change(
                    actor="demo",
                    entity="assumption",
                    entity_id=row.id,
                    action="update",
                    case_id=case.id,
                    field="confidence",
                    old=row.confidence,
                    new=CONFIDENCE[row.key],
                )
                row.confidence = CONFIDENCE[row.key]
        db.session.commit()
        titles.append(case.title)
    return accounts, titles
