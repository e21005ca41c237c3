"""The application factory and the ``register_*`` steps it runs."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.engine import Engine

from cxroi import formatting, workflow
from cxroi.config import INSTANCE_DIR, ROOT, settings
from cxroi.errors import register_error_handlers
from cxroi.extensions import csrf, db, limiter, login_manager

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, ``config`` on top (tests use it)."""
    app = Flask(
        "cxroi",
        root_path=str(ROOT / "cxroi"),
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(settings(config))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:"):
        INSTANCE_DIR.mkdir(exist_ok=True)
        # a local file has no dropped connections to detect
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    formatting.register(app)
    app.jinja_env.globals["workflow"] = workflow  # templates read the rules, never copy them
    return app


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def register_extensions(app: Flask) -> None:
    import models  # noqa: F401  (the tables must be known before the first query)
    from cxroi.audit import sealing  # noqa: F401  (seals sealed rows as they are flushed)

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def register_blueprints(app: Flask) -> None:
    from cxroi.admin.views import bp as admin_bp
    from cxroi.auth.views import bp as auth_bp
    from cxroi.cases.views import bp as cases_bp
    from cxroi.portfolio.views import bp as portfolio_bp

    for bp in (auth_bp, admin_bp, cases_bp, portfolio_bp):
        app.register_blueprint(bp)

    from cxroi import approvals  # review, versions, shared links, sponsor page (issue 5)

    approvals.init_app(app)

    from cxroi import api  # the JSON API /api/v1 and the profile page (issue 8)

    api.init_app(app)

    @app.get("/healthz")
    @app.get("/livez")
    def livez() -> Response:
        """The process answers (a trivial route: the benchmark's yardstick)."""
        return Response("ok\n", mimetype="text/plain")

    @app.get("/readyz")
    def readyz() -> Response:
        """Ready to serve: the database answers a query (503 when it does not)."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            app.logger.warning("readyz: the database does not answer", exc_info=True)
            return Response("database unavailable\n", status=503, mimetype="text/plain")
        finally:
            db.session.remove()
        return Response("ok\n", mimetype="text/plain")


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
