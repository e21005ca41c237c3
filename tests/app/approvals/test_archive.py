"""Archiving a case and restoring it (issue 14, item 8): who may, the confirmation page,
the audit trail, the portfolio's list and totals, read-only while archived, and what an
open approve link does."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from cxroi.approvals import links, review
from cxroi.approvals.errors import Conflict
from cxroi.approvals.steps import take_case_step
from cxroi.audit.verify import verify_audit
from cxroi.cases import archive
from cxroi.cases.permissions import CaseArchived
from cxroi.cases.services import update_case
from cxroi.errors import PermissionDenied
from cxroi.extensions import db
from cxroi.formatting import money
from models import AuditEvent, Case, Decision
from tests.app.approvals.conftest import load_example_case
from tests.app.approvals.web import csrf_from, post_form, sign_in
from tests.approving import decide_with_code, send_approve_link


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _listed(html: str) -> list[str]:
    return [
        unescape(t) for t in re.findall(r'<th scope="row"><a href="/cases/\d+">([^<]*)</a>', html)
    ]


def _events(case_id: int, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == action)
        )
    )


def test_the_owner_archives_through_a_confirmation_page_with_a_reason(app, users, case):
    client = sign_in(app, users["cx"])
    page = client.get(f"/cases/{case.id}")
    assert f'href="/cases/{case.id}/archive"' in page.text  # the way in, a plain link
    confirm = client.get(f"/cases/{case.id}/archive")
    assert confirm.status_code == 200
    assert "Archive this case?" in confirm.text and 'name="reason"' in confirm.text

    # No reason: refused, naming the field; nothing archived.
    empty = client.post(
        f"/cases/{case.id}/archive",
        data={"csrf_token": csrf_from(confirm.text), "lock_version": case.lock_version},
    )
    assert empty.status_code == 400
    assert 'href="#reason"' in empty.text and "Say why the case is archived" in empty.text
    db.session.expire_all()
    assert db.session.get(Case, case.id).archived_at is None

    done = client.post(
        f"/cases/{case.id}/archive",
        data={
            "csrf_token": csrf_from(confirm.text),
            "lock_version": case.lock_version,
            "reason": "A duplicate of the chat case.",
        },
    )
    assert done.status_code == 303 and done.headers["Location"] == "/"
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.archived_at is not None and stored.archived_by_id == users["cx"].id
    assert stored.status == "draft"  # archiving is not a state: the case keeps its own
    (event,) = _events(case.id, "archive")
    assert (event.actor_id, event.field, event.new) == (
        users["cx"].id,
        "reason",
        "A duplicate of the chat case.",
    )
    history = _text(client.get(f"/cases/{case.id}/history").text)
    assert "A duplicate of the chat case." in history
    # The case page says so, and offers Restore.
    page = _text(client.get(f"/cases/{case.id}").text)
    assert "Archived on" in page and "by Casey Author" in page and "Restore the case" in page


def test_who_may_archive_is_the_workflows_rule(app, users, case):
    with pytest.raises(PermissionDenied, match="owner, finance or an administrator"):
        archive.archive_case(users["cx2"], case.id, "not mine", case.lock_version)
    assert sign_in(app, users["cx2"]).get(f"/cases/{case.id}/archive").status_code == 403
    for who in ("finance", "admin"):
        archive.archive_case(users[who], case.id, f"by {who}", case.lock_version)
        assert case.archived_by_id == users[who].id
        archive.restore_case(users[who], case.id, "", case.lock_version)
        assert case.archived_at is None
    assert [e.actor_id for e in _events(case.id, "restore")] == [
        users["finance"].id,
        users["admin"].id,
    ]


@pytest.mark.parametrize(
    ("reason", "what"),
    [("a\x00b", "NUL"), ("x" * 1001, "1,000 characters"), ("   ", "Say why")],
)
def test_a_hostile_reason_is_refused_naming_the_field(users, case, reason, what):
    with pytest.raises(Exception, match=what) as caught:
        archive.archive_case(users["cx"], case.id, reason, case.lock_version)
    assert getattr(caught.value, "field", None) == "reason" and caught.value.status == 400
    db.session.rollback()
    assert db.session.get(Case, case.id).archived_at is None
    assert _events(case.id, "archive") == []


def test_the_portfolio_hides_an_archived_case_from_its_list_and_totals(app, users):
    kept = load_example_case(users["cx"])
    gone = load_example_case(users["cx"])
    update_case(users["cx"], gone.id, gone.lock_version, {"title": "Old pilot"})
    for c in (kept, gone):
        take_case_step(c, "submit", users["cx"])  # in flight: counted by default
    client = sign_in(app, users["finance"])
    both = money(kept.npv + gone.npv, "GBP")
    assert f"total NPV {both}" in _text(client.get("/").text)

    archive.archive_case(users["finance"], gone.id, "Dropped", gone.lock_version)
    html = client.get("/").text
    assert "Old pilot" not in _listed(html)
    assert f"1 case in GBP: total NPV {money(kept.npv, 'GBP')}" in _text(html)
    assert "Old pilot" not in _listed(client.get("/?counted=all").text)
    assert "Old pilot" not in _listed(client.get("/?status=in_review").text)
    assert "Old pilot" not in _listed(client.get("/?q=pilot").text)

    archived = client.get("/?status=archived").text
    assert _listed(archived) == ["Old pilot"]
    assert f"1 case in GBP: total NPV {money(gone.npv, 'GBP')}" in _text(archived)
    assert '<option value="archived" selected>Archived</option>' in archived

    archive.restore_case(users["finance"], gone.id, "Back on the table", gone.lock_version)
    assert f"total NPV {both}" in _text(client.get("/").text)
    assert _listed(client.get("/?status=archived").text) == []


def test_an_archived_case_is_read_only_until_restored(app, users, case):
    archive.archive_case(users["cx"], case.id, "Paused", case.lock_version)
    with pytest.raises(CaseArchived, match="archived, so it is read-only") as caught:
        update_case(users["cx"], case.id, case.lock_version, {"title": "Changed"})
    assert caught.value.status == 409
    db.session.rollback()
    with pytest.raises(Conflict, match="Cannot submit an archived case"):
        take_case_step(case, "submit", users["cx"])
    with pytest.raises(Conflict, match="archived"):
        review.start_thread(case, users["finance"], "Still?")

    client = sign_in(app, users["cx"])
    edit = client.get(f"/cases/{case.id}/edit")
    assert edit.status_code == 409 and "archived, so it is read-only" in _text(edit.text)
    inputs = client.get(f"/cases/{case.id}/inputs").text
    assert "Add assumption" not in inputs and "Edit details" not in inputs
    review_page = client.get(f"/cases/{case.id}/review").text
    assert 'id="step-submit"' not in review_page

    # Restored over HTTP: edits and steps work again, as they did.
    page = client.get(f"/cases/{case.id}")
    restored = client.post(
        f"/cases/{case.id}/restore",
        data={"csrf_token": csrf_from(page.text), "lock_version": _lock(case.id)},
    )
    assert restored.status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.archived_at is None and case.archived_by_id is None
    update_case(users["cx"], case.id, case.lock_version, {"title": "Changed"})
    take_case_step(case, "submit", users["cx"])
    assert case.status == "in_review"


def _lock(case_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Case, case_id).lock_version


def test_an_open_approve_link_refuses_decisions_while_archived_and_says_so(app, users, ready_case):
    _, token = send_approve_link(ready_case, users["cx"])
    archive.archive_case(users["finance"], ready_case.id, "Budget frozen", ready_case.lock_version)

    sponsor = app.test_client()
    page = sponsor.get(f"/s/{token}")
    assert page.status_code == 200  # the version stays readable
    text = _text(page.text)
    assert "Archived" in text and "no decision can be recorded on it while it is archived" in text
    assert "by Fran Finance" in text
    assert "Your decision" not in text and f"/s/{token}/decision" not in page.text

    with pytest.raises(Conflict, match=r"no decision can be recorded .* Your decision was not"):
        decide_with_code(token, code="000000")
    db.session.rollback()
    assert db.session.scalars(select(Decision)).all() == []
    assert db.session.get(Case, ready_case.id).status == "ready"
    # Nothing new is shared from an archived case.
    with pytest.raises(Conflict, match="archived"):
        links.create_link(
            ready_case, users["cx"], recipient_name="V", recipient_email="v@example.com",
            scope="view",
        )  # fmt: skip

    # Restored, the same link decides again (it was never revoked).
    archive.restore_case(users["finance"], ready_case.id, "", _lock(ready_case.id))
    decision = decide_with_code(token)
    assert decision.decision == "approve"
    assert db.session.get(Case, ready_case.id).status == "approved"


def test_an_approved_archived_case_keeps_its_versions_and_history_traceable(app, users, ready_case):
    _, token = send_approve_link(ready_case, users["cx"])
    decide_with_code(token)
    archive.archive_case(users["cx"], ready_case.id, "Delivered", _lock(ready_case.id))
    client = sign_in(app, users["finance"])
    for path in ("", "/versions", "/versions/1.json", "/history", "/links", "/review"):
        response = client.get(f"/cases/{ready_case.id}{path}")
        assert response.status_code == 200, path
    assert "Approved" in _text(app.test_client().get(f"/s/{token}").text)
    # Actuals wait for the restore.
    from cxroi.actuals.services import NotApproved, require_may_enter

    with pytest.raises(NotApproved, match="archived, so it is read-only"):
        require_may_enter(users["finance"], ready_case)
    # It leaves the realisation list and the council's agenda until it is restored; its
    # own realisation page stays readable.
    title = ready_case.title
    assert title not in _text(client.get("/council/").text)
    assert client.get(f"/cases/{ready_case.id}/realisation").status_code == 200
    archive.restore_case(users["cx"], ready_case.id, "", _lock(ready_case.id))
    assert title in _text(client.get("/council/").text)


def test_archiving_and_restoring_are_sealed_and_verify(app, users, case):
    archive.archive_case(users["cx"], case.id, "Test case", case.lock_version)
    archive.restore_case(users["admin"], case.id, "Needed after all", case.lock_version)
    archive.archive_case(users["finance"], case.id, "Superseded", case.lock_version)
    report = verify_audit()
    assert report.intact, str(report)
    # Forged by SQL, the archive disagrees with its seal.
    db.session.execute(db.text("UPDATE cases SET archived_at = NULL WHERE id = :i"), {"i": case.id})
    problems = verify_audit().problems
    assert [(p.table, p.row) for p in problems][:1] == [("cases", case.id)]
    assert problems[0].column is not None and "archived_at" in problems[0].column
    db.session.rollback()


def test_restore_and_archive_over_http_refuse_the_wrong_state(app, users, case):
    client = sign_in(app, users["cx"])
    # Restore a case that is not archived: a clear 409, nothing recorded.
    response = post_form(
        client, f"/cases/{case.id}", f"/cases/{case.id}/restore",
        {"lock_version": case.lock_version},
    )  # fmt: skip
    assert response.status_code == 409 and "is not archived" in _text(response.text)
    assert _events(case.id, "restore") == []
