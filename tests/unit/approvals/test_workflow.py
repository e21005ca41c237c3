from __future__ import annotations

import pytest

from cxroi.approvals.workflow import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    IN_REVIEW,
    READY,
    REJECTED,
    STATES,
    STEPS,
    StepNotAllowed,
    WrongState,
    allowed_steps,
    take_step,
)

# (state, step, role) -> new state; every other combination is refused.
ALLOWED = {
    (DRAFT, "submit", "cx"): IN_REVIEW,
    (IN_REVIEW, "withdraw", "cx"): DRAFT,
    (IN_REVIEW, "return_to_draft", "finance"): DRAFT,
    (IN_REVIEW, "sign_off", "finance"): READY,
    (READY, "withdraw_sign_off", "finance"): IN_REVIEW,
    (READY, "approve", "sponsor"): APPROVED,
    (READY, "reject", "sponsor"): REJECTED,
    (READY, "request_changes", "sponsor"): CHANGES_REQUESTED,
    **{
        (s, "reopen", r): DRAFT
        for s in (READY, APPROVED, REJECTED, CHANGES_REQUESTED)
        for r in ("cx", "finance")
    },
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("role", ["cx", "finance", "admin", "sponsor"])
def test_every_state_step_and_role_is_allowed_or_refused_as_the_table_says(state, step, role):
    expected = ALLOWED.get((state, step, role))
    if expected is not None:
        assert take_step(state, step, role) == expected
    else:
        with pytest.raises((StepNotAllowed, WrongState)):
            take_step(state, step, role)


def test_a_forbidden_role_is_told_so_before_the_state_is_considered():
    with pytest.raises(StepNotAllowed, match="a cx user cannot sign off a draft"):
        take_step(DRAFT, "sign_off", "cx")
    with pytest.raises(StepNotAllowed, match="an admin user cannot submit"):
        take_step(DRAFT, "submit", "admin")


def test_a_right_role_in_the_wrong_state_gets_a_state_message():
    with pytest.raises(WrongState, match="cannot approve a case in finance review"):
        take_step(IN_REVIEW, "approve", "sponsor")


def test_only_the_sponsor_decides_and_only_on_a_ready_case():
    assert allowed_steps(READY, "sponsor") == ["approve", "reject", "request_changes"]
    assert allowed_steps(IN_REVIEW, "sponsor") == []
    assert allowed_steps(READY, "finance") == ["withdraw_sign_off", "reopen"]
