"""Moving a case along the workflow: permission, state, version, audit row, chain entry.

Every step goes through :func:`take_case_step`, which asks :mod:`.workflow` whether
the role may take it, checks the case-specific rules (ownership, all assumptions
accepted), writes the audit trail and the hash chain, and commits.
"""

from __future__ import annotations

from cxroi.approvals import review, versions
from cxroi.approvals.errors import Conflict, PermissionDenied, conflict_if_stale
from cxroi.approvals.ledger import append_entry
from cxroi.approvals.workflow import (
    STATE_LABELS,
    STEPS,
    StepNotAllowed,
    WorkflowError,
    take_step,
)
from cxroi.audit.services import record_change
from cxroi.engine import CaseValidationError
from cxroi.extensions import db
from models import Case, User
from models.approval import CaseVersion

OWNER_STEPS = frozenset({"submit", "withdraw"})


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + "."


def _check_case_rules(case: Case, step: str, user: User) -> None:
    if step in OWNER_STEPS and case.owner_id != user.id:
        raise PermissionDenied(f"Only the case's owner can {STEPS[step].label.format(case='it')}.")
    if step == "reopen" and user.role == "cx" and case.owner_id != user.id:
        raise PermissionDenied("Only the case's owner or finance can start a new draft of it.")
    if step == "sign_off":
        try:
            case.doc  # noqa: B018 - a stored document changed behind the editor's back
        except CaseValidationError as exc:
            problems = "; ".join(str(i) for i in exc.issues[:5])
            raise Conflict(f"The case cannot be frozen while it has errors: {problems}") from None
        pending = review.all_accepted(case)
        if pending:
            names = ", ".join(pending[:8]) + ("…" if len(pending) > 8 else "")
            raise Conflict(
                f"Finance signs off only when every assumption is accepted; "
                f"{len(pending)} not accepted yet: {names}."
            )


def take_case_step(case: Case, step: str, user: User, *, note: str = "") -> Case:
    """Take ``step`` on ``case`` as ``user`` (not the sponsor: see links.decide); commits."""
    try:
        new_state = take_step(case.status, step, user.role)
    except StepNotAllowed as exc:
        raise PermissionDenied(_sentence(exc)) from None
    except WorkflowError as exc:
        raise Conflict(_sentence(exc)) from None
    _check_case_rules(case, step, user)
    with conflict_if_stale(
        "Someone changed this case while you were doing this; nothing was done. "
        "Reload the page to see where it stands now."
    ):
        _apply_step(case, step, new_state, user, note)
        db.session.commit()
    return case


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def _apply_step(case: Case, step: str, new_state: str, user: User, note: str) -> None:
    """Freeze or supersede as the step requires, move the case, log it (no commit)."""
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
