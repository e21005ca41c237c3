"""The workflow through its service: who may take which step, and what each step leaves."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from cxroi.approvals import review, versions
from cxroi.approvals.errors import Conflict, PermissionDenied
from cxroi.approvals.steps import take_case_step
from cxroi.engine import canonical_json, case_hash
from cxroi.extensions import db
from models import AuditEvent
from models.approval import ChainEntry
from tests.app.approvals.conftest import accept_all
from tests.appsupport import rewrite_document


def test_cx_owner_submits_and_finance_cannot(case, users):
    with pytest.raises(PermissionDenied, match="A finance user cannot submit a draft"):
        take_case_step(case, "submit", users["finance"])
    with pytest.raises(PermissionDenied, match="Only the case's owner"):
        take_case_step(case, "submit", users["cx2"])
    with pytest.raises(PermissionDenied, match="An admin user cannot"):
        take_case_step(case, "submit", users["admin"])
    take_case_step(case, "submit", users["cx"])
    assert case.status == "in_review"


def test_sign_off_waits_until_every_item_is_accepted(case, users):
    take_case_step(case, "submit", users["cx"])
    with pytest.raises(
        PermissionDenied, match="A cx user cannot sign off a case in finance review"
    ):
        take_case_step(case, "sign_off", users["cx"])
    review.review_assumption(case, "arpu", "accepted", users["finance"])
    doc = case.doc
    # Five settings: discount rate, horizon, start month, continuing value and tax.
    items = len(doc.assumptions) + len(doc.costs) + len(doc.benefits) + len(doc.scenarios) + 5
    with pytest.raises(Conflict, match=f"{items - 1} not accepted yet: subscribers, annual_churn"):
        take_case_step(case, "sign_off", users["finance"])
    assert case.status == "in_review"
    assert versions.versions_of(case.id) == []


def test_sign_off_freezes_the_canonical_case_and_its_result_with_their_hashes(ready_case, users):
    case = ready_case
    assert case.status == "ready"
    (version,) = versions.versions_of(case.id)
    case_file = case.doc
    assert version.number == 1
    assert version.case_json == canonical_json(case_file)
    assert version.case_hash == case_hash(case_file)
    assert json.loads(version.result_json)["metrics"]["npv"] == case.result["metrics"]["npv"]
    assert version.signed_off_by_name == "Fran Finance"
    assert versions.integrity_problems(version) == []


def test_every_step_is_logged_in_the_trail_and_the_chain(ready_case, users):
    steps = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "case", AuditEvent.field == "status")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.old, e.new, e.actor) for e in steps] == [
        ("submit", "draft", "in_review", "cx@example.com"),
        ("sign_off", "in_review", "ready", "fin@example.com"),
    ]
    chain = db.session.scalars(
        select(ChainEntry).where(ChainEntry.kind != "row").order_by(ChainEntry.seq)
    ).all()
    payloads = [json.loads(c.payload) for c in chain]
    assert [(p["step"], p["to"]) for p in payloads] == [
        ("submit", "in_review"),
        ("sign_off", "ready"),
    ]
    assert payloads[1]["version_hash"] == versions.latest_version(ready_case.id).case_hash


def test_a_new_draft_supersedes_the_frozen_version_and_keeps_it(ready_case, users):
    case = ready_case
    with pytest.raises(PermissionDenied, match="Only the case's owner or finance"):
        take_case_step(case, "reopen", users["cx2"])
    take_case_step(case, "reopen", users["cx"])
    assert case.status == "draft"
    (old,) = versions.versions_of(case.id)
    assert old.is_superseded and "Casey Author" in old.superseded_reason
    assert versions.current_version(case) is None
    # Back through review: version 2, version 1 stays superseded.
    take_case_step(case, "submit", users["cx"])
    take_case_step(case, "sign_off", users["finance"])  # assumptions unchanged: still accepted
    v2, v1 = versions.versions_of(case.id)
    assert (v2.number, v2.is_superseded, v1.is_superseded) == (2, False, True)
    assert v2.case_hash == v1.case_hash  # same content, a new version all the same


def test_a_changed_assumption_must_be_accepted_again(case, users):
    take_case_step(case, "submit", users["cx"])
    accept_all(case, users["finance"])
    take_case_step(case, "withdraw", users["cx"])
    rewrite_document(case, assumption=("churn_reduction", {"value": 0.05}))
    take_case_step(case, "submit", users["cx"])
    with pytest.raises(Conflict, match="1 not accepted yet: churn_reduction"):
        take_case_step(case, "sign_off", users["finance"])


def test_finance_can_return_a_case_and_withdraw_a_sign_off(ready_case, users):
    case = ready_case
    take_case_step(case, "withdraw_sign_off", users["finance"])
    assert case.status == "in_review"
    assert versions.current_version(case) is None
    take_case_step(case, "return_to_draft", users["finance"])
    assert case.status == "draft"
    with pytest.raises(Conflict, match="Cannot return a draft to its author"):
        take_case_step(case, "return_to_draft", users["finance"])
