"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (stored in ``DateTime(timezone=True)`` columns)."""
    return datetime.now(UTC)
