"""The life of a case, as data: its states, the steps between them, and who may edit what.

This is the one source of the workflow's rules. Services (:mod:`cxroi.approvals.steps`,
:mod:`cxroi.cases.permissions`, review and comments), the inbox and the templates read
it; none of them keeps a copy. Pure: no Flask, SQLAlchemy or models.

A case moves draft → in_review → ready → approved / rejected / changes_requested.
Ready and the three decisions are *frozen*: the case's content is a version shown to the
sponsor. Editing a frozen case (ready, approved, rejected, changes requested) always
starts a new draft and supersedes the frozen version; it is allowed to whoever may take
the ``reopen`` step and would hold that edit right in a draft.

>>> take_step("draft", "submit", "cx")
'in_review'
>>> allowed_steps("in_review", "finance")
['return_to_draft', 'sign_off']
>>> may_edit("changes_requested", "cx", "case", is_owner=True)
True
>>> edit_starts_new_draft("changes_requested", "case")
True
>>> may_edit("in_review", "cx", "case", is_owner=True)  # withdraw it first
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# -- states ------------------------------------------------------------------------------

DRAFT = "draft"
IN_REVIEW = "in_review"
READY = "ready"
APPROVED = "approved"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"

STATES = (DRAFT, IN_REVIEW, READY, APPROVED, REJECTED, CHANGES_REQUESTED)
DECIDED = frozenset({APPROVED, REJECTED, CHANGES_REQUESTED})
#: States whose content is a frozen version: an edit starts a new draft.
FROZEN = frozenset({READY}) | DECIDED

#: What the portfolio's totals count by default: approved cases and those in flight
#: (drafts and rejected cases are listed, but their money is not the portfolio's).
COUNTED_IN_TOTALS = frozenset({IN_REVIEW, READY, CHANGES_REQUESTED, APPROVED})
COUNTED_IN_TOTALS_PHRASE = "approved and in-flight cases"

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

SPONSOR = "sponsor"  # the executive sponsor, acting through an approve link (no account)
ROLES = ("cx", "finance", "admin", SPONSOR)
#: The roles that have an account and may hold the next step.
HOLDER_WORDS = {"cx": "the CX author", "finance": "finance", SPONSOR: "the sponsor"}

# Who holds the next step in each state, in the business's words.
NEXT_HOLDER: dict[str, str | None] = {
    DRAFT: "cx",
    IN_REVIEW: "finance",
    READY: SPONSOR,
    APPROVED: None,
    REJECTED: "cx",
    CHANGES_REQUESTED: "cx",
}


def label(state: str) -> str:
    """The state in words ("In finance review"); an unknown state as it is."""
    return STATE_LABELS.get(state, state)


def is_frozen(state: str) -> bool:
    """True when the case's current content is a frozen version (ready or decided)."""
    return state in FROZEN


def waiting_for(holder: str) -> frozenset[str]:
    """The states in which ``holder`` (``cx``, ``finance``, ``sponsor``) holds the next step."""
    return frozenset(s for s in STATES if NEXT_HOLDER[s] == holder)


# -- steps ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the workflow: from which states, to which state, by which roles."""

    name: str
    label: str  # "sign off {case}": {case} becomes "a draft", "a case in finance review" ...
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    button: str  # the words on its button
    #: Roles that may take the step only on the cases they own (a CX user, not any CX user).
    owner_only: frozenset[str] = frozenset()
    done: str = ""  # what the person is told afterwards: "Submitted for finance review"

    def done_message(self, title: str, status: str) -> str:
        """The sentence shown after the step, with the case named and no placeholder left.

        >>> STEPS["submit"].done_message("Chat support", IN_REVIEW)
        'Submitted for finance review: “Chat support” is now in finance review.'
        """
        return f"{self.done}: “{title}” is now {label(status).lower()}."


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step(
            "submit",
            "submit {case} for finance review",
            frozenset({DRAFT}),
            IN_REVIEW,
            frozenset({"cx"}),
            "Submit for finance review",
            owner_only=frozenset({"cx"}),
            done="Submitted for finance review",
        ),
        Step(
            "withdraw",
            "withdraw {case} from review",
            frozenset({IN_REVIEW}),
            DRAFT,
            frozenset({"cx"}),
            "Withdraw to revise",
            owner_only=frozenset({"cx"}),
            done="Withdrawn from review",
        ),
        Step(
            "return_to_draft",
            "return {case} to its author",
            frozenset({IN_REVIEW}),
            DRAFT,
            frozenset({"finance"}),
            "Return to the author",
            done="Returned to its author",
        ),
        Step(
            "sign_off",
            "sign off {case}",
            frozenset({IN_REVIEW}),
            READY,
            frozenset({"finance"}),
            "Sign off and freeze",
            done="Signed off and frozen",
        ),
        Step(
            "withdraw_sign_off",
            "withdraw the sign-off of {case}",
            frozenset({READY}),
            IN_REVIEW,
            frozenset({"finance"}),
            "Withdraw sign-off",
            done="Sign-off withdrawn",
        ),
        Step(
            "approve",
            "approve {case}",
            frozenset({READY}),
            APPROVED,
            frozenset({SPONSOR}),
            "Approve",
            done="Approved",
        ),
        Step(
            "reject",
            "reject {case}",
            frozenset({READY}),
            REJECTED,
            frozenset({SPONSOR}),
            "Reject",
            done="Rejected",
        ),
        Step(
            "request_changes",
            "request changes to {case}",
            frozenset({READY}),
            CHANGES_REQUESTED,
            frozenset({SPONSOR}),
            "Request changes",
            done="Changes requested",
        ),
        # Any edit of a frozen case takes this step first (see may_edit); the button
        # takes it alone. Earlier decisions stay on their (superseded) version.
        Step(
            "reopen",
            "edit {case}",
            FROZEN,
            DRAFT,
            frozenset({"cx", "finance"}),
            "Edit: start a new draft",
            owner_only=frozenset({"cx"}),
            done="A new draft was started",
        ),
    )
}

SPONSOR_DECISIONS = {"approve": APPROVED, "reject": REJECTED, "request_changes": CHANGES_REQUESTED}


class WorkflowError(Exception):
    """A step that cannot be taken; the message says why, in plain words."""


class StepNotAllowed(WorkflowError):
    """The role may not take this step (HTTP 403)."""


class NotOwner(StepNotAllowed):
    """The role may take this step only on a case it owns, and this one it does not."""


class WrongState(WorkflowError):
    """The step does not start from the case's current state (HTTP 409)."""


class CaseIsArchived(WrongState):
    """The case is archived: no step, no edit until it is restored (HTTP 409)."""


def take_step(
    state: str, step: str, role: str, *, is_owner: bool = True, archived: bool = False
) -> str:
    """Return the state after ``step`` taken by ``role`` from ``state``, or raise.

    The role (and ownership) is checked first, so that a forbidden actor learns
    nothing about state. ``is_owner``: whether the actor owns the case; ``archived``:
    whether it is archived (then no step is taken: :data:`ARCHIVED_READ_ONLY`).

    >>> take_step("draft", "submit", "cx", archived=True)
    Traceback (most recent call last):
    ...
    cxroi.workflow.CaseIsArchived: cannot submit an archived case for finance review
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
    if role in spec.owner_only and not is_owner:
        others = sorted(spec.roles - spec.owner_only - {SPONSOR})
        who = " or ".join(["the case's owner", *others])
        raise NotOwner(f"only {who} can {spec.label.format(case='it')}")
    if archived:
        raise CaseIsArchived(f"cannot {spec.label.format(case='an archived case')}")
    if state not in spec.sources:
        raise WrongState(f"cannot {spec.label.format(case=where)}")
    return spec.target


def may_take_step(
    state: str, step: str, role: str, *, is_owner: bool, archived: bool = False
) -> bool:
    """Whether ``role`` (owning the case or not) may take ``step`` from ``state``."""
    try:
        take_step(state, step, role, is_owner=is_owner, archived=archived)
    except WorkflowError:
        return False
    return True


def allowed_steps(
    state: str, role: str, *, is_owner: bool = True, archived: bool = False
) -> list[str]:
    """The steps ``role`` may take from ``state``, in declaration order (none when archived)."""
    return [s for s in STEPS if may_take_step(state, s, role, is_owner=is_owner, archived=archived)]


# -- edit rights ---------------------------------------------------------------------------

#: Details, narrative, lines, scenarios and the assumptions not owned by Finance.
CASE = "case"
#: The discount rate and the assumptions whose owner is Finance.
FINANCE_INPUTS = "finance_inputs"
#: Accepting or challenging an assumption.
REVIEW = "review"
#: Taking part in the case's discussion (threads, replies, resolving).
COMMENT = "comment"
EDIT_KINDS = (CASE, FINANCE_INPUTS, REVIEW, COMMENT)
#: The kinds that change the case's content, i.e. what a frozen version holds.
CONTENT_EDITS = frozenset({CASE, FINANCE_INPUTS})
#: (role, kind) held only on the cases the user owns.
OWNER_ONLY_EDITS = frozenset({("cx", CASE)})

_Rights = Mapping[str, frozenset[str]]


def _rights(**by_role: set[str]) -> _Rights:
    return MappingProxyType({r: frozenset(by_role.get(r, ())) for r in ROLES})


def _frozen_rights(draft: _Rights) -> _Rights:
    """In a frozen state: the content edits a role holds in a draft, if it may reopen
    the case (the edit then starts a new draft), and the discussion as always."""
    reopeners = STEPS["reopen"].roles
    return _rights(
        **{
            role: {k for k in kinds if k == COMMENT or (k in CONTENT_EDITS and role in reopeners)}
            for role, kinds in draft.items()
        }
    )


_DRAFT_RIGHTS = _rights(cx={CASE, COMMENT}, finance={FINANCE_INPUTS, COMMENT})

#: For each state and role, the kinds of edit allowed (before ownership: see may_edit).
EDIT_RIGHTS: Mapping[str, _Rights] = MappingProxyType(
    {
        DRAFT: _DRAFT_RIGHTS,
        # CX withdraws the case to change it; finance reviews and keeps its inputs right.
        IN_REVIEW: _rights(cx={COMMENT}, finance={FINANCE_INPUTS, REVIEW, COMMENT}),
        **{state: _frozen_rights(_DRAFT_RIGHTS) for state in FROZEN},
    }
)


def edit_kinds(state: str, role: str) -> frozenset[str]:
    """The kinds of edit ``role`` holds in ``state`` (ownership aside)."""
    return EDIT_RIGHTS.get(state, {}).get(role, frozenset())


def holds_anywhere(role: str, kind: str) -> bool:
    """Whether ``role`` holds ``kind`` in some state ("finance reviews", "admin never does")."""
    return any(kind in edit_kinds(state, role) for state in STATES)


def may_edit(state: str, role: str, kind: str, *, is_owner: bool, archived: bool = False) -> bool:
    """Whether ``role`` may make an edit of ``kind`` to a case in ``state``.

    ``is_owner``: whether the user owns the case. In a frozen state a content edit also
    needs the right to take the ``reopen`` step, which it takes (see edit_starts_new_draft).
    An archived case takes no edit of any kind (``archived``): it is restored first.

    >>> may_edit("draft", "cx", "case", is_owner=True, archived=True)
    False
    """
    if archived or kind not in edit_kinds(state, role):
        return False
    if (role, kind) in OWNER_ONLY_EDITS and not is_owner:
        return False
    return not edit_starts_new_draft(state, kind) or may_take_step(
        state, "reopen", role, is_owner=is_owner
    )


def edit_starts_new_draft(state: str, kind: str = CASE) -> bool:
    """True when an edit of ``kind`` in ``state`` first takes the ``reopen`` step: every
    content edit of a frozen case. A comment leaves the frozen version alone."""
    return state in FROZEN and kind in CONTENT_EDITS


def assumption_kind(finance_owned: bool) -> str:
    """The kind of edit an assumption is: Finance's inputs, or the CX owner's case."""
    return FINANCE_INPUTS if finance_owned else CASE


# -- actuals and metrics -------------------------------------------------------------------

#: The states whose case takes actuals: only an approved case has a plan to measure against.
TAKES_ACTUALS = frozenset({APPROVED})
#: Roles that enter actuals of any line of any approved case.
ACTUALS_ROLES = frozenset({"finance"})
#: Roles that enter actuals of any line of an approved case they own.
ACTUALS_OWNER_ROLES = frozenset({"cx"})
#: Roles with an account, who enter actuals of the lines whose register names them owner.
ACCOUNT_ROLES = frozenset({"cx", "finance", "admin"})


def takes_actuals(state: str, *, archived: bool = False) -> bool:
    """Whether a case in ``state`` takes actuals (and its own metrics); an archived case
    takes none until it is restored.

    >>> takes_actuals(APPROVED), takes_actuals(DRAFT), takes_actuals(APPROVED, archived=True)
    (True, False, False)
    """
    return state in TAKES_ACTUALS and not archived


def may_enter_actuals(role: str, *, is_owner: bool, owns_line: bool = False) -> bool:
    """Whether ``role`` enters a line's actuals: finance any line; the CX owner of the case
    any line of it; and anyone with an account named (by email) as the line's operational
    owner in the benefits register, that line. The state is :func:`takes_actuals`'.

    >>> may_enter_actuals("finance", is_owner=False), may_enter_actuals("cx", is_owner=False)
    (True, False)
    >>> may_enter_actuals("admin", is_owner=False, owns_line=True)
    True
    """
    if role in ACTUALS_ROLES or (role in ACTUALS_OWNER_ROLES and is_owner):
        return True
    return owns_line and role in ACCOUNT_ROLES


# -- archiving ------------------------------------------------------------------------------

#: The portfolio's filter for archived cases, and the bucket its kept totals hold them in
#: (:mod:`models.portfolio_total`). Not a state: an archived case keeps its state, and
#: restoring it brings it back as it was.
ARCHIVED = "archived"
ARCHIVED_LABEL = "Archived"
#: Roles that archive and restore any case.
ARCHIVE_ROLES = frozenset({"finance", "admin"})
#: Roles that archive and restore the cases they own.
ARCHIVE_OWNER_ROLES = frozenset({"cx"})
#: Who may restore a case, in words (for the messages that refuse an edit).
RESTORERS = "its owner, finance or an administrator"
#: What an edit (a step, a review, a comment, actuals, a link's decision) of an archived case
#: is told: archiving is soft and undone by restoring.
ARCHIVED_READ_ONLY = f"This case is archived, so it is read-only: {RESTORERS} can restore it."


def may_archive(role: str, *, is_owner: bool) -> bool:
    """Whether ``role`` archives (and restores) a case: its owner, finance or an admin.

    >>> may_archive("cx", is_owner=True), may_archive("cx", is_owner=False)
    (True, False)
    >>> may_archive("finance", is_owner=False), may_archive("admin", is_owner=False)
    (True, True)
    >>> may_archive(SPONSOR, is_owner=False)
    False
    """
    return role in ARCHIVE_ROLES or (role in ARCHIVE_OWNER_ROLES and is_owner)


# -- the organisation's defaults ---------------------------------------------------------


def may_set_org_settings(role: str) -> bool:
    """Whether ``role`` sets the organisation's defaults (the default discount rate of new
    cases): finance and admins hold :data:`SET_ORG_SETTINGS`."""
    return has_right(role, SET_ORG_SETTINGS)


def sets_own_discount_rate(role: str) -> bool:
    """Whether a new case created by ``role`` may carry a rate of its own choosing:
    only a role that edits finance's inputs in a draft. Anyone else's new case (an
    import, the API, the form) gets the organisation's default rate."""
    return FINANCE_INPUTS in edit_kinds(DRAFT, role)


# -- account rights ------------------------------------------------------------------------

#: Keeping the approver directory (add, edit, switch off approvers).
MANAGE_APPROVERS = "manage_approvers"
#: Reading the mail outbox (where mail goes when no SMTP server is configured).
READ_OUTBOX = "read_outbox"
#: Setting the organisation's defaults (the default discount rate of new cases).
SET_ORG_SETTINGS = "set_org_settings"
#: Entering the organisation-wide CX and business metrics (NPS, churn rate ...).
ENTER_ORG_METRICS = "enter_org_metrics"
#: Keeping the CX council's records: meetings and their notes, the actions and decisions
#: logs. The council is run jointly by CX and finance (admins stand in), so all three
#: roles hold it; anyone signed in may read the council page and download its pack.
MANAGE_COUNCIL = "manage_council"
#: Setting a finance-adjusted forecast of an approved case (per line, for the months left):
#: the re-forecast that finance stands behind, shown beside the plain one and the approved.
ADJUST_FORECAST = "adjust_forecast"
ACCOUNT_RIGHTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "admin": frozenset({MANAGE_APPROVERS, READ_OUTBOX, SET_ORG_SETTINGS, MANAGE_COUNCIL}),
        "finance": frozenset(
            {SET_ORG_SETTINGS, ENTER_ORG_METRICS, MANAGE_COUNCIL, ADJUST_FORECAST}
        ),
        "cx": frozenset({ENTER_ORG_METRICS, MANAGE_COUNCIL}),
    }
)


def has_right(role: str, right: str) -> bool:
    """Whether an account of ``role`` holds ``right`` (not tied to a case).

    >>> has_right("admin", MANAGE_APPROVERS), has_right("finance", MANAGE_APPROVERS)
    (True, False)
    """
    return right in ACCOUNT_RIGHTS.get(role, frozenset())
