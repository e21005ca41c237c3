"""What the app tells people: notifications (mailed at once or in a daily digest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxroi.extensions import Base
from models._types import utcnow


class Notification(Base):
    """One thing one person should know about a case; written with the change it is
    about (same transaction), mailed after the commit (``mailed_at``) or in a digest."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_unmailed", "mailed_at", "user_id"),
        Index("ix_notifications_topic", "case_id", "kind", "topic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    # What the notification is about, for "told once" checks that must not depend on its
    # wording (a drift: "line:driver:month"); None where nothing is told only once.
    topic: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationSetting(Base):
    """How a person wants notifications mailed: ``immediate`` (the default) or ``daily``."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(12), default="immediate")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
