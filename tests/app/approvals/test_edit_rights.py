"""The workflow table, the services and the web editor agree, for every state, actor and
action: an allowed action is saved (an edit of a frozen case starts a new draft and
supersedes the frozen version); a refused one is an error page and changes nothing.

The table itself is checked against an explicit list in ``tests/unit/test_workflow.py``;
here each cell of it is tried through real POSTs, the services and the permission
helpers the pages use to show their links.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from cxroi import workflow
from cxroi.approvals import ledger, versions
from cxroi.approvals.steps import start_new_draft_if_frozen, take_case_step
from cxroi.cases import parts, permissions, services
from cxroi.engine import case_hash
from cxroi.errors import PermissionDenied, StaleEdit
from cxroi.extensions import db
from models import AuditEvent, Case
from models.approval import ChainEntry
from models.review import AssumptionReview, Comment
from tests.app.approvals.conftest import accept_all
from tests.app.approvals.web import csrf_from, post_form, sign_in
from tests.approving import decide_with_code, send_approve_link
from tests.appsupport import rewrite_document

ACTORS = ("owner", "other_cx", "finance", "admin")
USER_OF = {"owner": "cx", "other_cx": "cx2", "finance": "finance", "admin": "admin"}
ROLE_OF = {"owner": "cx", "other_cx": "cx", "finance": "finance", "admin": "admin"}
DECISION_INTO = {state: step for step, state in workflow.SPONSOR_DECISIONS.items()}

# Each edit action: the kind of edit it is, as the issue names them.
EDITS = {
    "details": workflow.CASE,  # the title, on the details page
    "discount_rate": workflow.FINANCE_INPUTS,  # on the same page
    "assumption": workflow.CASE,  # churn_reduction, owned by CX
    "finance_assumption": workflow.FINANCE_INPUTS,  # arpu, owned by Finance
    "cost": workflow.CASE,  # the first cost line
    "review": workflow.REVIEW,
    "comment": workflow.COMMENT,
}
ACTIONS = [*EDITS, *(f"step:{s}" for s in workflow.STEPS)]


def put_in(case: Case, state: str, users: dict[str, Any]) -> None:
    """Take the example case to ``state`` through the real steps (and a real decision)."""
    if state == workflow.DRAFT:
        return
    take_case_step(case, "submit", users["cx"])
    accept_all(case, users["finance"])  # so that finance may sign it off in review
    if state == workflow.IN_REVIEW:
        return
    take_case_step(case, "sign_off", users["finance"])
    if state == workflow.READY:
        return
    _, token = send_approve_link(case, users["finance"])
    decide_with_code(token, DECISION_INTO[state], name="Dana", comment="Because.")
    assert case.status == state


def fresh(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def everything(case_id: int) -> dict[str, Any]:
    """All a refused action must leave as it was."""
    case = fresh(case_id)
    return {
        "case": (case.status, case.lock_version, case.case_hash, case.title, case.discount_rate),
        "assumptions": [(a.key, a.value, a.owner, a.source) for a in case.assumptions],
        "costs": [(c.name, dict(c.params)) for c in case.costs],
        "versions": [(v.number, v.superseded_at) for v in versions.versions_of(case_id)],
        "reviews": sorted(
            (r.item_id, r.status, r.fingerprint)
            for r in db.session.scalars(select(AssumptionReview))
        ),
        "audit": _count(AuditEvent, AuditEvent.case_id == case_id),
        "chain": _count(ChainEntry),
        "comments": _count(Comment),
    }


def assert_frozen_version_matches(case_id: int) -> None:
    """While a case is frozen, its current version is exactly its content."""
    case = fresh(case_id)
    version = versions.current_version(case)
    if workflow.is_frozen(case.status):
        assert version is not None
        assert version.case_hash == case.case_hash == case_hash(case.doc)
    else:
        assert version is None


# -- what each action posts, and how to see that it was saved ---------------------------


def _header_form(case: Case, **changes: str) -> dict[str, str]:
    return {
        "lock_version": str(case.lock_version),
        "title": case.title,
        "description": case.description or "",
        "customer_problem": case.customer_problem or "",
        "evidence": case.evidence or "",
        "currency": case.currency,
        "start_month": case.start_month,
        "horizon_months": str(case.horizon_months),
        "discount_rate": f"{case.discount_rate * 100:g}",
        **changes,
    }


def _assumption_values(row: Any, value: float) -> dict[str, Any]:
    fields = ("key", "label", "unit", "low", "high", "source", "owner", "notes")
    return {**{k: getattr(row, k) for k in fields}, "value": value, "confidence": None}


def _assumption_form(case: Case, row: Any, value: float) -> dict[str, str]:
    values = _assumption_values(row, value)
    form = {k: "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
            for k, v in values.items()}  # fmt: skip
    return {**form, "lock_version": str(case.lock_version)}


NEW_CHURN_REDUCTION, NEW_ARPU, NEW_RATE, NEW_AMOUNT = 0.05, 31.0, 0.11, 90_000


def web_post(client: Any, case: Case, action: str, token: str) -> Any:
    base = f"/cases/{case.id}"
    if action.startswith("step:"):
        url, data = f"{base}/steps/{action[5:]}", {}
    elif action == "details":
        url, data = f"{base}/edit", _header_form(case, title="Renamed case")
    elif action == "discount_rate":
        url, data = f"{base}/edit", _header_form(case, discount_rate="11")
    elif action in ("assumption", "finance_assumption"):
        key, value = (
            ("churn_reduction", NEW_CHURN_REDUCTION)
            if action == "assumption"
            else ("arpu", NEW_ARPU)
        )
        row = case.assumption_by_key(key)
        url, data = f"{base}/assumptions/{row.id}", _assumption_form(case, row, value)
    elif action == "cost":
        line = case.costs[0]
        url = f"{base}/costs/{line.id}"
        data = {
            "lock_version": str(case.lock_version),
            "name": line.name,
            "category": line.category,
            "department": line.department or "",
            "recurrence": "once",
            "month": str(line.month),
            "amount": str(NEW_AMOUNT),
            "risk": "0.2",
        }
    elif action == "review":
        url = f"{base}/assumptions/churn_reduction/review"
        data = {"verdict": "challenged", "comment": "Is the pilot long enough?"}
    else:
        url, data = f"{base}/comments", {"body": "A word on this case."}
    return client.post(url, data={**data, "csrf_token": token})


def was_saved(case: Case, action: str) -> bool:
    if action == "details":
        return case.title == "Renamed case"
    if action == "discount_rate":
        return case.discount_rate == pytest.approx(NEW_RATE)
    if action == "assumption":
        return case.assumption_by_key("churn_reduction").value == NEW_CHURN_REDUCTION
    if action == "finance_assumption":
        return case.assumption_by_key("arpu").value == NEW_ARPU
    if action == "cost":
        return case.costs[0].params["amount"] == NEW_AMOUNT
    if action == "review":
        item_id = case.assumption_by_key("churn_reduction").id
        return db.session.scalar(select(AssumptionReview.status).where(
            AssumptionReview.item_id == item_id)) == "challenged"  # fmt: skip
    return _count(Comment, Comment.body == "A word on this case.") == 1


def call_service(user: Any, case: Case, action: str) -> None:
    """The service behind an edit page, called directly (the page checks first)."""
    lock = case.lock_version
    if action in ("details", "discount_rate"):
        header = services.header_of(case)
        change = {"title": "Renamed case"} if action == "details" else {"discount_rate": NEW_RATE}
        services.update_case(user, case.id, lock, {**header, **change})
    elif action in ("assumption", "finance_assumption"):
        key, value = (
            ("churn_reduction", NEW_CHURN_REDUCTION)
            if action == "assumption"
            else ("arpu", NEW_ARPU)
        )
        row = case.assumption_by_key(key)
        parts.save_assumption(user, case.id, lock, row.id, _assumption_values(row, value))
    elif action == "cost":
        line = case.costs[0]
        item = {k: v for k, v in services.document_of(case)["costs"][0].items() if k != "id"}
        parts.save_cost(user, case.id, lock, line.id, {**item, "amount": NEW_AMOUNT})


def page_permission(user: Any, case: Case, action: str) -> bool:
    """What the pages ask to show an action's links and forms."""
    return {
        "details": permissions.can_edit_case,
        "discount_rate": permissions.can_edit_discount_rate,
        "assumption": lambda u, c: permissions.can_edit_assumption(
            u, c, c.assumption_by_key("churn_reduction")
        ),
        "finance_assumption": lambda u, c: permissions.can_edit_assumption(
            u, c, c.assumption_by_key("arpu")
        ),
        "cost": permissions.can_edit_case,
    }[action](user, case)


def expected(state: str, actor: str, action: str) -> tuple[bool, int]:
    """(allowed, status of the refusal) from the workflow table alone."""
    role, owner = ROLE_OF[actor], actor == "owner"
    if action.startswith("step:"):
        step = action[5:]
        allowed = workflow.may_take_step(state, step, role, is_owner=owner)
        ever = any(workflow.may_take_step(s, step, role, is_owner=owner) for s in workflow.STATES)
        return allowed, 409 if ever else 403  # the right person, the wrong state: 409
    kind = EDITS[action]
    allowed = workflow.may_edit(state, role, kind, is_owner=owner)
    if kind == workflow.REVIEW and workflow.holds_anywhere(role, kind):
        return allowed, 409
    return allowed, 403


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("state", workflow.STATES)
def test_the_table_the_services_and_the_pages_agree(app, case, users, state, actor, action):
    put_in(case, state, users)
    user = users[USER_OF[actor]]
    allowed, refusal = expected(state, actor, action)
    if action in EDITS and EDITS[action] in workflow.CONTENT_EDITS:
        assert page_permission(user, fresh(case.id), action) is allowed
    assert_frozen_version_matches(case.id)
    before_version = versions.current_version(case)
    client = sign_in(app, user)
    token = csrf_from(client.get(f"/cases/{case.id}/review").text)
    before = everything(case.id)

    response = web_post(client, fresh(case.id), action, token)

    after = fresh(case.id)
    assert_frozen_version_matches(case.id)
    if not allowed:
        assert response.status_code == refusal, response.text
        assert everything(case.id) == before
        if action in EDITS and EDITS[action] in workflow.CONTENT_EDITS:
            with pytest.raises(PermissionDenied):
                call_service(user, after, action)
            assert everything(case.id) == before
        return
    assert response.status_code == 302, response.text
    if action.startswith("step:"):
        step = workflow.STEPS[action[5:]]
        assert after.status == step.target
        superseded = step.name in ("reopen", "withdraw_sign_off")
    else:
        assert was_saved(after, action)
        superseded = workflow.edit_starts_new_draft(state, EDITS[action])
        assert after.status == (workflow.DRAFT if superseded else state)
    if superseded:
        db.session.refresh(before_version)
        assert before_version.superseded_at is not None
        reopened = db.session.scalars(
            select(AuditEvent).where(AuditEvent.field == "status").order_by(AuditEvent.id)
        ).all()[-1]
        assert (reopened.old, reopened.new, reopened.actor) == (
            state,
            after.status,
            user.email,
        )
    elif action != "step:sign_off":
        assert [v.superseded_at for v in versions.versions_of(case.id)] == [
            v for _, v in before["versions"]
        ]


# -- the bug the table fixes, and the pipeline's edges ------------------------------------


def test_editing_a_case_with_changes_requested_supersedes_its_version(app, case, users):
    put_in(case, workflow.CHANGES_REQUESTED, users)
    v1 = versions.current_version(case)
    cx = sign_in(app, users["cx"])
    inputs = f"/cases/{case.id}/inputs"
    assert "Editing starts a new draft" in cx.get(inputs).text
    row = case.assumption_by_key("churn_reduction")
    response = post_form(
        cx, inputs, f"/cases/{case.id}/assumptions/{row.id}", _assumption_form(case, row, 0.05)
    )
    assert response.status_code == 302
    case = fresh(case.id)
    assert case.status == "draft"
    assert versions.current_version(case) is None
    db.session.refresh(v1)
    assert v1.superseded_reason == "a new draft was started by Casey Author"
    assert v1.case_hash != case.case_hash == case_hash(case.doc)
    # The reopen step is in the trail before the edit, and sealed in the chain.
    trail = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    reopen = next(i for i, e in enumerate(trail) if e.action == "reopen")
    edit = next(i for i, e in enumerate(trail) if e.entity == "assumption" and e.field == "value")
    assert reopen < edit
    assert (trail[reopen].old, trail[reopen].new) == ("changes_requested", "draft")
    (entry,) = [p for _, p in ledger.entries_for_case(case.id) if p.get("step") == "reopen"]
    assert (entry["superseded_version"], entry["superseded_hash"]) == (1, v1.case_hash)
    # The review page says so, and its reason.
    page = cx.get(f"/cases/{case.id}/review").text
    assert 'id="superseded-note"' in page and "a new draft was started by Casey Author" in page


def test_the_frozen_version_is_the_case_for_as_long_as_it_is_frozen(app, case, users):
    put_in(case, workflow.READY, users)
    assert_frozen_version_matches(case.id)
    v1 = versions.current_version(case)
    # Refused edits (another CX user; the owner's change the case-file rules refuse; a
    # stale form) leave the case frozen and its version current.
    row = case.assumption_by_key("churn_reduction")
    other = sign_in(app, users["cx2"])
    url = f"/cases/{case.id}/assumptions/{row.id}"
    assert post_form(other, url, url, {}).status_code == 403
    cx = sign_in(app, users["cx"])
    inputs = f"/cases/{case.id}/inputs"
    beyond = {**_assumption_form(case, row, 0.05), "low": "0.5", "high": "0.9"}
    response = post_form(cx, inputs, url, beyond)
    assert response.status_code == 400 and "0.05 is below low 0.5" in response.text
    stale = {**_assumption_form(case, row, 0.05), "lock_version": str(case.lock_version - 1)}
    assert post_form(cx, inputs, url, stale).status_code == 409
    assert fresh(case.id).status == "ready"
    assert versions.current_version(case) == v1
    assert_frozen_version_matches(case.id)
    # A decision keeps it frozen; a comment does not start a new draft.
    _, token = send_approve_link(case, users["cx"])
    decide_with_code(token, name="Dana", version_hash=v1.case_hash)
    comment = post_form(cx, inputs, f"/cases/{case.id}/comments", {"body": "Thanks!"})
    assert comment.status_code == 302
    assert fresh(case.id).status == "approved"
    assert_frozen_version_matches(case.id)
    # Finance's edit of its own input starts a new draft too.
    fin = sign_in(app, users["finance"])
    case = fresh(case.id)
    form = _header_form(case, discount_rate="10")
    assert post_form(fin, inputs, f"/cases/{case.id}/edit", form).status_code == 302
    case = fresh(case.id)
    assert (case.status, case.discount_rate) == ("draft", pytest.approx(0.10))
    assert versions.current_version(case) is None and v1.case_hash != case.case_hash
    db.session.refresh(v1)
    assert v1.superseded_reason == "a new draft was started by Fran Finance"


def test_starting_a_new_draft_waits_for_the_callers_commit(case, users):
    assert start_new_draft_if_frozen(case, users["cx"]) is None  # a draft: nothing to do
    put_in(case, workflow.APPROVED, users)
    with pytest.raises(PermissionDenied, match="Only the case's owner or finance"):
        start_new_draft_if_frozen(case, users["cx2"])
    with pytest.raises(PermissionDenied, match="An admin user cannot edit"):
        start_new_draft_if_frozen(case, users["admin"])
    before = everything(case.id)
    v1 = start_new_draft_if_frozen(case, users["finance"])
    assert (v1.number, case.status) == (1, "draft")
    db.session.rollback()  # the caller's edit failed: the new draft goes with it
    assert everything(case.id) == before
    assert fresh(case.id).status == "approved"


def test_a_stale_case_is_a_stale_edit_not_a_half_started_draft(app, case, users):
    put_in(case, workflow.READY, users)
    with app.app_context():  # someone else changes the case meanwhile
        other = db.session.get(Case, case.id)
        rewrite_document(other, evidence="New evidence")
        db.session.remove()
    with pytest.raises(StaleEdit):
        start_new_draft_if_frozen(case, users["cx"])
    case = fresh(case.id)
    assert (case.status, case.evidence) == ("ready", "New evidence")
    assert versions.current_version(case) is not None


CONTENT_ACTIONS = [a for a, kind in EDITS.items() if kind in workflow.CONTENT_EDITS]


def api_edit(doc: dict[str, Any], action: str) -> dict[str, Any]:
    """The document with the same change the web action makes."""
    if action == "details":
        doc["title"] = "Renamed case"
    elif action == "discount_rate":
        doc["discount_rate"] = NEW_RATE
    elif action in ("assumption", "finance_assumption"):
        key, value = (
            ("churn_reduction", NEW_CHURN_REDUCTION)
            if action == "assumption"
            else ("arpu", NEW_ARPU)
        )
        next(a for a in doc["assumptions"] if a["key"] == key)["value"] = value
    else:
        doc["costs"][0]["amount"] = NEW_AMOUNT
    return doc


@pytest.mark.parametrize("action", CONTENT_ACTIONS)
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("state", workflow.STATES)
def test_the_api_agrees_with_the_table_and_the_editor(app, case, users, state, actor, action):
    """A PUT of the whole document is allowed exactly where the editor's page is."""
    from cxroi.api import tokens

    put_in(case, state, users)
    user = users[USER_OF[actor]]
    allowed, _refusal = expected(state, actor, action)
    assert page_permission(user, fresh(case.id), action) is allowed
    bearer = {"Authorization": f"Bearer {tokens.create_token(user, 'matrix', 'write')[1]}"}
    api = app.test_client()
    got = api.get(f"/api/v1/cases/{case.id}", headers=bearer)
    assert got.status_code == 200, got.text
    doc = api_edit(got.json["document"], action)
    before = everything(case.id)

    response = api.put(
        f"/api/v1/cases/{case.id}", json=doc, headers={**bearer, "If-Match": got.headers["ETag"]}
    )

    after = fresh(case.id)
    assert_frozen_version_matches(case.id)
    if not allowed:
        assert response.status_code == 403, response.text
        assert response.mimetype == "application/problem+json"
        assert everything(case.id) == before
        return
    assert response.status_code == 200, response.text
    assert was_saved(after, action)
    new_draft = workflow.edit_starts_new_draft(state, EDITS[action])
    assert after.status == (workflow.DRAFT if new_draft else state)
    assert response.headers["ETag"] == f'"{after.case_hash}"'
