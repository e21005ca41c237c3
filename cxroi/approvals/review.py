"""Finance's per-assumption review and the comment threads on cases and assumptions.

A verdict is bound to the assumption's content (its fingerprint): once CX changes
the assumption, the old verdict no longer applies and it reads as unreviewed again,
so "every assumption accepted" always means accepted as it stands now.

Verdicts and threads are stored against the assumption's document id, which a
rename keeps; pages and URLs name assumptions by key, translated here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select

from cxroi.approvals.errors import Conflict, InputError, NotFound, PermissionDenied
from cxroi.audit.services import record_change
from cxroi.engine import Assumption
from cxroi.extensions import db
from cxroi.workflow import COMMENT, REVIEW, holds_anywhere, may_edit
from models import Case, User
from models._types import utcnow
from models.review import AssumptionReview, Comment

ACCEPTED, CHALLENGED, UNREVIEWED = "accepted", "challenged", "unreviewed"
MAX_COMMENT = 4000


#: What finance reviews of an assumption: its number, range, unit and provenance. Not the
#: key (a rename keeps the verdict), nor the notes or the author's confidence.
REVIEWED_FIELDS = ("label", "value", "unit", "low", "high", "source", "owner")


def fingerprint(row: Assumption) -> str:
    """SHA-256 of what finance reviews (:data:`REVIEWED_FIELDS`, as the document has them)."""
    doc = {name: getattr(row, name) for name in REVIEWED_FIELDS}
    doc = {k: v for k, v in doc.items() if v is not None}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ReviewStatus:
    key: str
    status: str  # accepted, challenged, unreviewed
    stale: bool  # a verdict exists but the assumption changed since
    reviewer: str | None


def review_statuses(case: Case) -> dict[str, ReviewStatus]:
    """Each assumption's effective status, in register order."""
    verdicts = {
        r.item_id: r
        for r in db.session.scalars(
            select(AssumptionReview).where(AssumptionReview.case_id == case.id)
        )
    }
    users = _names({v.reviewer_id for v in verdicts.values() if v.reviewer_id})
    out: dict[str, ReviewStatus] = {}
    for row in case.assumptions:
        verdict = verdicts.get(row.id)
        if verdict is None:
            out[row.key] = ReviewStatus(row.key, UNREVIEWED, False, None)
        elif verdict.fingerprint != fingerprint(row):
            out[row.key] = ReviewStatus(row.key, UNREVIEWED, True, users.get(verdict.reviewer_id))
        else:
            out[row.key] = ReviewStatus(
                row.key, verdict.status, False, users.get(verdict.reviewer_id)
            )
    return out


def _names(ids: set[int]) -> dict[int | None, str]:
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def all_accepted(case: Case) -> list[str]:
    """The keys of assumptions not (or no longer) accepted; empty means all accepted."""
    return [k for k, s in review_statuses(case).items() if s.status != ACCEPTED]


def _assumption(case: Case, key: str) -> Assumption:
    row = case.assumption_by_key(key)
    if row is None:
        raise NotFound(f'Case {case.id} has no assumption "{key}".')
    return row


def _clean_body(body: str | None, field: str = "body") -> str:
    text = (body or "").strip()
    if not text:
        raise InputError(field, "Enter a comment.")
    if len(text) > MAX_COMMENT:
        raise InputError(field, f"A comment must be {MAX_COMMENT:,} characters or fewer.")
    return text


def review_assumption(
    case: Case, key: str, verdict: str, user: User, comment: str | None = None
) -> ReviewStatus:
    """Finance accepts or challenges an assumption (a challenge needs a comment); commits."""
    if not holds_anywhere(user.role, REVIEW):
        raise PermissionDenied("Only finance reviews assumptions.")
    if not may_edit(case.status, user.role, REVIEW, is_owner=case.owner_id == user.id):
        raise Conflict(
            f"Assumptions are reviewed while a case is in finance review; this one is "
            f"{case.status_label.lower()}."
        )
    if verdict not in (ACCEPTED, CHALLENGED, UNREVIEWED):
        raise InputError("verdict", "Choose accept, challenge or unreviewed.")
    row = _assumption(case, key)
    body = _clean_body(comment, "comment") if verdict == CHALLENGED else (comment or "").strip()
    existing = db.session.scalar(
        select(AssumptionReview).where(
            AssumptionReview.case_id == case.id, AssumptionReview.item_id == row.id
        )
    )
    old = existing.status if existing is not None else UNREVIEWED
    if verdict == UNREVIEWED:
        if existing is not None:
            db.session.delete(existing)
    else:
        if existing is None:
            existing = AssumptionReview(case_id=case.id, item_id=row.id)
            db.session.add(existing)
        existing.status = verdict
        existing.fingerprint = fingerprint(row)
        existing.reviewer_id = user.id
        existing.reviewed_at = utcnow()
    record_change(
        actor=user,
        entity="assumption_review",
        entity_id=None,
        item_id=row.id,
        action="review",
        case_id=case.id,
        field=key,
        old=old,
        new=verdict,
    )
    if body:
        _add_comment(
            case, key, user, body, kind="challenge" if verdict == CHALLENGED else "comment"
        )
    db.session.commit()
    return review_statuses(case)[key]


# -- comments ---------------------------------------------------------------------------


def _may_comment(case: Case, user: User) -> None:
    if not may_edit(case.status, user.role, COMMENT, is_owner=case.owner_id == user.id):
        raise PermissionDenied("Only CX and finance users take part in a case's discussion.")


def _add_comment(
    case: Case,
    key: str | None,
    user: User,
    body: str,
    *,
    kind: str = "comment",
    thread: Comment | None = None,
) -> Comment:
    comment = Comment(
        case_id=case.id,
        item_id=(
            thread.item_id if thread else (_assumption(case, key).id if key is not None else None)
        ),
        thread_id=thread.id if thread else None,
        kind=kind,
        body=body,
        author_id=user.id,
        author_name=user.display_name,
    )
    db.session.add(comment)
    db.session.flush()
    record_change(
        actor=user,
        entity="comment",
        entity_id=comment.id,
        action="reply" if thread else "create",
        case_id=case.id,
        field=key,
        item_id=comment.item_id,
        new=body,
    )
    return comment


def start_thread(case: Case, user: User, body: str, key: str | None = None) -> Comment:
    """A new thread on the case (``key`` None) or on one assumption; commits."""
    _may_comment(case, user)
    if key is not None:
        _assumption(case, key)
    comment = _add_comment(case, key, user, _clean_body(body))
    db.session.commit()
    return comment


def _thread(case: Case, thread_id: int) -> Comment:
    root = db.session.get(Comment, thread_id)
    if root is None or root.case_id != case.id or root.thread_id is not None:
        raise NotFound(f"Case {case.id} has no thread {thread_id}.")
    return root


def reply(case: Case, thread_id: int, user: User, body: str) -> Comment:
    """Answer a thread (a challenge, typically); reopens it if it was resolved; commits."""
    _may_comment(case, user)
    root = _thread(case, thread_id)
    comment = _add_comment(case, key_of(case, root), user, _clean_body(body), thread=root)
    root.resolved_at = None
    root.resolved_by_name = None
    db.session.commit()
    return comment


def resolve(case: Case, thread_id: int, user: User, *, resolved: bool = True) -> Comment:
    """Mark a thread resolved (or open again): its author, the case owner or finance; commits."""
    _may_comment(case, user)
    root = _thread(case, thread_id)
    if not (user.id in (root.author_id, case.owner_id) or user.role == "finance"):
        raise PermissionDenied(
            "Only the thread's author, the case owner or finance can resolve a thread."
        )
    root.resolved_at = utcnow() if resolved else None
    root.resolved_by_name = user.display_name if resolved else None
    record_change(
        actor=user,
        entity="comment",
        entity_id=root.id,
        action="resolve" if resolved else "reopen",
        case_id=case.id,
        field=key_of(case, root),
        item_id=root.item_id,
    )
    db.session.commit()
    return root


def key_of(case: Case, comment: Comment) -> str | None:
    """The current key of the assumption a thread is about (None: the case itself, or an
    assumption since deleted)."""
    if comment.item_id is None:
        return None
    row = case.assumption_by_id(comment.item_id)
    return row.key if row is not None else None


def threads(case: Case) -> dict[str | None, list[Comment]]:
    """Threads by assumption key (None: the case's own, and threads of deleted
    assumptions), oldest first, replies loaded."""
    out: dict[str | None, list[Comment]] = {}
    for root in db.session.scalars(
        select(Comment)
        .where(Comment.case_id == case.id, Comment.thread_id.is_(None))
        .order_by(Comment.created_at, Comment.id)
    ):
        out.setdefault(key_of(case, root), []).append(root)
    return out
