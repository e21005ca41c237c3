"""The approval workflow as data: states, steps, and who may take each step.

A case moves draft → in_review → ready → approved / rejected / changes_requested.
Editing a frozen case (ready or decided) reopens it as a new draft. This module is
pure: services look up a step here, then check ownership and write the rows.

>>> take_step("draft", "submit", "cx")
'in_review'
>>> allowed_steps("in_review", "finance")
['return_to_draft', 'sign_off']
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT = "draft"
IN_REVIEW = "in_review"
READY = "ready"
APPROVED = "approved"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"

STATES = (DRAFT, IN_REVIEW, READY, APPROVED, REJECTED, CHANGES_REQUESTED)
DECIDED = frozenset({APPROVED, REJECTED, CHANGES_REQUESTED})
FROZEN = frozenset({READY}) | DECIDED

STATE_LABELS = {
    DRAFT: "Draft",
    IN_REVIEW: "In finance review",
    READY: "Ready for approval",
    APPROVED: "Approved",
    REJECTED: "Rejected",
    CHANGES_REQUESTED: "Changes requested",
}

# How a message names a case in each state ("cannot sign off a draft").
STATE_PHRASES = {
    DRAFT: "a draft",
    IN_REVIEW: "a case in finance review",
    READY: "a case ready for approval",
    APPROVED: "an approved case",
    REJECTED: "a rejected case",
    CHANGES_REQUESTED: "a case with changes requested",
}

# Who holds the next step in each state, in the business's words.
NEXT_HOLDER = {
    DRAFT: "cx",
    IN_REVIEW: "finance",
    READY: "sponsor",
    APPROVED: None,
    REJECTED: "cx",
    CHANGES_REQUESTED: "cx",
}

SPONSOR = "sponsor"  # the executive sponsor, acting through an approve link (no account)
ROLES = ("cx", "finance", "admin", SPONSOR)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the workflow: from which states, to which state, by which roles."""

    name: str
    label: str  # "sign off {case}": {case} becomes "a draft", "a case in finance review" ...
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step(
            "submit",
            "submit {case} for finance review",
            frozenset({DRAFT}),
            IN_REVIEW,
            frozenset({"cx"}),
        ),
        Step(
            "withdraw",
            "withdraw {case} from review",
            frozenset({IN_REVIEW}),
            DRAFT,
            frozenset({"cx"}),
        ),
        Step(
            "return_to_draft",
            "return {case} to its author",
            frozenset({IN_REVIEW}),
            DRAFT,
            frozenset({"finance"}),
        ),
        Step("sign_off", "sign off {case}", frozenset({IN_REVIEW}), READY, frozenset({"finance"})),
        Step(
            "withdraw_sign_off",
            "withdraw the sign-off of {case}",
            frozenset({READY}),
            IN_REVIEW,
            frozenset({"finance"}),
        ),
        Step("approve", "approve {case}", frozenset({READY}), APPROVED, frozenset({SPONSOR})),
        Step("reject", "reject {case}", frozenset({READY}), REJECTED, frozenset({SPONSOR})),
        Step(
            "request_changes",
            "request changes to {case}",
            frozenset({READY}),
            CHANGES_REQUESTED,
            frozenset({SPONSOR}),
        ),
        # An edit of a frozen case starts a new draft; earlier decisions stay on their version.
        Step("reopen", "edit {case}", FROZEN, DRAFT, frozenset({"cx", "finance"})),
    )
}

SPONSOR_DECISIONS = {"approve": APPROVED, "reject": REJECTED, "request_changes": CHANGES_REQUESTED}


class WorkflowError(Exception):
    """A step that cannot be taken; the message says why, in plain words."""


class StepNotAllowed(WorkflowError):
    """The role may not take this step (HTTP 403)."""


class WrongState(WorkflowError):
    """The step does not start from the case's current state (HTTP 409)."""


def take_step(state: str, step: str, role: str) -> str:
    """Return the state after ``step`` taken by ``role`` from ``state``, or raise.

    The role is checked first, so that a forbidden actor learns nothing about state.
    """
    if state not in STATES:
        raise WrongState(f"unknown state {state!r}")
    try:
        spec = STEPS[step]
    except KeyError:
        raise WorkflowError(f"unknown step {step!r}") from None
    where = STATE_PHRASES[state]
    if role not in spec.roles:
        article = "an" if role[:1] in "aeiou" else "a"
        raise StepNotAllowed(f"{article} {role} user cannot {spec.label.format(case=where)}")
    if state not in spec.sources:
        raise WrongState(f"cannot {spec.label.format(case=where)}")
    return spec.target


def allowed_steps(state: str, role: str) -> list[str]:
    """The steps ``role`` may take from ``state``, in declaration order."""
    return [s.name for s in STEPS.values() if state in s.sources and role in s.roles]


def is_frozen(state: str) -> bool:
    """True when the case's current content is a frozen version (ready or decided)."""
    return state in FROZEN
