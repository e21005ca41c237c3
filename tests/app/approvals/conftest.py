"""Fixtures for the review-and-approval tests: one user per role and the example case
loaded as rows, on the suite's app and database (``tests/app/conftest.py``: SQLite, or
PostgreSQL when ``CXROI_TEST_DATABASE_URL`` is set; tables emptied after each test).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient

from cxroi.extensions import db
from tests.support import EXAMPLES_DIR

PASSWORD = "correct horse battery"
CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


class FreshUserClient(FlaskClient):
    """A test client that does not see another client's signed-in user.

    Tests hold an app context open, and Flask reuses it for requests, so ``g`` (where
    Flask-Login caches the user and Flask-WTF the CSRF token) would be shared between
    the CX's, finance's and the sponsor's clients.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if has_app_context():
            for name in list(g):
                g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _approval_settings(app: Flask) -> Iterator[None]:
    """The suite's app, with CSRF on (the sponsor's forms must carry a token) and a test
    client that keeps each signed-in browser apart."""
    saved = app.config["WTF_CSRF_ENABLED"], app.test_client_class
    app.config["WTF_CSRF_ENABLED"] = True
    app.test_client_class = FreshUserClient
    yield
    app.config["WTF_CSRF_ENABLED"], app.test_client_class = saved


def make_user(email: str, role: str, name: str = "") -> Any:
    from models import User

    user = User(
        email=email, name=name, role=role, password_hash=PasswordHasher(**CHEAP).hash(PASSWORD)
    )
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def users(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "cx": make_user("cx@example.com", "cx", "Casey Author"),
        "cx2": make_user("cx2@example.com", "cx", "Other Author"),
        "finance": make_user("fin@example.com", "finance", "Fran Finance"),
        "admin": make_user("admin@example.com", "admin", "Ada Admin"),
    }


def load_example_case(owner: Any, name: str = "contact-centre.json") -> Any:
    """The example case as rows (as the editor would have saved it), priced and stored."""
    from cxroi.engine import analyse, case_hash, load_case, result_to_dict
    from models import AssumptionRow, BenefitLineRow, Case, CostLineRow, ScenarioRow

    doc = json.loads((EXAMPLES_DIR / name).read_text())
    case = Case(
        owner_id=owner.id,
        title=doc["title"],
        description=doc.get("description"),
        currency=doc["currency"],
        start_month=doc["start_month"],
        horizon_months=doc["horizon_months"],
        discount_rate=doc["discount_rate"],
        status="draft",
    )
    for i, a in enumerate(doc["assumptions"]):
        case.assumptions.append(
            AssumptionRow(
                position=i,
                **{k: a.get(k) for k in ("key", "label", "value", "unit", "low", "high")},
                source=a.get("source"),
                owner=a.get("owner"),
                notes=a.get("notes"),
            )
        )
    timing = ("month", "start_month", "end_month")
    for i, c in enumerate(doc["costs"]):
        fixed = ("name", "category", "department", "recurrence", *timing)
        case.costs.append(
            CostLineRow(
                position=i,
                **{k: c.get(k) for k in fixed},
                params={k: v for k, v in c.items() if k not in fixed},
            )
        )
    for i, b in enumerate(doc["benefits"]):
        fixed = ("name", "kind", "ramp_start", "ramp_months")
        case.benefits.append(
            BenefitLineRow(
                position=i,
                name=b["name"],
                kind=b["kind"],
                ramp_start=b.get("ramp_start", 1),
                ramp_months=b.get("ramp_months", 0),
                params={k: v for k, v in b.items() if k not in fixed},
            )
        )
    for i, s in enumerate(doc.get("scenarios", [])):
        case.scenarios.append(ScenarioRow(position=i, name=s["name"], overrides=s["overrides"]))
    db.session.add(case)
    db.session.flush()
    case_file = load_case(case.to_case_document())
    case.result = result_to_dict(analyse(case_file, trials=200))
    case.case_hash = case_hash(case_file)
    case.npv = case.result["metrics"]["npv"]
    db.session.commit()
    return case


@pytest.fixture
def case(users) -> Any:  # type: ignore[no-untyped-def]
    return load_example_case(users["cx"])


def accept_all(case: Any, finance: Any) -> None:
    from cxroi.approvals import review

    for a in case.assumptions:
        review.review_assumption(case, a.key, "accepted", finance)


@pytest.fixture
def ready_case(case, users) -> Any:  # type: ignore[no-untyped-def]
    """The example case submitted, every assumption accepted and signed off (version 1)."""
    from cxroi.approvals.steps import take_case_step

    take_case_step(case, "submit", users["cx"])
    accept_all(case, users["finance"])
    take_case_step(case, "sign_off", users["finance"])
    return case
