"""Fixtures of the app tests: the app on a clean database, users per role, cases.

The database is ``CXROI_TEST_DATABASE_URL`` when set (CI runs the suite on
PostgreSQL that way), else a temporary SQLite file. Tables are dropped and
created at session start and emptied after every test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cxroi.auth.services import create_user
from cxroi.cases.casefiles import import_case
from cxroi.extensions import db, limiter
from models import Case, User
from tests.appsupport import (
    PASSWORD,
    TEST_AUDIT_KEY,
    anchor_path,
    database_url,
    empty_tables,
    example_document,
    make_app,
    org_default_rate,
)
from tests.appsupport import reset_schema as _reset


@pytest.fixture(scope="session", autouse=True)
def _audit_key_for_commands() -> Iterator[None]:
    """Commands the tests run (``cxroi create-user``, ``demo``) build their app from the
    environment, as deployed: they get the suite's audit key and anchor."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CXROI_AUDIT_KEY", TEST_AUDIT_KEY)
        patch.setenv("CXROI_AUDIT_ANCHOR", str(anchor_path()))
        yield


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def app(db_url: str) -> Iterator[Flask]:
    app = make_app(db_url)
    _reset(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def other_app(db_url: str) -> Iterator[Callable[..., Flask]]:
    """Another app on the same database with other settings (closed afterwards)."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        made.append(make_app(db_url, **overrides))
        return made[-1]

    yield make
    for extra in made:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(app: Flask) -> Iterator[None]:
    # The limiter is one object for every app of the run: an app built with the default
    # settings (some tests do) switches it on for all. Each test starts as configured.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    with app.app_context():
        yield
        db.session.remove()
    empty_tables(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: str = "cx", email: str | None = None, name: str = "") -> User:
        email = email or f"{role}{next(counter)}@example.com"
        return create_user(email, role, PASSWORD, name=name, actor="test")

    return make


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def login(app: Flask) -> Callable[[User], FlaskClient]:
    return lambda user: sign_in(app.test_client(), user)


@pytest.fixture
def cx_user(make_user: Callable[..., User]) -> User:
    return make_user("cx", "casey@example.com", "Casey")


@pytest.fixture
def finance_user(make_user: Callable[..., User]) -> User:
    return make_user("finance", "fran@example.com", "Fran")


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user("admin", "ada@example.com", "Ada")


@pytest.fixture
def cx_client(login: Callable[[User], FlaskClient], cx_user: User) -> FlaskClient:
    return login(cx_user)


@pytest.fixture
def finance_client(login: Callable[[User], FlaskClient], finance_user: User) -> FlaskClient:
    return login(finance_user)


@pytest.fixture
def admin_client(login: Callable[[User], FlaskClient], admin_user: User) -> FlaskClient:
    return login(admin_user)


@pytest.fixture
def make_case(cx_user: User) -> Callable[..., Case]:
    """A case imported from a document (default: examples/contact-centre.json)."""

    def make(doc: dict[str, Any] | None = None, owner: User | None = None, **changes: Any) -> Case:
        document = doc or example_document()
        document = {**document, **changes}
        with org_default_rate(document.get("discount_rate")):
            return import_case(owner or cx_user, json.dumps(document).encode())

    return make
