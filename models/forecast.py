"""Finance's adjusted forecast of an approved case: one line's value for one month left.

Like an actual, a forecast value refers to a line by its document id and to a month by
``YYYY-MM``; it never touches the case's document or its frozen versions. Only
:mod:`cxroi.realisation.forecast` writes it, with an audit row per changed value.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxroi.extensions import Base
from models._types import utcnow


class ForecastValue(Base):
    """Finance's forecast of one line in one month: a cost line's cost, a benefit line's
    benefit (in the case's currency, as an actual would be reported)."""

    __tablename__ = "forecast_values"
    __table_args__ = (UniqueConstraint("case_id", "line_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[str] = mapped_column(String(24))
    month: Mapped[str] = mapped_column(String(7))
    value: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
