"""Who may change what in a case: a reader of the edit rights in :mod:`cxroi.workflow`.

The rules are the workflow's table, not this module's: for each state and role, the
kinds of edit allowed (``case``: details, lines, scenarios and the assumptions not
owned by Finance, CX owner only; ``finance_inputs``: the discount rate, the continuing
value and tax settings, and the assumptions whose owner is Finance). Here they are
asked about a user and a case, and a refusal raises ``PermissionDenied`` saying why.
In short:

- the CX owner edits the case in a draft; in finance review they withdraw it first;
- finance edits its inputs in a draft and in review;
- editing a frozen case (ready, approved, rejected, changes requested) is allowed to the
  same people and starts a new draft: the save takes the ``reopen`` step first
  (:func:`cxroi.approvals.steps.start_new_draft_if_frozen`);
- ``admin`` manages users and reads cases;
- an archived case takes no edit at all until it is restored (its owner, finance or an
  admin archive and restore it: :func:`cxroi.workflow.may_archive`).

Every signed-in user may read every case (the portfolio is shared).
"""

from __future__ import annotations

from typing import Protocol

from cxroi import workflow
from cxroi.engine.casefile import owned_by_finance
from cxroi.errors import DomainError, PermissionDenied
from models import Case, User


class Assumption(Protocol):
    """Anything that knows whether Finance owns it (a row, or the engine's assumption)."""

    @property
    def finance_owned(self) -> bool: ...


class CaseArchived(DomainError):
    """An edit of an archived case (409): restore it first."""

    status = 409


def _may(user: User, case: Case, kind: str) -> bool:
    return workflow.may_edit(
        case.status, user.role, kind, is_owner=case.owner_id == user.id, archived=case.archived
    )


def archived_notice(case: Case) -> str:
    """Why an archived case refuses an edit: when, by whom, and who restores it."""
    by = case.archived_by.display_name if case.archived_by is not None else "someone"
    when = f"{case.archived_at:%d %b %Y}" if case.archived_at is not None else ""
    return f"Archived on {when} by {by}. {workflow.ARCHIVED_READ_ONLY}"


def require_not_archived(case: Case) -> None:
    """Refuse any change to an archived case (409), saying when, by whom and what to do."""
    if case.archived:
        raise CaseArchived(archived_notice(case))


def may_archive(user: User, case: Case) -> bool:
    """Whether ``user`` archives (and restores) ``case``: its owner, finance or an admin."""
    return workflow.may_archive(user.role, is_owner=case.owner_id == user.id)


def require_archive(user: User, case: Case) -> None:
    require(
        may_archive(user, case),
        "Only the case's owner, finance or an administrator can archive or restore it.",
    )


def kind_of(row: Assumption | None, case: Case | None = None) -> str:
    """The kind of edit a change to ``row`` is (a new assumption, ``None``, is the case's).

    The assumption that sets ``case``'s discount rate is Finance's, like the rate.
    """
    if row is None:
        return workflow.assumption_kind(False)
    rate_key = case.doc.discount_rate_key if case is not None else None
    return workflow.assumption_kind(
        owned_by_finance(
            "finance" if row.finance_owned else None, getattr(row, "key", None), rate_key
        )
    )


def can_create_case(user: User) -> bool:
    """Whoever would edit a new draft as its owner creates one: CX users."""
    return workflow.may_edit(workflow.DRAFT, user.role, workflow.CASE, is_owner=True)


def can_edit_case(user: User, case: Case) -> bool:
    """Title, problem, timing, lines, scenarios and non-finance assumptions."""
    return _may(user, case, workflow.CASE)


def can_edit_discount_rate(user: User, case: Case) -> bool:
    """Finance's settings (discount rate, continuing value, tax) and its assumptions."""
    return _may(user, case, workflow.FINANCE_INPUTS)


can_edit_finance_inputs = can_edit_discount_rate


def can_edit_assumption(user: User, case: Case, row: Assumption | None) -> bool:
    """A new assumption (``row`` None) or an existing one."""
    return _may(user, case, kind_of(row, case))


def can_edit_anything(user: User, case: Case) -> bool:
    return any(_may(user, case, kind) for kind in workflow.CONTENT_EDITS)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def require_create(user: User) -> None:
    require(can_create_case(user), "Only CX users create business cases.")


def _state_reason(user: User, case: Case, kind: str) -> str | None:
    """Why the user cannot make this edit now, when they could in a draft (else None)."""
    owner = case.owner_id == user.id
    if not workflow.may_edit(workflow.DRAFT, user.role, kind, is_owner=owner):
        return None
    back = [
        workflow.STEPS[s].label.format(case="it")
        for s in workflow.allowed_steps(case.status, user.role, is_owner=owner)
        if workflow.STEPS[s].target == workflow.DRAFT
    ]
    state = workflow.label(case.status).lower()
    if back:
        return f"This case is {state}: {back[0]} to change it."
    return f"This case is {state}: it cannot be edited."


def require_edit_any(user: User, case: Case) -> None:
    """Some content edit of the case (a page that edits finance's inputs or the case's)."""
    require_not_archived(case)
    require(can_edit_anything(user, case), "You cannot edit this case.")


def require_edit(user: User, case: Case) -> None:
    """The case's own content (``case`` kind)."""
    require_not_archived(case)
    if can_edit_case(user, case):
        return
    raise PermissionDenied(
        _state_reason(user, case, workflow.CASE)
        or "Only the CX owner of this case can change it. "
        "Finance edits the discount rate and the assumptions owned by Finance."
    )


def require_edit_assumption(user: User, case: Case, row: Assumption | None) -> None:
    require_not_archived(case)
    kind = kind_of(row, case)
    if kind != workflow.FINANCE_INPUTS:
        require_edit(user, case)
        return
    if can_edit_finance_inputs(user, case):
        return
    name = getattr(row, "label", "") or getattr(row, "key", "")
    raise PermissionDenied(
        _state_reason(user, case, kind)
        or f'"{name}" is owned by Finance: only Finance can change it. To question it, '
        "raise a challenge on the case's review page."
    )
