"""Organisation-wide settings that finance or an admin sets (the default discount rate)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxroi.extensions import Base
from models._types import utcnow


class OrgSetting(Base):
    """One named setting; ``value`` is JSON. Changed only through :mod:`cxroi.settings`,
    which writes an audit row for each change."""

    __tablename__ = "org_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
