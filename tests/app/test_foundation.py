"""The app factory, settings, security headers and the schema."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from cxroi import create_app
from cxroi.config import ConfigError
from cxroi.extensions import db


def test_app_refuses_to_start_without_a_secret_key_outside_debug_and_test(monkeypatch):
    monkeypatch.delenv("CXROI_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="CXROI_SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_secret_key_and_database_url_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CXROI_SECRET_KEY", "from-env")
    monkeypatch.setenv("CXROI_DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("CXROI_AUDIT_KEY", "audit-key-from-env")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["AUDIT_KEY"] == "audit-key-from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///:memory:"


def test_default_database_is_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("CXROI_DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/cxroi.db")


def test_every_page_sends_a_strict_content_security_policy(client):
    response = client.get("/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/login").text
    assert "<script>" not in html and "style=" not in html and "onclick" not in html


def test_schema_has_every_table(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"users", "cases", "audit_events", "login_sessions"} <= tables
    # A case is stored as its document: no table holds its parts.
    assert not {"assumptions", "cost_lines", "benefit_lines", "scenarios"} & tables


def test_healthz_is_a_trivial_route(client):
    assert client.get("/healthz").text == "ok\n"


def test_an_unexpected_error_is_a_calm_500_page(app, cx_client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("cxroi.portfolio.services.portfolio_page", boom)
    response = cx_client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "database on fire" not in response.text


def test_an_oversized_upload_is_refused(cx_client):
    response = cx_client.post(
        "/cases/import", data=b"x" * (5 * 1024 * 1024), content_type="application/octet-stream"
    )
    assert response.status_code == 413
