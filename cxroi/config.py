"""Every setting of the web application, read from the environment in one place.

``CXROI_SECRET_KEY``       signs sessions and CSRF tokens; required unless debugging or testing.
``CXROI_DATABASE_URL``     SQLAlchemy URL; default a SQLite file under ``instance/``.
``CXROI_DEBUG``            ``1`` for Flask's debug mode (a throw-away secret key is then allowed).
``CXROI_RATELIMIT_STORAGE_URI`` Flask-Limiter storage URI (``memory://`` by default; use
                           ``redis://...`` when running several workers). The older name
                           ``CXROI_RATELIMIT_STORAGE`` is still read.
``CXROI_LINK_RATE_LIMIT``  limit per client on the shared-link pages (default
                           ``60 per minute; 600 per hour``).
``CXROI_REDIS_URL``        ``redis://host:port/db``: rate limits, the Monte Carlo job queue (run
                           by ``cxroi worker``) and its result cache live there, shared by
                           every worker process. Unset: memory, and simulations run in a
                           thread of the serving process (one process, nothing more to run).
``CXROI_MC_TRIALS``        Monte Carlo trials of a case that does not set its own
                           ``monte_carlo_trials`` (default 10,000).
``CXROI_API_RATE_LIMIT``   limit per API token on ``/api/v1`` (default ``300 per minute``).
``CXROI_INSECURE_HTTP``    ``1`` to serve over plain HTTP (local development, ``make run``): cookies
                           lose their Secure flag and no HSTS is sent. Outside debug and tests,
                           cookies are Secure and HSTS is sent by default.
``CXROI_TRUSTED_PROXIES``  how many reverse proxies in front of the app set ``X-Forwarded-For``
                           and ``X-Forwarded-Proto`` (default 0: the socket's address is the
                           client's). Rate limits and logged addresses then see the real client.
``CXROI_SMTP_URL``         where mail goes: ``smtp://user:pass@host:587`` (STARTTLS when
                           offered) or ``smtps://…`` (implicit TLS). Unset: a file outbox
                           under ``instance/outbox/`` that administrators read in the app.
``CXROI_MAIL_OUTBOX``      the outbox folder (default ``instance/outbox``).
``CXROI_MAIL_FROM``        the sender of the app's mail (default ``cxroi <cxroi@localhost>``).
``CXROI_BASE_URL``         the app's address, for links in mail sent outside a request
                           (default ``http://127.0.0.1:5000``).
``CXROI_AUDIT_KEY``        the audit chain's HMAC key, kept outside the database; required
                           unless debugging or testing, or ``CXROI_AUDIT_DEV_KEY=1`` allows a
                           key generated once into ``instance/audit.key`` (development only).
``CXROI_AUDIT_ANCHOR``     the file anchoring the chain's head (default ``instance/audit-head``),
                           shared by every worker of one installation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment does not let the app start; the message says what to set."""


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _count(name: str) -> int:
    raw = os.environ.get(name, "").strip() or "0"
    if not raw.isdigit() or int(raw) > 10:
        raise ConfigError(f"{name} must be a whole number from 0 to 10, not {raw!r}.")
    return int(raw)


def redis_url() -> str | None:
    """``CXROI_REDIS_URL``, or None when the app runs without Redis."""
    return os.environ.get("CXROI_REDIS_URL", "").strip() or None


def settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The app's configuration: environment first, then ``overrides`` on top."""
    overrides = dict(overrides or {})
    debug = overrides.get("DEBUG", _flag("CXROI_DEBUG"))
    testing = overrides.get("TESTING", False)
    # HTTPS is the default outside debug and tests; plain HTTP is an explicit choice.
    secure_transport = not (debug or testing or _flag("CXROI_INSECURE_HTTP"))
    redis = redis_url()
    cfg: dict[str, Any] = {
        "DEBUG": debug,
        "TESTING": testing,
        "SECRET_KEY": os.environ.get("CXROI_SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("CXROI_DATABASE_URL")
        or f"sqlite:///{INSTANCE_DIR / 'cxroi.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SECURE_TRANSPORT": secure_transport,
        "SESSION_COOKIE_SECURE": secure_transport,
        "REMEMBER_COOKIE_SECURE": secure_transport,
        "HSTS": "max-age=31536000; includeSubDomains" if secure_transport else None,
        "TRUSTED_PROXIES": _count("CXROI_TRUSTED_PROXIES"),
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("CXROI_RATELIMIT_STORAGE_URI")
        or os.environ.get("CXROI_RATELIMIT_STORAGE")
        or redis
        or "memory://",
        "REDIS_URL": redis,
        # How simulations run: "rq" (Redis), "thread" (this process) or "inline" (in the
        # request, after the save's commit); None: "rq" with Redis, else "thread".
        "SIMULATIONS": None,
        "MC_CACHE_SECONDS": 7 * 24 * 3600,
        "MC_JOB_SECONDS": 30 * 60,
        "LINK_RATE_LIMIT": os.environ.get("CXROI_LINK_RATE_LIMIT", "60 per minute; 600 per hour"),
        "RATELIMIT_ENABLED": True,
        # A sliding window: a burst cannot straddle a clock-aligned window boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_RATE_LIMIT": os.environ.get("CXROI_LOGIN_RATE_LIMIT", "10 per minute"),
        "MC_TRIALS": int(os.environ.get("CXROI_MC_TRIALS", "10000")),
        "PORTFOLIO_PAGE_SIZE": 25,
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,  # a case file is a few kB
        "API_MAX_BODY_BYTES": 1024 * 1024,  # a JSON body of /api/v1
        "API_RATE_LIMIT": os.environ.get("CXROI_API_RATE_LIMIT", "300 per minute"),
        "PASSWORD_HASH": {},  # argon2 PasswordHasher parameters (tests make it cheap)
        "SESSION_LIFETIME_HOURS": 12,
        "SMTP_URL": os.environ.get("CXROI_SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("CXROI_MAIL_FROM") or "cxroi <cxroi@localhost>",
        "MAIL_OUTBOX": os.environ.get("CXROI_MAIL_OUTBOX") or str(INSTANCE_DIR / "outbox"),
        "BASE_URL": os.environ.get("CXROI_BASE_URL", "http://127.0.0.1:5000"),
        "DEFAULT_DISCOUNT_RATE": float(os.environ.get("CXROI_DEFAULT_DISCOUNT_RATE", "0.10")),
        "AUDIT_KEY": os.environ.get("CXROI_AUDIT_KEY") or None,
        "AUDIT_DEV_KEY": _flag("CXROI_AUDIT_DEV_KEY"),
        "AUDIT_KEY_FILE": str(INSTANCE_DIR / "audit.key"),
        "AUDIT_ANCHOR_PATH": os.environ.get("CXROI_AUDIT_ANCHOR")
        or str(INSTANCE_DIR / "audit-head"),
    }
    cfg.update(overrides)
    if not cfg["SECRET_KEY"]:
        if not (cfg["DEBUG"] or cfg["TESTING"]):
            raise ConfigError(
                "CXROI_SECRET_KEY is not set. The app signs sessions and CSRF tokens with it "
                "and will not start without one outside debug or test mode. Set it, e.g. "
                "export CXROI_SECRET_KEY=$(python -c "
                "'import secrets; print(secrets.token_hex(32))')"
            )
        cfg["SECRET_KEY"] = "dev-only-not-secret"
    if not cfg["AUDIT_KEY"] and not (cfg["DEBUG"] or cfg["TESTING"] or cfg["AUDIT_DEV_KEY"]):
        raise ConfigError(
            "CXROI_AUDIT_KEY is not set. The audit chain is sealed with it (an HMAC key kept "
            "outside the database), and the app will not start without one outside debug or "
            "test mode. Set it, e.g. export CXROI_AUDIT_KEY=$(python -c "
            "'import secrets; print(secrets.token_hex(32))'), and keep it safe: the chain "
            "cannot be verified without it. CXROI_AUDIT_DEV_KEY=1 allows a development key "
            "in instance/audit.key instead."
        )
    return cfg
