"""Moving a case along the workflow: permission, state, version, audit row, chain entry.

Every step goes through :func:`take_case_step`, which asks :mod:`cxroi.workflow` whether
the user may take it (role and ownership), checks the case-specific rule (every review item
accepted before a sign-off), writes the audit trail and the hash chain, and commits.
An edit of a frozen case takes the ``reopen`` step first, in the edit's own transaction:
:func:`start_new_draft_if_frozen`.
"""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from cxroi import notify
from cxroi.approvals import review, versions
from cxroi.approvals.errors import Conflict, PermissionDenied, conflict_if_stale
from cxroi.approvals.ledger import append_entry
from cxroi.audit.services import record_change
from cxroi.engine import CaseValidationError
from cxroi.errors import StaleEdit
from cxroi.extensions import db
from cxroi.workflow import (
    ARCHIVED_READ_ONLY,
    IN_REVIEW,
    CaseIsArchived,
    StepNotAllowed,
    WorkflowError,
    edit_starts_new_draft,
    take_step,
)
from models import Case, User
from models.approval import CaseVersion


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + "."


def _check_case_rules(case: Case, step: str) -> None:
    if step == "sign_off":
        try:
            case.doc  # noqa: B018 - a stored document changed behind the editor's back
        except CaseValidationError as exc:
            problems = "; ".join(str(i) for i in exc.issues[:5])
            raise Conflict(f"The case cannot be frozen while it has errors: {problems}") from None
        pending = review.pending(case)
        if pending:
            names = ", ".join(
                f"{s.item.key or s.item.label}{' (changed since accepted)' if s.stale else ''}"
                for s in pending[:8]
            ) + ("…" if len(pending) > 8 else "")
            raise Conflict(
                "Finance signs off only when every item (assumptions, lines, scenarios and "
                f"finance settings) is accepted as it stands; {len(pending)} not accepted "
                f"yet: {names}."
            )


def take_case_step(case: Case, step: str, user: User, *, note: str = "") -> Case:
    """Take ``step`` on ``case`` as ``user`` (not the sponsor: see links.decide); commits."""
    new_state = _next_state(case, step, user)
    _check_case_rules(case, step)
    with conflict_if_stale(
        "Someone changed this case while you were doing this; nothing was done. "
        "Reload the page to see where it stands now."
    ):
        _apply_step(case, step, new_state, user, note)
        db.session.commit()
    return case


def _next_state(case: Case, step: str, user: User) -> str:
    try:
        return take_step(
            case.status, step, user.role, is_owner=case.owner_id == user.id,
            archived=case.archived,
        )  # fmt: skip
    except StepNotAllowed as exc:
        raise PermissionDenied(_sentence(exc)) from None
    except CaseIsArchived as exc:
        raise Conflict(f"{_sentence(exc)} {ARCHIVED_READ_ONLY}") from None
    except WorkflowError as exc:
        raise Conflict(_sentence(exc)) from None


def start_new_draft_if_frozen(case: Case, user: User) -> CaseVersion | None:
    """Before ``user`` edits ``case``: if it is frozen, take the ``reopen`` step.

    The frozen version is superseded, the case becomes a draft, and the step is in the
    audit trail and the hash chain, exactly as the "Edit: start a new draft" button does;
    but inside the caller's transaction and without committing, so the step and the edit
    commit (or roll back) together. Returns the superseded version, or None when the case
    was not frozen (or had no current version). The caller has already checked that the
    user may make the edit (:func:`cxroi.workflow.may_edit`); a user who may not reopen the
    case gets ``PermissionDenied`` here all the same. Someone else's save since the caller
    read the case is a ``StaleEdit`` (nothing kept), as in the rest of the save pipeline.
    """
    if not edit_starts_new_draft(case.status):
        return None
    new_state = _next_state(case, "reopen", user)
    try:
        superseded = _apply_step(case, "reopen", new_state, user, "")
        db.session.flush()  # the case's lock version is checked here, not half-way later
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit() from None
    return superseded


def _apply_step(case: Case, step: str, new_state: str, user: User, note: str) -> CaseVersion | None:
    """Freeze or supersede as the step requires, move the case, log it (no commit).

    Returns the version the step superseded, if any."""
    old_state = case.status
    version: CaseVersion | None = None
    superseded: CaseVersion | None = None
    if step == "sign_off":
        version = versions.freeze(case, user)
    elif step == "reopen":
        superseded = versions.supersede_current(
            case, f"a new draft was started by {user.display_name}"
        )
    elif step == "withdraw_sign_off":
        superseded = versions.supersede_current(
            case, f"finance ({user.display_name}) withdrew the sign-off"
        )
    case.status = new_state
    if new_state == IN_REVIEW and old_state != IN_REVIEW:
        notify.notify(
            notify.finance_team(),
            "review_requested",
            case,
            f'"{case.title}" is waiting for finance review',
            f"{user.display_name} sent {case.title} to finance review: every number in it "
            "needs a reviewer's verdict before sign-off.",
            f"/cases/{case.id}/review",
            skip=user,
        )
    record_change(
        actor=user,
        entity="case",
        entity_id=case.id,
        action=step,
        case_id=case.id,
        field="status",
        old=old_state,
        new=new_state,
    )
    data = {
        "step": step,
        "from": old_state,
        "to": new_state,
        "actor": user.email,
        "actor_id": user.id,
        "note": note,
    }
    if version is not None:
        data |= {
            "version": version.number,
            "version_hash": version.case_hash,
            "result_hash": version.result_hash,
        }
        record_change(
            actor=user,
            entity="version",
            entity_id=version.id,
            action="freeze",
            case_id=case.id,
            field="case_hash",
            new=version.case_hash,
        )
    if superseded is not None:
        data |= {"superseded_version": superseded.number, "superseded_hash": superseded.case_hash}
        record_change(
            actor=user,
            entity="version",
            entity_id=superseded.id,
            action="supersede",
            case_id=case.id,
            field="case_hash",
            old=superseded.case_hash,
        )
    append_entry("state", case.id, data)
    return superseded
