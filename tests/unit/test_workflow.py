"""The workflow table: steps by state and role, edit rights, labels (cxroi.workflow)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cxroi import workflow
from cxroi.workflow import (
    APPROVED,
    CHANGES_REQUESTED,
    CONTENT_EDITS,
    DRAFT,
    EDIT_KINDS,
    IN_REVIEW,
    READY,
    REJECTED,
    STATES,
    STEPS,
    StepNotAllowed,
    WrongState,
    allowed_steps,
    edit_starts_new_draft,
    holds_anywhere,
    is_frozen,
    label,
    may_edit,
    may_take_step,
    take_step,
    waiting_for,
)
from tests.support import ROOT

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


# -- edit rights ----------------------------------------------------------------------------

FROZEN_STATES = (READY, APPROVED, REJECTED, CHANGES_REQUESTED)
# (state, actor) -> the kinds of edit allowed, written out by hand from the rules:
# the CX owner edits the case and finance its inputs in a draft, and in a frozen state
# (where the edit starts a new draft); in review CX withdraws first while finance keeps
# its inputs and reviews; CX and finance always take part in the discussion.
OWNER, OTHER_CX = "owner", "other cx"
ALLOWED_EDITS = {
    (DRAFT, OWNER): {"case", "comment"},
    (DRAFT, OTHER_CX): {"comment"},
    (DRAFT, "finance"): {"finance_inputs", "comment"},
    (IN_REVIEW, OWNER): {"comment"},
    (IN_REVIEW, OTHER_CX): {"comment"},
    (IN_REVIEW, "finance"): {"finance_inputs", "review", "comment"},
    **{(s, OWNER): {"case", "comment"} for s in FROZEN_STATES},
    **{(s, OTHER_CX): {"comment"} for s in FROZEN_STATES},
    **{(s, "finance"): {"finance_inputs", "comment"} for s in FROZEN_STATES},
}
ACTOR_ROLES = {OWNER: ("cx", True), OTHER_CX: ("cx", False)}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("actor", [OWNER, OTHER_CX, "finance", "admin", "sponsor"])
@pytest.mark.parametrize("is_owner", [True, False])
def test_every_state_role_and_kind_of_edit_is_allowed_or_refused_as_listed(state, actor, is_owner):
    role, owner = ACTOR_ROLES.get(actor, (actor, is_owner))
    allowed = {k for k in EDIT_KINDS if may_edit(state, role, k, is_owner=owner)}
    assert allowed == ALLOWED_EDITS.get((state, actor), set())


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", EDIT_KINDS)
def test_a_content_edit_of_a_frozen_case_and_only_that_starts_a_new_draft(state, kind):
    starts = state in FROZEN_STATES and kind in ("case", "finance_inputs")
    assert edit_starts_new_draft(state, kind) is starts


@pytest.mark.parametrize("state", FROZEN_STATES)
@pytest.mark.parametrize("role", ["cx", "finance", "admin", "sponsor"])
@pytest.mark.parametrize("is_owner", [True, False])
@pytest.mark.parametrize("kind", sorted(CONTENT_EDITS))
def test_a_frozen_case_is_edited_by_who_may_reopen_it_and_edit_a_draft(state, role, is_owner, kind):
    """The issue's rule, stated once more over the table: reopen AND the draft's right."""
    both = may_take_step(state, "reopen", role, is_owner=is_owner) and may_edit(
        DRAFT, role, kind, is_owner=is_owner
    )
    assert may_edit(state, role, kind, is_owner=is_owner) is both


def test_changes_requested_is_frozen_like_every_decided_state():
    """The old copy of the rules let CX edit this state in place; it is frozen."""
    assert is_frozen(CHANGES_REQUESTED)
    assert may_edit(CHANGES_REQUESTED, "cx", "case", is_owner=True)
    assert edit_starts_new_draft(CHANGES_REQUESTED, "case")


def test_steps_owned_by_the_case_owner_name_who_else_may_take_them():
    with pytest.raises(StepNotAllowed, match="only the case's owner can submit it"):
        take_step(DRAFT, "submit", "cx", is_owner=False)
    with pytest.raises(StepNotAllowed, match="only the case's owner or finance can edit it"):
        take_step(APPROVED, "reopen", "cx", is_owner=False)
    assert allowed_steps(READY, "cx", is_owner=False) == []
    assert allowed_steps(READY, "finance", is_owner=False) == ["withdraw_sign_off", "reopen"]


def test_labels_and_who_holds_the_next_step():
    assert [label(s) for s in STATES] == [
        "Draft",
        "In finance review",
        "Ready for approval",
        "Approved",
        "Rejected",
        "Changes requested",
    ]
    assert label("archived") == "archived"
    assert waiting_for("finance") == {IN_REVIEW}
    assert waiting_for("cx") == {DRAFT, REJECTED, CHANGES_REQUESTED}
    assert holds_anywhere("finance", "review") and not holds_anywhere("cx", "review")
    assert not any(holds_anywhere("admin", k) for k in EDIT_KINDS)


def test_the_workflow_imports_no_web_or_database_package():
    code = (
        "import sys\n"
        "import cxroi.workflow\n"
        "print(sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in {'flask', 'sqlalchemy', 'models', 'werkzeug'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_step_tells_what_was_done_without_a_placeholder():
    for step in workflow.STEPS.values():
        message = step.done_message("Chat support", step.target)
        assert step.done and "{" not in message and "}" not in message, step.name
        assert message.startswith(f"{step.done}: “Chat support” is now ")
        assert message.endswith(f"{workflow.label(step.target).lower()}.")
