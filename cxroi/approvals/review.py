"""Finance's review of every review item, and the comment threads on cases and items.

The review items are :func:`cxroi.engine.review_items.review_items`'s: every assumption,
every cost and benefit line, and the finance settings (discount rate, horizon, start
month). A verdict is bound to the item's content (its fingerprint) and keeps the fields
it accepted: once the item changes, the old verdict no longer applies and the item reads
as unreviewed again, "changed since accepted", with what changed. So "every item
accepted" always means accepted as it stands now, and sign-off needs exactly that.

Verdicts and threads are stored against the item's document id ("a1", "c2",
"discount_rate"), which a rename keeps; pages and URLs may name assumptions by key,
translated here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from cxroi import notify
from cxroi.approvals import versions
from cxroi.approvals.diff import FieldChange, field_changes
from cxroi.approvals.errors import Conflict, InputError, NotFound, PermissionDenied
from cxroi.audit.services import record_change
from cxroi.engine import Assumption, load_case
from cxroi.engine.review_items import (
    ASSUMPTION_FIELDS,
    Effect,
    ReviewItem,
    effects_from_dict,
    npv_effects,
    review_items,
)
from cxroi.engine.review_items import fingerprint as fields_fingerprint
from cxroi.extensions import db
from cxroi.workflow import ARCHIVED_READ_ONLY, COMMENT, REVIEW, holds_anywhere, may_edit
from models import Case, User
from models._types import utcnow
from models.approval import CaseVersion
from models.review import Comment, ItemReview

ACCEPTED, CHALLENGED, UNREVIEWED = "accepted", "challenged", "unreviewed"
MAX_COMMENT = 4000
#: How a bulk acceptance was asked for (the audit row's action).
ACCEPT_SELECTED, ACCEPT_UNCHANGED = "accept_selected", "accept_unchanged"

#: What finance reviews of an assumption (kept for callers of the first version).
REVIEWED_FIELDS = ASSUMPTION_FIELDS


def fingerprint(row: Assumption) -> str:
    """SHA-256 of what finance reviews of an assumption (as its review item has it)."""
    return fields_fingerprint({name: getattr(row, name) for name in ASSUMPTION_FIELDS})


@dataclass(frozen=True, slots=True)
class ReviewStatus:
    item: ReviewItem
    status: str  # accepted, challenged, unreviewed
    stale: bool  # a verdict exists but the item changed since
    reviewer: str | None
    #: What changed since the verdict, field by field (empty when not stale, or when the
    #: verdict predates keeping its fields).
    changes: tuple[FieldChange, ...] = ()

    @property
    def key(self) -> str:
        """How pages name the item: an assumption's key, else the item's id."""
        return self.item.key or self.item.id

    @property
    def item_id(self) -> str:
        return self.item.id


def items_of(case: Case) -> tuple[ReviewItem, ...]:
    """The case's review items (the one list: :func:`review_items`)."""
    return review_items(case.doc)


def _verdicts(case: Case) -> dict[str, ItemReview]:
    return {
        r.item_id: r
        for r in db.session.scalars(select(ItemReview).where(ItemReview.case_id == case.id))
    }


def review_statuses(case: Case) -> dict[str, ReviewStatus]:
    """Each review item's effective status, by item id, in the items' order."""
    verdicts = _verdicts(case)
    users = _names({v.reviewer_id for v in verdicts.values() if v.reviewer_id})
    out: dict[str, ReviewStatus] = {}
    for item in items_of(case):
        verdict = verdicts.get(item.id)
        if verdict is None:
            out[item.id] = ReviewStatus(item, UNREVIEWED, False, None)
        elif verdict.fingerprint != item.fingerprint:
            was = json.loads(verdict.reviewed_fields) if verdict.reviewed_fields else None
            changes = field_changes(was, item.fields) if was is not None else ()
            out[item.id] = ReviewStatus(
                item, UNREVIEWED, True, users.get(verdict.reviewer_id), changes
            )
        else:
            out[item.id] = ReviewStatus(item, verdict.status, False, users.get(verdict.reviewer_id))
    return out


def _names(ids: set[int]) -> dict[int | None, str]:
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def pending(case: Case) -> list[ReviewStatus]:
    """The items not (or no longer) accepted; empty means every item is accepted."""
    return [s for s in review_statuses(case).values() if s.status != ACCEPTED]


def all_accepted(case: Case) -> list[str]:
    """The names of the items not (or no longer) accepted; empty means all accepted."""
    return [s.key for s in pending(case)]


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One row of the review page: the item, its status and its effect on NPV."""

    status: ReviewStatus
    effect: Effect | None

    @property
    def item(self) -> ReviewItem:
        return self.status.item


def review_rows(case: Case) -> list[ReviewRow]:
    """Every item with its status and effect on NPV, biggest effect first.

    The effects are the ones stored with the case's result at its last save; a case
    saved before they were kept has them computed here, once (one batch for every
    assumption; see :func:`cxroi.engine.review_items.npv_effects`). Ties keep the
    document's order.
    """
    stored = (case.result or {}).get("review_effects")
    effects = effects_from_dict(stored) if stored is not None else npv_effects(case.doc)
    rows = [ReviewRow(s, effects.get(i)) for i, s in review_statuses(case).items()]

    def size(row: ReviewRow) -> float:
        swing = row.effect.swing if row.effect is not None else 0.0
        return swing if swing == swing else float("inf")  # NaN (too large) first

    return sorted(rows, key=lambda row: -size(row))


def _item(case: Case, item_id: str) -> ReviewItem:
    for item in items_of(case):
        if item.id == item_id:
            return item
    raise NotFound(f'Case {case.id} has no review item "{item_id}".')


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


def _may_review(case: Case, user: User) -> None:
    if not holds_anywhere(user.role, REVIEW):
        raise PermissionDenied("Only finance reviews a case's items.")
    if case.archived:
        raise Conflict(ARCHIVED_READ_ONLY)
    if not may_edit(case.status, user.role, REVIEW, is_owner=case.owner_id == user.id):
        raise Conflict(
            f"Items are reviewed while a case is in finance review; this one is "
            f"{case.status_label.lower()}."
        )


def _set_verdict(
    case: Case,
    item: ReviewItem,
    verdict: str,
    user: User,
    existing: ItemReview | None,
    action: str = "review",
) -> None:
    """Write one verdict and its audit row (no commit)."""
    old = existing.status if existing is not None else UNREVIEWED
    if existing is not None and existing.fingerprint != item.fingerprint:
        old = UNREVIEWED  # a lapsed verdict counted for nothing
    if verdict == UNREVIEWED:
        if existing is not None:
            db.session.delete(existing)
    else:
        if existing is None:
            existing = ItemReview(case_id=case.id, item_id=item.id)
            db.session.add(existing)
        existing.status = verdict
        existing.fingerprint = item.fingerprint
        existing.reviewed_fields = json.dumps(dict(item.fields), sort_keys=True)
        existing.reviewer_id = user.id
        existing.reviewed_at = utcnow()
    record_change(
        actor=user,
        entity="item_review",
        entity_id=None,
        item_id=item.id,
        action=action,
        case_id=case.id,
        field=item.key or item.id,
        old=old,
        new=verdict,
    )


def review_item(
    case: Case,
    item_id: str,
    verdict: str,
    user: User,
    comment: str | None = None,
    *,
    seen: str | None = None,
) -> ReviewStatus:
    """Finance accepts or challenges one item (a challenge needs a comment); commits.

    ``seen`` is the item's fingerprint as the reviewer's page showed it: if the item has
    changed since, nothing is recorded (a page reviewed without reloading lives long)."""
    _may_review(case, user)
    if verdict not in (ACCEPTED, CHALLENGED, UNREVIEWED):
        raise InputError("verdict", "Choose accept, challenge or unreviewed.")
    item = _item(case, item_id)
    if seen is not None and seen != item.fingerprint:
        raise Conflict(
            f"“{item.label}” has changed since this page was loaded, so nothing was "
            "recorded. Reload the page to review it as it stands now."
        )
    body = _clean_body(comment, "comment") if verdict == CHALLENGED else (comment or "").strip()
    _set_verdict(case, item, verdict, user, _verdicts(case).get(item.id))
    if body:
        _add_comment(
            case, item.id, user, body, kind="challenge" if verdict == CHALLENGED else "comment"
        )
    if verdict == CHALLENGED:
        notify.notify(
            [case.owner],
            "challenge",
            case,
            f'{user.display_name} challenged "{item.label}" on "{case.title}"',
            f"{user.display_name} (finance) challenged {item.label}: {body}",
            f"/cases/{case.id}/review",
            skip=user,
        )
    db.session.commit()
    return review_statuses(case)[item.id]


def review_assumption(
    case: Case, key: str, verdict: str, user: User, comment: str | None = None
) -> ReviewStatus:
    """:func:`review_item` for the assumption with this key; commits."""
    _may_review(case, user)
    return review_item(case, _assumption(case, key).id, verdict, user, comment)


def accept_items(
    case: Case,
    user: User,
    item_ids: Sequence[str],
    *,
    confirmed: Mapping[str, str] | None = None,
    action: str = ACCEPT_SELECTED,
) -> list[ReviewStatus]:
    """Accept several items at once: one audit row each, one commit, all or nothing.

    ``confirmed`` maps each id to the fingerprint finance saw on the confirmation page;
    an item changed since is refused (nothing accepted). With ``ACCEPT_UNCHANGED`` every
    item must also still be unchanged since the last signed-off version.
    """
    _may_review(case, user)
    ids = list(dict.fromkeys(i for i in item_ids if i))
    if not ids:
        raise InputError("item", "Choose at least one item to accept.")
    items = {i.id: i for i in items_of(case)}
    unknown = [i for i in ids if i not in items]
    if unknown:
        raise InputError("item", f'This case has no review item "{unknown[0]}".')
    moved = [
        items[i].label
        for i in ids
        if confirmed is not None and confirmed.get(i) != items[i].fingerprint
    ]
    if moved:
        raise Conflict(
            "Changed since you confirmed, so nothing was accepted: "
            + ", ".join(moved[:8])
            + ". Review the list again."
        )
    if action == ACCEPT_UNCHANGED:
        unchanged = {i.id for i in unchanged_since_sign_off(case, include_accepted=True)}
        changed = [items[i].label for i in ids if i not in unchanged]
        if changed:
            raise Conflict(
                "Not unchanged since the last signed-off version, so nothing was accepted: "
                + ", ".join(changed[:8])
                + "."
            )
    verdicts = _verdicts(case)
    for item_id in ids:
        _set_verdict(case, items[item_id], ACCEPTED, user, verdicts.get(item_id), action)
    db.session.commit()
    statuses = review_statuses(case)
    return [statuses[i] for i in ids]


# -- against the last signed-off version --------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemDelta:
    """A review item added, removed or changed since the last signed-off version."""

    item_id: str
    label: str
    kind: str  # assumption, cost, benefit, setting
    change: str  # added, removed, changed
    fields: tuple[FieldChange, ...] = ()


def _signed_off_items(case: Case) -> tuple[CaseVersion, dict[str, ReviewItem]] | None:
    version = versions.latest_version(case.id)
    if version is None:
        return None
    doc, _result = versions.documents(version)
    return version, {i.id: i for i in review_items(load_case(doc))}


def unchanged_since_sign_off(case: Case, *, include_accepted: bool = False) -> list[ReviewItem]:
    """The items exactly as they were in the last signed-off version (none without one);
    those already accepted as they stand are left out unless ``include_accepted``."""
    signed = _signed_off_items(case)
    if signed is None:
        return []
    _version, old = signed
    statuses = review_statuses(case)
    return [
        s.item
        for s in statuses.values()
        if s.item.id in old
        and old[s.item.id].fingerprint == s.item.fingerprint
        and (include_accepted or s.status != ACCEPTED)
    ]


def changes_since_sign_off(
    case: Case,
) -> tuple[CaseVersion | None, list[ItemDelta]]:
    """The last signed-off version and what moved since, item by item, field by field."""
    signed = _signed_off_items(case)
    if signed is None:
        return None, []
    version, old = signed
    new = {i.id: i for i in items_of(case)}
    deltas: list[ItemDelta] = []
    for item_id, item in new.items():
        was = old.get(item_id)
        if was is None:
            deltas.append(ItemDelta(item_id, item.label, item.kind, "added"))
        elif was.fingerprint != item.fingerprint:
            moved = field_changes(was.fields, item.fields)
            deltas.append(ItemDelta(item_id, item.label, item.kind, "changed", moved))
    deltas += [
        ItemDelta(i, was.label, was.kind, "removed") for i, was in old.items() if i not in new
    ]
    return version, deltas


# -- comments ---------------------------------------------------------------------------


def _may_comment(case: Case, user: User) -> None:
    if case.archived and may_edit(
        case.status, user.role, COMMENT, is_owner=case.owner_id == user.id
    ):
        raise Conflict(ARCHIVED_READ_ONLY)
    if not may_edit(case.status, user.role, COMMENT, is_owner=case.owner_id == user.id):
        raise PermissionDenied("Only CX and finance users take part in a case's discussion.")


def _add_comment(
    case: Case,
    item_id: str | None,
    user: User,
    body: str,
    *,
    kind: str = "comment",
    thread: Comment | None = None,
) -> Comment:
    comment = Comment(
        case_id=case.id,
        item_id=thread.item_id if thread else item_id,
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
        field=subject_of(case, comment),
        item_id=comment.item_id,
        new=body,
    )
    return comment


def start_thread(
    case: Case, user: User, body: str, key: str | None = None, *, item_id: str | None = None
) -> Comment:
    """A new thread on the case, on one assumption (``key``) or any review item
    (``item_id``); commits."""
    _may_comment(case, user)
    if key is not None:
        item_id = _assumption(case, key).id
    elif item_id is not None:
        item_id = _item(case, item_id).id
    comment = _add_comment(case, item_id, user, _clean_body(body))
    db.session.commit()
    return comment


def get_thread(case: Case, thread_id: int) -> Comment:
    """A thread of the case by its root comment's id, replies loaded."""
    return _thread(case, thread_id)


def _thread(case: Case, thread_id: int) -> Comment:
    root = db.session.get(Comment, thread_id)
    if root is None or root.case_id != case.id or root.thread_id is not None:
        raise NotFound(f"Case {case.id} has no thread {thread_id}.")
    return root


def reply(case: Case, thread_id: int, user: User, body: str) -> Comment:
    """Answer a thread (a challenge, typically); reopens it if it was resolved; commits."""
    _may_comment(case, user)
    root = _thread(case, thread_id)
    comment = _add_comment(case, None, user, _clean_body(body), thread=root)
    root.resolved_at = None
    root.resolved_by_name = None
    in_thread = [db.session.get(User, r.author_id) for r in [root, *root.replies] if r.author_id]
    notify.notify(
        [case.owner, *in_thread],
        "reply",
        case,
        f'{user.display_name} answered a thread on "{case.title}"',
        f"{user.display_name}: {comment.body}",
        f"/cases/{case.id}/review",
        skip=user,
    )
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
        field=subject_of(case, root),
        item_id=root.item_id,
    )
    db.session.commit()
    return root


def key_of(case: Case, comment: Comment) -> str | None:
    """The current key of the assumption a thread is about (None: the case itself, another
    kind of item, or an assumption since deleted)."""
    if comment.item_id is None:
        return None
    row = case.assumption_by_id(comment.item_id)
    return row.key if row is not None else None


def subject_of(case: Case, comment: Comment) -> str | None:
    """What a thread is about, in words: an assumption's key, a line's name, a setting's
    label; None for the case itself or an item since deleted."""
    if comment.item_id is None:
        return None
    for item in items_of(case):
        if item.id == comment.item_id:
            return item.key or item.label
    return None


def _roots(case: Case) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.case_id == case.id, Comment.thread_id.is_(None))
            .order_by(Comment.created_at, Comment.id)
        )
    )


def threads(case: Case) -> dict[str | None, list[Comment]]:
    """Threads by assumption key (None: the case's own, threads of other items and of
    deleted assumptions), oldest first, replies loaded."""
    out: dict[str | None, list[Comment]] = {}
    for root in _roots(case):
        out.setdefault(key_of(case, root), []).append(root)
    return out


def item_threads(case: Case) -> dict[str | None, list[Comment]]:
    """Threads by review item id (None: the case's own, and threads of deleted items)."""
    live = {i.id for i in items_of(case)}
    out: dict[str | None, list[Comment]] = {}
    for root in _roots(case):
        out.setdefault(root.item_id if root.item_id in live else None, []).append(root)
    return out
