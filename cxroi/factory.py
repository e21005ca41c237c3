"""The application factory and the ``register_*`` steps it runs."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from cxroi import edge, formatting, notify, workflow
from cxroi.cases.permissions import (
    archived_notice,
    can_create_case,
    can_edit_anything,
    may_archive,
)
from cxroi.config import INSTANCE_DIR, ROOT, settings
from cxroi.engine.casefile import DISCOUNTING_LABELS
from cxroi.errors import register_error_handlers
from cxroi.extensions import csrf, db, limiter, login_manager
from cxroi.labels import inflation_words, rate_source_words

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
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Only as many X-Forwarded-* hops as there are proxies we run are believed.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:"):
        INSTANCE_DIR.mkdir(exist_ok=True)
        # a local file has no dropped connections to detect
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    register_extensions(app)
    edge.register(app)  # after the extensions: CSRF is checked first
    register_blueprints(app)
    register_error_handlers(app)
    app.after_request(notify.after_request)  # mail after commit
    register_security_headers(app)
    formatting.register(app)
    app.jinja_env.globals["workflow"] = workflow  # templates read the rules, never copy them
    app.jinja_env.globals["can_create_case"] = can_create_case
    app.jinja_env.globals["can_edit_anything"] = can_edit_anything
    app.jinja_env.globals["may_archive"] = may_archive
    app.jinja_env.globals["archived_notice"] = archived_notice
    app.jinja_env.globals["discounting_labels"] = DISCOUNTING_LABELS
    app.jinja_env.globals["inflation_words"] = inflation_words
    app.jinja_env.globals["rate_source_words"] = rate_source_words
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
    register_session_teardown(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def register_session_teardown(app: Flask) -> None:
    """Close each request's session even when its connection has died.

    Flask-SQLAlchemy closes the session after the response is made; closing rolls back,
    and on a connection the database has cut (a restart, ``pg_terminate_backend``) that
    rollback raises. Raised there, it escapes Flask, and the server sends its own bare
    "Internal Server Error" instead of the response already made (a page, or the
    redirect of a save that has committed). Registered after ``db.init_app``, this runs
    first; the connection is invalidated by SQLAlchemy and the pool opens a new one.
    """

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        try:
            db.session.remove()
        except SQLAlchemyError:
            app.logger.warning("the session's connection was lost; it is discarded", exc_info=True)
            db.session.registry.clear()  # nothing is left for Flask-SQLAlchemy to close


def register_blueprints(app: Flask) -> None:
    from cxroi.actuals.metric_views import bp as metrics_bp
    from cxroi.actuals.views import bp as actuals_bp
    from cxroi.admin.views import bp as admin_bp
    from cxroi.auth.views import bp as auth_bp
    from cxroi.cases.views import bp as cases_bp
    from cxroi.council.views import bp as council_bp
    from cxroi.portfolio.views import bp as portfolio_bp
    from cxroi.realisation.views import bp as realisation_bp

    for bp in (
        auth_bp,
        admin_bp,
        cases_bp,
        portfolio_bp,
        actuals_bp,
        metrics_bp,
        council_bp,
        realisation_bp,
    ):
        app.register_blueprint(bp)

    from cxroi.cases import results_cache  # the results page's stored part, per content

    results_cache.init_app(app)

    from cxroi import approvals  # review, versions, shared links, sponsor page (issue 5)

    approvals.init_app(app)

    from cxroi import api  # the JSON API /api/v1 and the profile page (issue 8)

    api.init_app(app)

    from cxroi import simulations  # Monte Carlo as a job, its status endpoint (issue 10)

    simulations.init_app(app)

    @app.get("/healthz")
    @app.get("/livez")
    def livez() -> Response:
        """The process answers (a trivial route: the benchmark's yardstick)."""
        return Response("ok\n", mimetype="text/plain")

    @app.get("/readyz")
    def readyz() -> Response:
        """Ready to serve: the database answers a query, and Redis a PING when the app
        is configured with one (503, naming what is down, when not)."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        down: list[str] = []
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            app.logger.warning("readyz: the database does not answer", exc_info=True)
            down.append("database unavailable")
        finally:
            db.session.remove()
        url = app.config.get("REDIS_URL")
        if url and not _redis_answers(url):
            down.append("redis unavailable")
        if down:
            return Response("".join(f"{d}\n" for d in down), status=503, mimetype="text/plain")
        return Response("ok\n", mimetype="text/plain")

    def _redis_answers(url: str) -> bool:
        try:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except Exception:  # not installed, refused, timed out, wrong password: not ready
            app.logger.warning("readyz: Redis does not answer", exc_info=True)
            return False


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Pages, downloads and API answers may carry a signed-in user's figures:
            # no browser or proxy keeps a copy (static files keep their own caching).
            response.headers.setdefault("Cache-Control", "no-store")
        if hsts := app.config.get("HSTS"):
            response.headers.setdefault("Strict-Transport-Security", hsts)
        if response.status_code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(_retry_after_seconds())
        return response


def _retry_after_seconds() -> int:
    """Seconds until the limit that refused this request lets one through again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))
