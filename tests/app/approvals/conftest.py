"""Fixtures for the review-and-approval tests: one user per role and the example case
loaded as rows, on the suite's app and database (``tests/app/conftest.py``: SQLite, or
PostgreSQL when ``CXROI_TEST_DATABASE_URL`` is set; tables emptied after each test).
"""

from __future__ import annotations

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
def _approval_settings(app: Flask, tmp_path: Any) -> Iterator[None]:
    """The suite's app, with CSRF on (the sponsor's forms must carry a token), a test
    client that keeps each signed-in browser apart, and mail in this test's own outbox."""
    saved = (
        app.config["WTF_CSRF_ENABLED"],
        app.test_client_class,
        app.config["MAIL_OUTBOX"],
        app.config["SMTP_URL"],
    )
    app.config["WTF_CSRF_ENABLED"] = True
    app.test_client_class = FreshUserClient
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    app.config["SMTP_URL"] = None
    yield
    (
        app.config["WTF_CSRF_ENABLED"],
        app.test_client_class,
        app.config["MAIL_OUTBOX"],
        app.config["SMTP_URL"],
    ) = saved


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
    """The example case, stored as its document and priced, as an import stores it."""
    from cxroi.cases.services import insert_case
    from cxroi.engine import load_case

    return insert_case(owner, load_case((EXAMPLES_DIR / name).read_text()), "import")


@pytest.fixture
def case(users) -> Any:  # type: ignore[no-untyped-def]
    return load_example_case(users["cx"])


def accept_all(case: Any, finance: Any) -> None:
    from cxroi.approvals import review

    review.accept_items(case, finance, [item.id for item in review.items_of(case)])


@pytest.fixture
def ready_case(case, users) -> Any:  # type: ignore[no-untyped-def]
    """The example case submitted, every review item accepted and signed off (version 1)."""
    from cxroi.approvals.steps import take_case_step

    take_case_step(case, "submit", users["cx"])
    accept_all(case, users["finance"])
    take_case_step(case, "sign_off", users["finance"])
    return case
