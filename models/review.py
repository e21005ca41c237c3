"""Finance's review of each review item, and comment threads on cases and assumptions.

Both refer to an item by its document id (``item_id``: "a1", "c2", "b3", or a setting's
fixed id such as "discount_rate"), which a rename keeps, so a renamed item keeps its
review and its threads. The review items are :mod:`cxroi.engine.review_items`'.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxroi.extensions import Base
from models._types import utcnow

REVIEW_STATUSES = ("unreviewed", "accepted", "challenged")


class ItemReview(Base):
    """Finance's verdict on one review item, bound to the item's content at the time.

    ``fingerprint`` is the SHA-256 of the item's reviewed fields; once the item changes,
    the verdict no longer applies and the item reads as unreviewed. ``reviewed_fields``
    keeps those fields (JSON) so that the page can say what changed since. The table
    keeps its first name: it held assumptions' verdicts only.
    """

    __tablename__ = "assumption_reviews"
    __table_args__ = (UniqueConstraint("case_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: The id of the review item in the case document (or a setting's fixed id).
    item_id: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(20))  # accepted or challenged
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: The reviewed fields as they were (JSON); null for verdicts from before it was kept.
    reviewed_fields: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


AssumptionReview = ItemReview
"""The model's first name (the table's name still)."""


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
