"""The approver directory and the one-time codes that prove a sponsor reads their mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cxroi.extensions import Base
from models._types import utcnow


class Approver(Base):
    """A person who may approve cases up to an authority limit, kept by an administrator.

    The limit is on the frozen version's risk-adjusted PV of costs, in ``currency``; a
    case in another currency is not covered. Never deleted: switched off (``active``).
    """

    __tablename__ = "approvers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Lower-cased; unique, so a link's address names one approver.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    limit_amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def address(self) -> str:
        return f"{self.name} <{self.email}>"


class DecisionCode(Base):
    """A one-time code mailed to an approve link's address when its holder wants to decide.

    Only an HMAC of the code is kept (:func:`cxroi.approvals.tokens.hash_code`). A code
    is spent by a decision, dead after ``expires_at`` or after its last try, and replaced
    by the next code asked for on the same link.
    """

    __tablename__ = "decision_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("shared_links.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    #: Where it was sent: the link's address at the time.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tries: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Set when a newer code for the same link replaced this one.
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
