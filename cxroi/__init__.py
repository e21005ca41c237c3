"""cxroi: business cases for customer-experience initiatives.

``create_app`` is imported lazily so that ``cxroi.engine`` stays usable (from a
notebook or the CLI's ``calc``) without loading Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application; ``config`` overrides the environment's settings."""
    from cxroi.factory import create_app as _create_app

    return _create_app(config)
