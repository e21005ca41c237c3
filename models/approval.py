"""Frozen versions, shared links, their uses and the sponsor's decisions (issue 5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxroi import workflow
from cxroi.extensions import Base
from models._types import utcnow


class CaseVersion(Base):
    """A case frozen on entering "ready for approval": its canonical file and its result.

    ``case_hash`` is the SHA-256 of ``case_json`` (the engine's canonical form) and
    identifies the version; ``result_hash`` is the SHA-256 of ``result_json``. A
    version is never edited; an edit of the case supersedes it.
    """

    __tablename__ = "case_versions"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    case_json: Mapped[str] = mapped_column(Text)
    case_hash: Mapped[str] = mapped_column(String(64), index=True)
    result_json: Mapped[str] = mapped_column(Text)
    result_hash: Mapped[str] = mapped_column(String(64))
    frozen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The finance partner whose sign-off froze it.
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_by_name: Mapped[str] = mapped_column(String(254), default="")
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Why it was superseded, in words ("edited by dana@example.com").
    superseded_reason: Mapped[str | None] = mapped_column(String(300))

    decisions: Mapped[list[Decision]] = relationship(
        back_populates="version", order_by="Decision.at"
    )

    @property
    def short_hash(self) -> str:
        return self.case_hash[:12]

    @property
    def is_superseded(self) -> bool:
        return self.superseded_at is not None

    def __repr__(self) -> str:
        return f"<CaseVersion case={self.case_id} v{self.number} {self.short_hash}>"


class SharedLink(Base):
    """A link to one frozen version for one recipient; only the token's SHA-256 is kept."""

    __tablename__ = "shared_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))  # view or approve
    recipient_name: Mapped[str] = mapped_column(String(120))
    recipient_email: Mapped[str] = mapped_column(String(254))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The directory entry (approvers.id) an approve link was sent to; null for a view link.
    #: No database foreign key: approvers are never deleted, and adding one would rebuild
    #: this table on SQLite.
    approver_id: Mapped[int | None]
    #: When the link's mail was handed to the mail server (null: not sent, see mail_error).
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mail_error: Mapped[str | None] = mapped_column(String(300))
    #: SHA-256 of the creating form's idempotency key: a retry of that form finds this
    #: link instead of making a second one (cxroi.approvals.links.create_link).
    idempotency_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    version: Mapped[CaseVersion] = relationship()
    uses: Mapped[list[LinkUse]] = relationship(
        back_populates="link", order_by="LinkUse.at", cascade="all, delete-orphan"
    )

    @property
    def recipient(self) -> str:
        return f"{self.recipient_name} <{self.recipient_email}>"


class LinkUse(Base):
    """Every request made with a link: when, from where, with what, and how it was answered."""

    __tablename__ = "link_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("shared_links.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    action: Mapped[str] = mapped_column(String(40))  # view, download, approve, reject, ...
    outcome: Mapped[str] = mapped_column(String(40))  # the link state, or the error answered

    link: Mapped[SharedLink] = relationship(back_populates="uses")


class Decision(Base):
    """The sponsor's approval, rejection or request for changes of one frozen version."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(ForeignKey("shared_links.id"))
    decision: Mapped[str] = mapped_column(String(20))  # approve, reject, request_changes
    #: The version's case hash at the moment of the decision: what the sponsor saw.
    version_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    #: The address the one-time code was mailed to and read from (null before codes).
    verified_email: Mapped[str | None] = mapped_column(String(254))

    version: Mapped[CaseVersion] = relationship(back_populates="decisions")
    link: Mapped[SharedLink] = relationship()

    @property
    def label(self) -> str:
        """The decision in words: the label of the state it leads to ("Changes requested")."""
        state = workflow.SPONSOR_DECISIONS.get(self.decision)
        return self.decision if state is None else workflow.label(state)


class ChainEntry(Base):
    """One approval or state event in the tamper-evident chain (see cxroi.approvals.chain).

    ``seq`` and ``prev_hash`` are unique, so two writers racing for the same place in
    the chain cannot both succeed: the second retries after the first.
    """

    __tablename__ = "audit_chain"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))  # state, approval, version, link
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    #: The sealed payload, canonical JSON (cxroi.approvals.chain.canonical_event).
    payload: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@event.listens_for(ChainEntry, "before_update")
@event.listens_for(ChainEntry, "before_delete")
@event.listens_for(Decision, "before_update")
@event.listens_for(Decision, "before_delete")
def _append_only(_mapper: Any, _connection: Any, target: Any) -> None:
    """Chain entries and decisions are written once; the ORM refuses to change them."""
    raise ValueError(f"{type(target).__name__} rows are append-only")
