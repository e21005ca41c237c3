"""Per-role refusals not covered elsewhere, what awaits each user, and page hygiene."""

from __future__ import annotations

import re

import pytest

from cxroi.approvals import inbox, links, review, versions
from cxroi.approvals.errors import Conflict, PermissionDenied
from cxroi.approvals.steps import take_case_step
from cxroi.extensions import db
from tests.app.approvals.web import sign_in
from tests.approving import decide_with_code, send_approve_link
from tests.support import ROOT


def _approve(case, users):
    new, token = send_approve_link(case, users["cx"])
    decide_with_code(token, name="Dana")
    return new


def test_only_owner_or_finance_revoke_links(ready_case, users):
    new = links.create_link(
        ready_case, users["cx"], recipient_name="D", recipient_email="d@example.com", scope="view"
    )
    for who in ("cx2", "admin"):
        with pytest.raises(PermissionDenied, match="owner or finance can revoke"):
            links.revoke_link(ready_case, new.link.id, users[who])
    assert links.revoke_link(ready_case, new.link.id, users["finance"]).revoked_at is not None


def test_an_approve_link_needs_a_case_ready_for_approval(ready_case, users):
    _approve(ready_case, users)
    with pytest.raises(Conflict, match="A view link is possible"):
        links.create_link(
            ready_case, users["cx"], recipient_name="D", recipient_email="d@example.com",
            scope="approve",
        )  # fmt: skip
    # A view link to the approved version is still allowed, e.g. for the board.
    view = links.create_link(
        ready_case, users["finance"], recipient_name="Board", recipient_email="b@example.com",
        scope="view",
    )  # fmt: skip
    assert links.state_of(view.link) == "valid"


def test_a_case_with_errors_cannot_be_frozen(case, users):
    take_case_step(case, "submit", users["cx"])
    for a in case.assumptions:
        review.review_assumption(case, a.key, "accepted", users["finance"])
    # broken behind the editor's back (the editor never stores an invalid document)
    case.document = case.document.replace('"horizon_months":36', '"horizon_months":0')
    db.session.commit()
    with pytest.raises(Conflict, match="cannot be frozen while it has errors: horizon_months"):
        take_case_step(case, "sign_off", users["finance"])
    assert versions.versions_of(case.id) == []


def test_what_awaits_each_role(ready_case, users):
    assert inbox.inbox_for(users["finance"]).reviews == []
    _approve(ready_case, users)
    for who in ("cx", "finance"):
        (decision,) = inbox.inbox_for(users[who]).decisions
        assert (decision.case_id, decision.what) == (ready_case.id, "Approved by Dana")
    assert inbox.inbox_for(users["cx2"]).decisions == []
    assert inbox.inbox_for(users["admin"]).count == 0
    take_case_step(ready_case, "reopen", users["cx"])
    take_case_step(ready_case, "submit", users["cx"])
    (waiting,) = inbox.inbox_for(users["finance"]).reviews
    assert waiting.what == "every item accepted: sign off"


def test_sponsor_changes_request_comes_back_to_the_author(ready_case, users):
    _, token = send_approve_link(ready_case, users["cx"])
    decide_with_code(token, "request_changes", name="Dana", comment="Pilot data please.")
    (back,) = inbox.inbox_for(users["cx"]).to_submit
    assert "changes requested" in back.what


def test_every_approval_page_sends_the_security_headers(app, ready_case, users):
    client = sign_in(app, users["finance"])
    for path in ("review", "versions", "links", "history"):
        response = client.get(f"/cases/{ready_case.id}/{path}")
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/awaiting").status_code == 200


def test_no_approval_template_has_inline_script_or_style():
    for template in (ROOT / "templates" / "approvals").glob("*.html"):
        text = template.read_text()
        # Scripts come from static/ only (CSP default-src 'self'): a src, no inline code.
        for tag in re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.S):
            assert tag == "", template.name
        scripts = re.findall(r"<script\b[^>]*>", text)
        assert all("src=\"{{ url_for('static'" in s for s in scripts), template.name
        assert "style=" not in text and "<style" not in text, template.name
        assert "http://" not in text and "https://" not in text, template.name
