"""The JSON API under ``/api/v1`` and the profile page where people make API tokens.

- :mod:`.views`     the endpoints (cases, versions, workbooks), on the web's services
- :mod:`.auth`      bearer tokens only (never a session cookie); read or write scope
- :mod:`.tokens`    making, listing and revoking personal tokens (only SHA-256 kept)
- :mod:`.jsonbody`  hostile JSON bodies refused with the path of each bad value
- :mod:`.problems`  every error as ``application/problem+json`` (RFC 9457)
- :mod:`.schemas`   pydantic models; :mod:`.spec` the OpenAPI 3.1 document (spectree)
- :mod:`.profile`   ``/profile``; :mod:`.cli` ``cxroi api-token``
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask


def rate_limit_key() -> str:
    """Calls are counted per token (per client address without one)."""
    from flask import request
    from flask_limiter.util import get_remote_address

    from cxroi.api.tokens import digest

    header = request.headers.get("Authorization", "")
    return f"token:{digest(header)}" if header else f"addr:{get_remote_address()}"


def init_app(app: Flask) -> None:
    """Register the API (CSRF-exempt: it reads no cookie) and the profile page on ``app``."""
    from cxroi.api.profile import bp as profile_bp
    from cxroi.api.views import bp as api_bp
    from cxroi.extensions import csrf

    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(profile_bp)
