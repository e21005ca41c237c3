"""Alembic environment: the target is the app's metadata; the connection comes from
``cxroi.migrate`` (``config.attributes["connection"]``) or from CXROI_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import models  # noqa: F401  (registers every table)
from cxroi.config import settings
from cxroi.extensions import db
from models.portfolio_total import ensure_portfolio_totals

config = context.config
target_metadata = db.metadata


def run_migrations_offline() -> None:
    url = settings({"TESTING": True})["SQLALCHEMY_DATABASE_URI"]
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(settings({"TESTING": True})["SQLALCHEMY_DATABASE_URI"])
        with engine.begin() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        # SQLite drops a table's triggers when a batch migration rebuilds it: whatever
        # revisions ran, the portfolio totals end with their triggers and exact sums.
        ensure_portfolio_totals(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
