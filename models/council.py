"""The CX council (issue 12): monthly meetings with a fixed agenda, an actions log and a
decisions log. Every change goes through :mod:`cxroi.council.services`, which audits it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxroi.extensions import Base
from models._types import utcnow

#: The agenda every monthly meeting follows, in order: key and heading.
AGENDA: tuple[tuple[str, str], ...] = (
    ("actions_review", "Last meeting's actions reviewed"),
    ("results", "Results"),
    ("department_reports", "Department reports"),
    ("initiatives", "Initiatives"),
    ("decisions", "Decisions"),
    ("next_steps", "Next steps"),
)
AGENDA_KEYS = tuple(key for key, _ in AGENDA)
ACTION_STATUSES: tuple[str, ...] = ("open", "in_progress", "done", "dropped")
ACTION_STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}


class CouncilMeeting(Base):
    """One monthly meeting of the operational CX council (one per month)."""

    __tablename__ = "council_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM
    held_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    notes: Mapped[list[CouncilNote]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    def note(self, item: str) -> str:
        for n in self.notes:
            if n.item == item:
                return n.body
        return ""


class CouncilNote(Base):
    """The notes of one agenda item of one meeting."""

    __tablename__ = "council_notes"
    __table_args__ = (UniqueConstraint("meeting_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("council_meetings.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[CouncilMeeting] = relationship(back_populates="notes")


class CouncilAction(Base):
    """An action agreed by the council: what, who, by when, how far, for which case."""

    __tablename__ = "council_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_meetings.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS.get(self.status, self.status)


class CouncilDecision(Base):
    """A decision of the council: what was decided, when, by whom, for which case."""

    __tablename__ = "council_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_meetings.id", ondelete="SET NULL"), index=True
    )
    what: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
