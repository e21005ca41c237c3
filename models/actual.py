"""Actuals of approved cases, and monthly CX and business metrics.

Neither touches a case's document or its frozen versions: an actual refers to a line by
its document id (``line_id``), a month by ``YYYY-MM``. Only :mod:`cxroi.actuals.services`
writes them, with an audit row per changed value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxroi.extensions import Base
from models._types import utcnow


class Actual(Base):
    """One line's actuals for one month: cost (a cost line), benefit and drivers (a benefit)."""

    __tablename__ = "actuals"
    __table_args__ = (UniqueConstraint("case_id", "line_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[str] = mapped_column(String(24))
    month: Mapped[str] = mapped_column(String(7))
    cost: Mapped[float | None] = mapped_column(Float)
    benefit: Mapped[float | None] = mapped_column(Float)
    #: The line's drivers this month, by name (JSON object of numbers).
    drivers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MetricValue(Base):
    """One month of a CX or business metric, for one case or (``case_id`` null) the
    whole organisation."""

    __tablename__ = "metric_values"
    __table_args__ = (UniqueConstraint("case_id", "name", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7))
    value: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
