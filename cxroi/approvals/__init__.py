"""Finance review and sponsor approval (issue 5).

The workflow itself (states, steps, edit rights) is :mod:`cxroi.workflow`. Pure parts
here (no Flask, no SQL): :mod:`.tokens` (shared-link tokens), :mod:`.chain` (the audit
hash chain) and :mod:`.diff` (what changed between two frozen versions). The web parts
live beside them: services (``steps``, ``review``, ``versions``, ``links``, ``ledger``,
``inbox``), ``views`` (signed-in pages), ``link_views`` (the sponsor's pages), ``forms``
and ``cli``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

#: Requests per client address on the shared-link pages (Flask-Limiter syntax).
DEFAULT_LINK_RATE_LIMIT = "60 per minute; 600 per hour"


def init_app(app: Flask) -> None:
    """Register the review pages and the sponsor's link pages on ``app``."""
    from cxroi.approvals.link_views import bp as links_bp
    from cxroi.approvals.views import bp as approvals_bp

    app.config.setdefault("LINK_RATE_LIMIT", DEFAULT_LINK_RATE_LIMIT)
    app.register_blueprint(approvals_bp)
    app.register_blueprint(links_bp)
