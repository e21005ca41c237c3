"""What awaits a signed-in user: reviews requested, challenges to answer, decisions received."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, select

from cxroi import labels
from cxroi.extensions import db
from cxroi.workflow import DECIDED, waiting_for
from models import Case, User
from models.approval import CaseVersion, Decision
from models.review import Comment

RECENT_DECISIONS = 10
#: Cases whose next step is finance's (to review), and decided cases back with their author.
FOR_FINANCE = waiting_for("finance")
BACK_TO_AUTHOR = waiting_for("cx") & DECIDED


@dataclass(frozen=True, slots=True)
class Waiting:
    case_id: int
    title: str
    what: str  # in words: "review 3 assumptions", "answer the challenge on arpu"
    since: datetime | None
    anchor: str = ""  # a fragment on the case's review page


@dataclass(slots=True)
class Inbox:
    reviews: list[Waiting] = field(default_factory=list)
    challenges: list[Waiting] = field(default_factory=list)
    decisions: list[Waiting] = field(default_factory=list)
    to_submit: list[Waiting] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reviews) + len(self.challenges) + len(self.to_submit)


def _open_challenge_threads(*conditions: ColumnElement[bool]) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment)
            .where(
                Comment.thread_id.is_(None),
                Comment.kind == "challenge",
                Comment.resolved_at.is_(None),
                *conditions,
            )
            .order_by(Comment.created_at)
        )
    )


def _last_author(root: Comment) -> int | None:
    return (root.replies[-1] if root.replies else root).author_id


def inbox_for(user: User) -> Inbox:
    """What waits for ``user``: by role, from the cases they own or review."""
    from cxroi.approvals.review import pending, subject_of

    inbox = Inbox()
    if user.role not in ("cx", "finance"):
        return inbox
    titles: dict[int, str] = {}

    def title(case_id: int) -> str:
        if case_id not in titles:
            case = db.session.get(Case, case_id)
            titles[case_id] = case.title if case else f"case {case_id}"
        return titles[case_id]

    def subject(root: Comment) -> str:
        """What a thread is about: the assumption's (or line's) name as it is now, or the case."""
        case = db.session.get(Case, root.case_id)
        name = subject_of(case, root) if case is not None else None
        if case is None or name is None:
            return "the case"
        return labels.case_names(case).get(name, name)

    if user.role == "finance":
        for case in db.session.scalars(
            # An archived case waits for no one until it is restored.
            select(Case)
            .where(Case.status.in_(FOR_FINANCE), Case.archived_at.is_(None))
            .order_by(Case.updated_at)
        ):
            waiting = pending(case)
            what = (
                f"review {len(waiting)} item{'s' if len(waiting) != 1 else ''}"
                if waiting
                else "every item accepted: sign off"
            )
            inbox.reviews.append(Waiting(case.id, case.title, what, case.updated_at))
        # Challenges this user raised that the author has answered.
        for root in _open_challenge_threads(Comment.author_id == user.id):
            if _last_author(root) != user.id:
                inbox.challenges.append(
                    Waiting(
                        root.case_id,
                        title(root.case_id),
                        f"read the answer to your challenge on {subject(root)}",
                        root.created_at,
                        f"thread-{root.id}",
                    )
                )
        decided = (
            select(Decision)
            .join(CaseVersion, Decision.version_id == CaseVersion.id)
            .where(CaseVersion.signed_off_by_id == user.id)
        )
    else:
        owned = db.session.scalars(select(Case).where(Case.owner_id == user.id)).all()
        titles.update({c.id: c.title for c in owned})
        owned_ids = list(titles)
        if owned_ids:
            for root in _open_challenge_threads(Comment.case_id.in_(owned_ids)):
                if _last_author(root) != user.id:
                    inbox.challenges.append(
                        Waiting(
                            root.case_id,
                            title(root.case_id),
                            f"answer {root.author_name}'s challenge on {subject(root)}",
                            root.created_at,
                            f"thread-{root.id}",
                        )
                    )
        for case in owned:
            if case.status in BACK_TO_AUTHOR and not case.archived:
                inbox.to_submit.append(
                    Waiting(
                        case.id,
                        case.title,
                        f"the sponsor's answer: {case.status_label.lower()}; revise it",
                        case.updated_at,
                    )
                )
        decided = select(Decision).where(Decision.case_id.in_(owned_ids or [-1]))
    for d in db.session.scalars(decided.order_by(Decision.at.desc()).limit(RECENT_DECISIONS)):
        inbox.decisions.append(Waiting(d.case_id, title(d.case_id), f"{d.label} by {d.name}", d.at))
    return inbox
