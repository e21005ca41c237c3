"""Shared links through the service: creation, every state, and the sponsor's decision."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from cxroi.approvals import links, versions
from cxroi.approvals.errors import Conflict, InputError, LinkGone, NotFound, PermissionDenied
from cxroi.approvals.steps import take_case_step
from cxroi.extensions import db
from models._types import utcnow
from models.approval import Decision, LinkUse, SharedLink
from tests.approving import decide_with_code, send_approve_link

CLIENT = {"ip": "203.0.113.9", "user_agent": "Mozilla/5.0 (Sponsor laptop)"}


def _link(case, user, scope="approve", **kw):
    """A link and its token: a view link's as returned, an approve link's from its mail."""
    if scope == "approve":
        new, token = send_approve_link(case, user, **kw)
        return SimpleNamespace(link=new.link, token=token)
    return links.create_link(
        case,
        user,
        recipient_name="Dana Reyes",
        recipient_email="dana@example.com",
        scope=scope,
        **kw,
    )


def _decide(token, version, decision="approve", **kw):
    """A decision with the code mailed for it (asked for first, as the page does)."""
    return decide_with_code(token, decision, **{"version_hash": version.case_hash, **CLIENT, **kw})


def test_only_the_sha256_of_the_token_is_stored(ready_case, users):
    new = _link(ready_case, users["cx"])
    row = db.session.get(SharedLink, new.link.id)
    assert row.token_hash == hashlib.sha256(new.token.encode()).hexdigest()
    stored = [str(v) for v in row.__dict__.values()]
    assert not any(new.token in v for v in stored)
    assert row.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None) > timedelta(
        days=13, hours=23
    )


def test_who_may_create_a_link_and_what_input_is_refused(ready_case, users):
    for who in ("cx2", "admin"):
        with pytest.raises(PermissionDenied, match="owner or finance"):
            _link(ready_case, users[who])
    _link(ready_case, users["finance"], scope="view")
    with pytest.raises(InputError) as exc:
        _link(ready_case, users["cx"], expires_in_days=91)
    assert exc.value.field == "expires_in_days"
    with pytest.raises(InputError) as exc:
        links.create_link(
            ready_case,
            users["cx"],
            recipient_name="Dana",
            recipient_email="dana",
            scope="approve",
        )
    assert exc.value.field == "recipient_email"


def test_no_link_before_a_freeze(case, users):
    with pytest.raises(Conflict, match="Only a frozen version can be shared"):
        _link(case, users["cx"])


def test_an_approval_stores_the_exact_version_hash_ip_and_agent(ready_case, users):
    new = _link(ready_case, users["cx"])
    version = versions.current_version(ready_case)
    record = _decide(new.token, version, comment="Go.")
    assert ready_case.status == "approved"
    row = db.session.get(Decision, record.id)
    assert (row.decision, row.version_hash, row.name, row.ip, row.user_agent, row.link_id) == (
        "approve",
        version.case_hash,
        "Dana Reyes",
        "203.0.113.9",
        "Mozilla/5.0 (Sponsor laptop)",
        new.link.id,
    )
    assert row.verified_email == "dana@example.com"
    uses = db.session.scalars(select(LinkUse).where(LinkUse.link_id == new.link.id)).all()
    assert [(u.action, u.outcome, u.ip) for u in uses] == [
        ("ask for a code", "code sent", "203.0.113.9"),
        ("approve", "recorded: approve", "203.0.113.9"),
    ]


def test_a_view_link_cannot_approve(ready_case, users):
    new = _link(ready_case, users["cx"], scope="view")
    with pytest.raises(PermissionDenied, match="not decide on it"):
        _decide(new.token, versions.current_version(ready_case))
    assert ready_case.status == "ready"
    use = db.session.scalars(select(LinkUse)).one()
    assert use.outcome == "forbidden: view link"


def test_expired_and_revoked_links_are_gone_and_the_use_is_logged(ready_case, users, monkeypatch):
    expired = _link(ready_case, users["cx"])
    # time passes (a link's expiry is sealed: it is not edited to make it expire)
    later = utcnow() + timedelta(days=91)  # past any expiry (at most 90 days)
    monkeypatch.setattr(links, "utcnow", lambda: later)
    with pytest.raises(LinkGone, match="expired") as exc:
        links.open_link(expired.token, action="view", **CLIENT)
    assert exc.value.status == 410
    revoked = _link(ready_case, users["finance"])
    links.revoke_link(ready_case, revoked.link.id, users["finance"])
    with pytest.raises(LinkGone, match="revoked"):
        _decide(revoked.token, versions.current_version(ready_case))
    outcomes = db.session.scalars(select(LinkUse.outcome).order_by(LinkUse.id)).all()
    assert outcomes == ["expired", "revoked"]
    assert ready_case.status == "ready"


def test_an_unknown_token_is_not_found(ready_case):
    with pytest.raises(NotFound):
        links.open_link("x" * 43, action="view", **CLIENT)
    with pytest.raises(NotFound):
        links.open_link("../../etc", action="view", **CLIENT)


def test_approving_a_superseded_version_is_a_conflict_that_says_what_happened(ready_case, users):
    new = _link(ready_case, users["cx"])
    old = versions.current_version(ready_case)
    take_case_step(ready_case, "reopen", users["cx"])
    with pytest.raises(Conflict) as exc:
        _decide(new.token, old)
    assert exc.value.status == 409
    assert f"Version 1 (hash {old.short_hash}) was superseded" in exc.value.message
    assert "a new draft was started by Casey Author" in exc.value.message
    assert "Your decision was not recorded" in exc.value.message
    assert db.session.scalars(select(Decision)).all() == []


def test_a_decision_is_taken_once(ready_case, users):
    a, b = _link(ready_case, users["cx"]), _link(ready_case, users["finance"])
    version = versions.current_version(ready_case)
    _decide(a.token, version, "reject", comment="Too risky.")
    with pytest.raises(Conflict, match="already rejected by Dana Reyes"):
        _decide(b.token, version)


def test_rejecting_needs_a_reason_and_a_name_is_required(ready_case, users):
    new = _link(ready_case, users["cx"])
    version = versions.current_version(ready_case)
    with pytest.raises(InputError) as exc:
        _decide(new.token, version, "request_changes")
    assert exc.value.field == "comment"
    with pytest.raises(InputError) as exc:
        _decide(new.token, version, name="  ")
    assert exc.value.field == "name"
    with pytest.raises(Conflict, match="showed another version"):
        _decide(new.token, version, version_hash="0" * 64)
    _decide(new.token, version, "request_changes", comment="Show the pilot data.")
    assert ready_case.status == "changes_requested"


def test_an_approval_never_counts_for_the_next_version(ready_case, users):
    new = _link(ready_case, users["cx"])
    v1 = versions.current_version(ready_case)
    _decide(new.token, v1)
    take_case_step(ready_case, "reopen", users["cx"])
    take_case_step(ready_case, "submit", users["cx"])
    take_case_step(ready_case, "sign_off", users["finance"])
    v2 = versions.current_version(ready_case)
    assert ready_case.status == "ready"
    assert links.versions_decisions(v2) == []
    assert [d.decision for d in links.versions_decisions(v1)] == ["approve"]
    assert links.state_of(new.link) == "superseded"


def test_a_decision_racing_another_change_is_a_conflict_not_a_500(ready_case, users, monkeypatch):
    from sqlalchemy import text

    from cxroi.approvals import links as links_module

    new = _link(ready_case, users["cx"])
    version = versions.current_version(ready_case)
    real_take_step = links_module.take_step

    def someone_else_moves_the_case_first(*args):
        # Another transaction changes the case after this one loaded it.
        db.session.execute(
            text("UPDATE cases SET lock_version = lock_version + 1 WHERE id = :id"),
            {"id": ready_case.id},
        )
        return real_take_step(*args)

    monkeypatch.setattr(links_module, "take_step", someone_else_moves_the_case_first)
    with pytest.raises(Conflict, match="while you were deciding"):
        _decide(new.token, version)
    assert db.session.scalars(select(Decision)).all() == []
