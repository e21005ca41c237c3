"""The audit trail: one append-only row per change (who, when, what, old → new)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxroi.extensions import Base
from models._types import utcnow


class AuditEvent(Base):
    """Written only by :func:`cxroi.audit.services.record_change`; never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who, in words (an email, or a sponsor's name for link actions without an account).
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: What kind of thing changed: case, assumption, cost, benefit, scenario, user, ...
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    #: The id of the assumption, line or scenario in the case document, for those.
    item_id: Mapped[str | None] = mapped_column(String(24))
    #: create, update, delete, import, login, logout, ...
    action: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(80))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.entity}#{self.entity_id} {self.action} {self.field}>"
