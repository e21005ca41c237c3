"""Archiving a case and restoring it: soft, audited, nothing deleted.

Who may: :func:`cxroi.workflow.may_archive` (the case's owner, finance or an admin).
Archiving sets when and by whom on the case (sealed with its row) and records why in the
audit trail (``case`` / ``archive``, the reason as the new value); restoring clears them
and records who and, if given, why (``case`` / ``restore``). The case keeps its state,
versions, links, decisions and history: the portfolio hides it from its list and totals
(its "Archived" filter shows it), and every edit, step, review, comment, actuals entry and
sponsor decision is refused until it is restored (:data:`cxroi.workflow.ARCHIVED_READ_ONLY`).
An approve link of an archived case still opens its page, which says that no decision can
be recorded while the case is archived; restored, the link decides again if still valid.
"""

from __future__ import annotations

from cxroi.approvals.errors import Conflict, InputError, conflict_if_stale
from cxroi.audit.services import record_change
from cxroi.cases import permissions
from cxroi.cases.services import check_lock, get_case
from cxroi.engine.schema import text_problem
from cxroi.extensions import db
from models import Case, User
from models._types import utcnow

MAX_REASON = 1000
#: The audit trail's field for the reason given.
REASON = "reason"


def clean_reason(reason: str | None, *, required: bool) -> str:
    """The reason as stored, or :class:`InputError` naming the ``reason`` field."""
    text = (reason or "").strip()
    if not text:
        if required:
            raise InputError(REASON, "Say why the case is archived, for its history.")
        return ""
    if (problem := text_problem(text, multiline=True)) is not None:
        raise InputError(REASON, f"The reason {problem}.")
    if len(text) > MAX_REASON:
        raise InputError(REASON, f"The reason must be {MAX_REASON:,} characters or fewer.")
    return text


def _stale() -> str:
    return (
        "Someone changed this case while you were doing this; nothing was done. "
        "Reload the page to see where it stands now."
    )


def archive_case(actor: User, case_id: int, reason: str | None, lock_version: int | None) -> Case:
    """Archive the case, saying why; audited; commits."""
    case = get_case(case_id)
    permissions.require_archive(actor, case)
    if case.archived:
        raise Conflict(permissions.archived_notice(case))
    text = clean_reason(reason, required=True)
    check_lock(case, lock_version)
    with conflict_if_stale(_stale()):
        case.archived_at, case.archived_by_id = utcnow(), actor.id
        record_change(
            actor=actor, entity="case", entity_id=case.id, action="archive", case_id=case.id,
            field=REASON, new=text,
        )  # fmt: skip
        db.session.commit()
    return case


def restore_case(actor: User, case_id: int, reason: str | None, lock_version: int | None) -> Case:
    """Restore an archived case as it was (same state); audited; commits."""
    case = get_case(case_id)
    permissions.require_archive(actor, case)
    if not case.archived:
        raise Conflict(f"“{case.title}” is not archived: there is nothing to restore.")
    text = clean_reason(reason, required=False)
    check_lock(case, lock_version)
    with conflict_if_stale(_stale()):
        case.archived_at, case.archived_by_id = None, None
        record_change(
            actor=actor, entity="case", entity_id=case.id, action="restore", case_id=case.id,
            field=REASON, new=text or None,
        )  # fmt: skip
        db.session.commit()
    return case
