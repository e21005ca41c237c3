"""Alembic: init-db reaches the models' schema and is safe to run twice."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner

from cxroi.cli import main
from cxroi.extensions import db
from tests.appsupport import reset_schema


def test_init_db_twice_then_schema_matches_models(app, db_url, monkeypatch, other_app):
    with app.app_context():
        db.session.remove()
        db.metadata.drop_all(db.engine)
    monkeypatch.setenv("CXROI_DATABASE_URL", db_url)
    monkeypatch.setenv("CXROI_AUDIT_KEY", "init-db-audit-key")  # outside test mode, as deployed
    try:
        for _ in range(2):
            result = CliRunner().invoke(main, ["init-db"])
            assert result.exit_code == 0, result.output
            assert "database ready" in result.output
        check = other_app()
        with check.app_context(), db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
    finally:
        reset_schema(app)
