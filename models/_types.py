"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (stored in ``DateTime(timezone=True)`` columns)."""
    return datetime.now(UTC)


#: Largest value an ``Integer`` column holds (PostgreSQL ``integer``): the largest id, page
#: or number a URL, a query or a form may ask the database about.
MAX_ID = 2**31 - 1
