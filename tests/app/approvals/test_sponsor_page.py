"""The sponsor's page over HTTP: every link state, the frozen figures, headers, CSRF."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import select

from cxroi.approvals import links, versions
from cxroi.approvals.steps import take_case_step
from cxroi.extensions import db
from models._types import utcnow
from models.approval import CaseVersion, Decision, LinkUse, SharedLink
from tests.app.approvals.web import csrf_from, decide_over_http
from tests.approving import send_approve_link

UA = "Mozilla/5.0 (Sponsor test)"


def _link(case, user, scope="approve"):
    """A link and its token: a view link's as shown, an approve link's read from its mail."""
    if scope == "approve":
        new, token = send_approve_link(case, user)
        return SimpleNamespace(link=new.link, token=token)
    return links.create_link(
        case,
        user,
        recipient_name="Dana Reyes",
        recipient_email="dana@example.com",
        scope=scope,
    )


@pytest.fixture
def sponsor(app):
    return app.test_client()


def _link_row(token):
    return db.session.scalar(
        select(SharedLink).where(SharedLink.token_hash == links.tokens.hash_token(token))
    )


def _open(sponsor, token):
    return sponsor.get(f"/s/{token}", headers={"User-Agent": UA})


def _decide(sponsor, token, decision="approve", **data):
    """Through the pages, with the code mailed when Decide is pressed (a view link gets
    no code: it posts its decision with a made-up one)."""
    if _link_row(token).scope == "view":
        data.setdefault("code", "123456")
    return decide_over_http(sponsor, token, decision, headers={"User-Agent": UA}, **data)


def test_the_page_shows_the_frozen_npv_hash_and_sends_strict_headers(ready_case, users, sponsor):
    new = _link(ready_case, users["cx"])
    version = versions.current_version(ready_case)
    frozen_npv = json.loads(version.result_json)["metrics"]["npv"]
    # The live case changes under it (no reopen, straight in the database): the page
    # still shows the frozen figure, because it reads the stored result.
    ready_case.npv = 1.0
    db.session.commit()
    response = _open(sponsor, new.token)
    assert response.status_code == 200
    assert f"£{frozen_npv:,.0f}" in response.text
    assert version.case_hash in response.text
    assert "Signed off by finance: <strong>Fran Finance</strong>" in response.text
    assert response.headers["Referrer-Policy"] == "no-referrer"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in response.text and "style=" not in response.text
    assert "http://" not in response.text.replace("http://cxroi.test", "")
    use = db.session.scalars(select(LinkUse)).one()
    assert (use.action, use.outcome, use.user_agent) == ("view", "valid", UA)
    # The expected NPV (the frozen Monte Carlo mean) sits beside the headline.
    mc = json.loads(version.result_json)["monte_carlo"]
    expected = f"expected NPV (mean of {mc['trials']:,} trials): £{mc['mean']:,.0f}"
    assert f'id="headline-expected-npv">{expected}<' in response.text


def test_an_approval_through_the_page_records_the_version_hash(ready_case, users, sponsor):
    new = _link(ready_case, users["cx"])
    version = versions.current_version(ready_case)
    response = _decide(sponsor, new.token, comment="Go ahead.")
    assert response.status_code == 200
    assert "Approved: thank you, Dana Reyes" in response.text
    decision = db.session.scalars(select(Decision)).one()
    assert (decision.version_hash, decision.name, decision.comment, decision.user_agent) == (
        version.case_hash,
        "Dana Reyes",
        "Go ahead.",
        UA,
    )
    db.session.refresh(ready_case)
    assert ready_case.status == "approved"


def test_a_post_without_csrf_token_is_refused(ready_case, users, sponsor):
    new = _link(ready_case, users["cx"])
    response = sponsor.post(
        f"/s/{new.token}/decision", data={"name": "Dana", "decision": "approve"}
    )
    assert response.status_code == 400
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert db.session.scalars(select(Decision)).all() == []


def test_a_view_link_gets_403_when_it_tries_to_approve(ready_case, users, sponsor):
    new = _link(ready_case, users["cx"], scope="view")
    page = _open(sponsor, new.token)
    assert page.status_code == 200
    assert "Approve version" not in page.text
    response = _decide(sponsor, new.token)
    assert response.status_code == 403
    assert "not decide on it" in response.text
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_expired_and_revoked_links_get_a_410_page(ready_case, users, sponsor, how, monkeypatch):
    new = _link(ready_case, users["cx"])
    if how == "expired":  # time passes (the sealed expiry is not edited)
        later = utcnow() + timedelta(days=91)  # past any expiry (at most 90 days)
        monkeypatch.setattr(links, "utcnow", lambda: later)
    else:
        links.revoke_link(ready_case, new.link.id, users["cx"])
    response = _open(sponsor, new.token)
    assert response.status_code == 410
    assert f"This link {how}" in response.text or f"was {how}" in response.text
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert sponsor.get(f"/s/{new.token}/workbook.xlsx").status_code == 410


def test_an_unknown_token_gets_a_404_page(sponsor, ready_case):
    response = _open(sponsor, "A" * 43)
    assert response.status_code == 404
    assert "Link not found" in response.text


def test_approving_a_superseded_version_gets_409_saying_what_happened(ready_case, users, sponsor):
    new = _link(ready_case, users["cx"])
    page = _open(sponsor, new.token)
    token = csrf_from(page.text)
    old_hash = versions.current_version(ready_case).case_hash
    take_case_step(ready_case, "reopen", users["cx"])  # CX edits while the sponsor reads
    response = sponsor.post(
        f"/s/{new.token}/decision",
        data={"csrf_token": token, "name": "Dana", "decision": "approve", "version_hash": old_hash},
    )
    assert response.status_code == 409
    assert "was superseded" in response.text and "Your decision was not recorded" in response.text
    # The page itself still opens, says so, and offers no decision.
    again = _open(sponsor, new.token)
    assert again.status_code == 200
    assert "A newer version exists" in again.text and "Approve version" not in again.text


def test_bad_decision_input_names_the_field_and_keeps_the_page(ready_case, users, sponsor):
    new = _link(ready_case, users["cx"])
    response = _decide(sponsor, new.token, "reject", comment="")
    assert response.status_code == 400
    assert "Say why, so that the team knows what to change." in response.text
    response = _decide(sponsor, new.token, name="")
    assert response.status_code == 400
    assert "Enter your name." in response.text
    response = _decide(sponsor, new.token, name="x" * 121)
    assert response.status_code == 400
    assert "Your name must be 120 characters or fewer." in response.text
    response = _decide(sponsor, new.token, "overrule" * 20)
    assert response.status_code == 400
    assert "Choose approve, reject or request changes." in response.text
    assert db.session.scalars(select(Decision)).all() == []


def test_the_workbook_of_the_version_downloads(ready_case, users, sponsor):
    new = _link(ready_case, users["cx"])
    response = sponsor.get(f"/s/{new.token}/workbook.xlsx")
    assert response.status_code == 200
    assert "-v1-" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    version = db.session.scalars(select(CaseVersion)).one()
    summary = [c.value for row in book["Summary"].iter_rows() for c in row]
    assert version.case_hash in summary
    assert "Audit" in book.sheetnames
    assert book["Inputs"]["A1"].value is not None


def test_link_endpoints_are_rate_limited(app, ready_case, users):
    from cxroi import create_app
    from cxroi.extensions import limiter

    new = _link(ready_case, users["cx"])
    limited = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI")},
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LINK_RATE_LIMIT": "3 per minute",
        }
    )
    try:
        client = limited.test_client()
        codes = [client.get(f"/s/{new.token}").status_code for _ in range(5)]
    finally:
        limiter.reset()
        limiter.enabled = False  # the limiter object is shared: leave it as the suite had it
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()
    assert codes == [200, 200, 200, 429, 429]
