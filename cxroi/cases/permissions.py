"""Who may do what to a case. Services call these; a refusal raises ``PermissionDenied``.

- ``cx`` creates cases and edits the cases they own while they are being drafted,
  except the finance-owned inputs;
- ``finance`` edits the finance-owned inputs (the discount rate and assumptions whose
  owner is Finance) of any case that is not frozen;
- ``admin`` manages users and reads cases.
Every signed-in user may read every case (the portfolio is shared).
"""

from __future__ import annotations

from cxroi.engine import Assumption
from cxroi.errors import PermissionDenied
from models import Case, User

#: Statuses in which the CX owner edits the case.
CX_EDITABLE = frozenset({"draft", "changes_requested"})
#: Statuses in which finance edits its inputs (review happens in ``in_review``).
FINANCE_EDITABLE = frozenset({"draft", "in_review", "changes_requested"})


def can_create_case(user: User) -> bool:
    return user.role == "cx"


def can_edit_case(user: User, case: Case) -> bool:
    """Title, problem, timing, lines, scenarios and non-finance assumptions."""
    return user.role == "cx" and case.owner_id == user.id and case.status in CX_EDITABLE


def can_edit_discount_rate(user: User, case: Case) -> bool:
    return user.role == "finance" and case.status in FINANCE_EDITABLE


def can_edit_assumption(user: User, case: Case, row: Assumption | None) -> bool:
    """A new assumption (``row`` None) or an existing one."""
    if row is not None and row.finance_owned:
        return can_edit_discount_rate(user, case)
    return can_edit_case(user, case)


def can_edit_anything(user: User, case: Case) -> bool:
    return can_edit_case(user, case) or can_edit_discount_rate(user, case)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def require_create(user: User) -> None:
    require(can_create_case(user), "Only CX users create business cases.")


def require_edit(user: User, case: Case) -> None:
    if user.role == "cx" and case.owner_id == user.id and case.status not in CX_EDITABLE:
        raise PermissionDenied(f"This case is {case.status_label.lower()}: it cannot be edited.")
    require(
        can_edit_case(user, case),
        "Only the CX owner of this case can change it. "
        "Finance edits the discount rate and the assumptions owned by Finance.",
    )


def require_edit_assumption(user: User, case: Case, row: Assumption | None) -> None:
    if row is not None and row.finance_owned:
        require(
            can_edit_discount_rate(user, case),
            f'Assumption "{row.key}" is owned by Finance: only Finance can change it.',
        )
    else:
        require_edit(user, case)
