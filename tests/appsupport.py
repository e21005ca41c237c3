"""Database and account helpers shared by the app and browser tests."""

from __future__ import annotations

import contextvars
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import text

from cxroi import create_app
from cxroi.extensions import db
from tests.support import EXAMPLES_DIR

PASSWORD = "correct horse battery"
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
TEST_AUDIT_KEY = "test-audit-key"


@functools.cache
def anchor_path() -> Path:
    """One anchor file for the audit chain per test run (in a temporary directory): apps
    on the same database share it, as the workers of one installation do."""
    return Path(tempfile.mkdtemp(prefix="cxroi-anchor-")) / "audit-head"


def database_url(tmp_dir: Path) -> str:
    """``CXROI_TEST_DATABASE_URL`` (e.g. PostgreSQL) or a SQLite file in ``tmp_dir``."""
    return os.environ.get("CXROI_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'cxroi-test.db'}"


class IsolatedClient(FlaskClient):
    """Each request runs in an empty context, as in a real server.

    A test keeps an app context open (to use services and ``db.session``); Flask
    would reuse it for the client's requests, sharing ``g`` (the signed-in user)
    and the database session between them. Here every request gets its own.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(url: str, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MC_TRIALS": 500,
        # Simulations run in the request after the save, so a saved case is whole at once;
        # tests of the job paths choose "thread" or "rq" themselves.
        "SIMULATIONS": "inline",
        "PASSWORD_HASH": FAST_ARGON2,
        # The organisation's default rate until finance sets one: the example case's, so
        # that a CX import of it keeps its content (tests of the default set their own).
        "DEFAULT_DISCOUNT_RATE": 0.09,
        # Never the repository's instance/outbox: tests that read mail set their own.
        "MAIL_OUTBOX": tempfile.mkdtemp(prefix="cxroi-test-outbox-"),
        "SMTP_URL": None,
        "AUDIT_KEY": TEST_AUDIT_KEY,
        "AUDIT_ANCHOR_PATH": str(anchor_path()),
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@contextmanager
def org_default_rate(rate: float | None) -> Iterator[None]:
    """The organisation's default discount rate is ``rate`` while the block runs.

    A CX user's new case takes that default, not its file's rate (finance owns it); tests
    that build a case from a document as CX make the default that document's rate.
    """
    config = current_app.config
    old = config["DEFAULT_DISCOUNT_RATE"]
    if rate is not None:
        config["DEFAULT_DISCOUNT_RATE"] = rate
    try:
        yield
    finally:
        config["DEFAULT_DISCOUNT_RATE"] = old


def anchor_for(database_url: Any) -> Path:
    """The anchor file of the installation on ``database_url`` (each database its own, as
    each installation keeps its own head); the same for any spelling of the URL."""
    from sqlalchemy.engine import make_url

    u = make_url(str(database_url) if not hasattr(database_url, "database") else database_url)
    where = f"{u.get_backend_name()}|{u.host}|{u.port}|{u.database}"
    name = hashlib.sha256(where.encode()).hexdigest()[:16]
    return anchor_path().parent / f"audit-head-{name}"


def reset_schema(app: Flask) -> None:
    """Drop every table (a reused PostgreSQL database too) and create the current schema,
    with the append-only guards a migrated PostgreSQL database has."""
    from cxroi.audit.guards import install_guards

    with app.app_context():
        db.metadata.drop_all(db.engine)
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.metadata.create_all(db.engine)
        with db.engine.begin() as conn:
            install_guards(conn)
    _forget_anchor(app)


def empty_tables(app: Flask) -> None:
    """Empty every table (TRUNCATE on PostgreSQL, where the append-only tables refuse
    DELETE) and forget the chain's anchor, which belonged to the rows just removed."""
    from cxroi.audit.guards import install_guards, remove_guards

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names}"))
            else:  # SQLite's append-only triggers, lifted inside this transaction only
                remove_guards(conn)
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
                install_guards(conn)
    _forget_anchor(app)


def _forget_anchor(app: Flask) -> None:
    Path(app.config["AUDIT_ANCHOR_PATH"]).unlink(missing_ok=True)


def example_document(name: str = "contact-centre") -> dict[str, Any]:
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text())


def rewrite_document(case: Any, **changes: Any) -> Any:
    """Change a case's stored document behind the editor's back, and reprice it.

    ``changes`` are ``assumption=(key, {field: value})`` or top-level fields. For tests of
    what happens when the content moves under a review or a version.
    """
    from cxroi import simulations
    from cxroi.cases.services import document_of, store
    from cxroi.engine import load_case

    doc = document_of(case)
    target = changes.pop("assumption", None)
    if target is not None:
        key, fields = target
        next(a for a in doc["assumptions"] if a["key"] == key).update(fields)
    doc.update(changes)
    store(case, load_case(doc))
    db.session.commit()
    simulations.submit(case)
    return case


def past_the_guards(sql: str, params: dict[str, Any] | None = None) -> None:
    """Run ``sql`` with only the append-only guards dropped (and put back after), and
    commit: every other trigger (the portfolio's kept totals) still fires."""
    from cxroi.audit.guards import install_guards, remove_guards

    connection = db.session.connection()
    remove_guards(connection)
    connection.execute(text(sql), params or {})
    install_guards(connection)
    db.session.commit()


def tamper(sql: str, params: dict[str, Any] | None = None) -> None:
    """Run ``sql`` as an attacker with database access would, and commit: past the
    append-only triggers (PostgreSQL: ``session_replication_role = replica``, which needs a
    superuser, as the test database's owner is; SQLite: dropped, and put back after)."""
    from cxroi.audit.guards import install_guards, remove_guards

    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        remove_guards(connection)
    connection.execute(text(sql), params or {})
    install_guards(connection)
    db.session.commit()
