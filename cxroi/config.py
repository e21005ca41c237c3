"""Every setting of the web application, read from the environment in one place.

``CXROI_SECRET_KEY``       signs sessions and CSRF tokens; required unless debugging or testing.
``CXROI_DATABASE_URL``     SQLAlchemy URL; default a SQLite file under ``instance/``.
``CXROI_DEBUG``            ``1`` for Flask's debug mode (a throw-away secret key is then allowed).
``CXROI_RATELIMIT_STORAGE_URI`` Flask-Limiter storage URI (``memory://`` by default; use
                           ``redis://...`` when running several workers). The older name
                           ``CXROI_RATELIMIT_STORAGE`` is still read.
``CXROI_LINK_RATE_LIMIT``  limit per client on the shared-link pages (default
                           ``60 per minute; 600 per hour``).
``CXROI_MC_TRIALS``        Monte Carlo trials run when a case is saved (default 10,000).
``CXROI_API_RATE_LIMIT``   limit per API token on ``/api/v1`` (default ``300 per minute``).
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


def settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The app's configuration: environment first, then ``overrides`` on top."""
    overrides = dict(overrides or {})
    debug = overrides.get("DEBUG", _flag("CXROI_DEBUG"))
    testing = overrides.get("TESTING", False)
    cfg: dict[str, Any] = {
        "DEBUG": debug,
        "TESTING": testing,
        "SECRET_KEY": os.environ.get("CXROI_SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("CXROI_DATABASE_URL")
        or f"sqlite:///{INSTANCE_DIR / 'cxroi.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("CXROI_SECURE_COOKIES"),
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("CXROI_RATELIMIT_STORAGE_URI")
        or os.environ.get("CXROI_RATELIMIT_STORAGE", "memory://"),
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
