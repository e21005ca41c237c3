"""cxroi: business cases for customer-experience initiatives.

``create_app`` loads the web application lazily, so that ``cxroi.engine`` stays
usable (from a notebook or the CLI's ``calc``) without loading Flask, and so that
type-checking the engine (``make lint``) does not wander into the web app.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application; ``config`` overrides the environment's settings."""
    factory = importlib.import_module("cxroi.factory")
    app: Flask = factory.create_app(config)
    return app
