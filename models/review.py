"""Finance's review of each assumption, and comment threads on cases and assumptions.

Both refer to an assumption by its document id (``item_id``), which a rename keeps,
so a renamed assumption keeps its review and its threads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxroi.extensions import Base
from models._types import utcnow

REVIEW_STATUSES = ("unreviewed", "accepted", "challenged")


class AssumptionReview(Base):
    """Finance's verdict on one assumption, bound to the assumption's content at the time.

    ``fingerprint`` is the SHA-256 of the assumption as reviewed; once the assumption
    changes, the verdict no longer applies and the assumption reads as unreviewed.
    """

    __tablename__ = "assumption_reviews"
    __table_args__ = (UniqueConstraint("case_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: The id of the assumption in the case document.
    item_id: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(20))  # accepted or challenged
    fingerprint: Mapped[str] = mapped_column(String(64))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Comment(Base):
    """A comment; a thread is a root comment (``thread_id`` null) and its replies.

    ``item_id`` (an assumption's document id) null means the case's own thread. A
    challenge opens a thread.
    """

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str | None] = mapped_column(String(24))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="comment")  # comment, challenge
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_name: Mapped[str | None] = mapped_column(String(254))

    replies: Mapped[list[Comment]] = relationship(
        order_by="Comment.created_at, Comment.id", cascade="all, delete-orphan"
    )

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
