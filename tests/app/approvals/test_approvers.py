"""Real approvers with authority, and the sponsor proven by a one-time code (issue 9)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from cxroi.approvals import approvers, links, review, tokens, versions
from cxroi.approvals.errors import CodeRefused, InputError, PermissionDenied
from cxroi.extensions import db
from models import AuditEvent, Decision, DecisionCode
from models.approval import ChainEntry, SharedLink
from tests.app.approvals.web import ask_code_over_http, decide_over_http, post_form, sign_in
from tests.approving import (
    CLIENT,
    SmtpCatcher,
    add_approver,
    ask_code,
    decide_with_code,
    newest_mail,
    send_approve_link,
    smtp_catcher,
    token_in,
)


def _pv_costs(case):
    return json.loads(versions.current_version(case).result_json)["metrics"]["pv_costs"]


def _nothing_decided(case):
    db.session.refresh(case)
    assert case.status == "ready"
    assert db.session.scalars(select(Decision)).all() == []


# -- who may receive an approve link -------------------------------------------------------


def test_an_approver_below_the_limit_gets_no_link_and_the_message_says_why(ready_case, users):
    pv = _pv_costs(ready_case)
    add_approver("Low Limit", "low@example.com", limit=pv - 1)
    with pytest.raises(approvers.ApproverRefused) as exc:
        send_approve_link(ready_case, users["cx"], email="low@example.com")
    assert f"below this case's PV of costs (and other outflows) of £{pv:,.0f}" in exc.value.message
    add_approver("Exactly", "exact@example.com", limit=pv)
    send_approve_link(ready_case, users["cx"], email="exact@example.com")
    assert db.session.scalars(select(SharedLink.recipient_email)).all() == ["exact@example.com"]


def test_a_benefit_that_pays_out_counts_against_the_limit(users):
    """The review's case: a 'benefit' of -£5M a month with £1k of costs must not be
    approvable under a £1k limit. Outflows booked as benefits count as costs do."""
    import json as _json

    from cxroi.approvals.steps import take_case_step
    from cxroi.cases.services import insert_case
    from cxroi.engine import load_case
    from cxroi.engine.timeline import Timeline
    from tests.app.approvals.conftest import accept_all
    from tests.support import EXAMPLES_DIR

    doc = _json.loads((EXAMPLES_DIR / "contact-centre.json").read_text())
    doc["benefits"].append({"name": "Hidden outflow", "kind": "custom", "amount": -5_000.0})
    case = insert_case(users["cx"], load_case(doc), "import")
    take_case_step(case, "submit", users["cx"])
    accept_all(case, users["finance"])
    take_case_step(case, "sign_off", users["finance"])
    # independently: the outflow's PV is -5,000 in every month but month 0 (the engine's
    # timing for a monthly benefit), discounted at the case's monthly rate
    tl = Timeline.of(doc["horizon_months"], doc["discount_rate"])
    outflow = 5_000.0 * float(tl.discount_factor[1:].sum())
    needed = _pv_costs(case) + outflow
    version = versions.current_version(case)
    assert approvers.authority_needed(version).amount == pytest.approx(needed, rel=1e-12)
    add_approver("Costs only", "costs@example.com", limit=_pv_costs(case) + 1)
    with pytest.raises(approvers.ApproverRefused, match="and other outflows"):
        send_approve_link(case, users["cx"], email="costs@example.com")
    add_approver("Enough", "enough@example.com", limit=needed + 1)
    send_approve_link(case, users["cx"], email="enough@example.com")


def test_inactive_other_currency_and_unknown_approvers_are_refused(ready_case, users):
    add_approver("Off", "off@example.com", active=False)
    add_approver("Euro", "euro@example.com", currency="EUR")
    for email, why in (
        ("off@example.com", "is switched off in the approver directory"),
        ("euro@example.com", "authority limit is in EUR; this case is in GBP"),
        ("nobody@example.com", "is not in the approver directory"),
    ):
        with pytest.raises(approvers.ApproverRefused, match=why):
            send_approve_link(ready_case, users["cx"], email=email, add=False)
    assert db.session.scalars(select(SharedLink)).all() == []
    # A view link to anyone is still possible and shown.
    view = links.create_link(
        ready_case, users["cx"], recipient_name="Board", recipient_email="b@example.com",
        scope="view",
    )  # fmt: skip
    assert view.token and links.open_link(view.token, action="view", **CLIENT)


@pytest.mark.parametrize(
    ("who", "role"), [("cx", "owns"), ("finance", "reviewed"), ("cx2", "edited")]
)
def test_nobody_of_the_case_team_may_be_its_approver(ready_case, users, who, role):
    if who == "cx2":  # another CX user who only commented: in the audit trail
        review.start_thread(ready_case, users["cx2"], "Looks fine to me.", None)
    email = users[who].email.upper()  # matched case-insensitively
    add_approver("Team Member", email.lower())
    with pytest.raises(approvers.ApproverRefused, match=f"{role} this case") as exc:
        send_approve_link(ready_case, users["finance"], email=email, add=False)
    assert "separation of duties" in exc.value.message
    assert (
        users["cx2"].email
        not in [
            a.email for a in approvers.qualifying(ready_case, versions.current_version(ready_case))
        ]
        or who != "cx2"
    )


def test_the_links_page_suggests_only_qualifying_approvers(app, ready_case, users):
    pv = _pv_costs(ready_case)
    add_approver("Big Boss", "boss@example.com", limit=pv * 10)
    add_approver("Small Fry", "small@example.com", limit=pv / 2)
    add_approver("Fran Again", users["finance"].email)
    page = sign_in(app, users["cx"]).get(f"/cases/{ready_case.id}/links").text
    assert "Mail an approve link to Big Boss" in page
    assert "Small Fry" not in page and "Fran Again" not in page


# -- the mail ------------------------------------------------------------------------------


def test_the_creator_never_sees_the_approve_token(app, ready_case, users):
    add_approver()
    cx = sign_in(app, users["cx"])
    url = f"/cases/{ready_case.id}/links"
    response = post_form(cx, url, url, {
        "recipient_name": "Dana Reyes", "recipient_email": "dana@example.com",
        "scope": "approve", "expires_in_days": "14",
    })  # fmt: skip
    assert response.status_code == 200
    assert "Approve link mailed to Dana Reyes" in response.text
    token = token_in(newest_mail("dana@example.com", "For your approval").body)
    link = db.session.scalars(select(SharedLink)).one()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in response.text and token not in cx.get(url).text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "link")).all()
    assert [e.action for e in events] == ["create", "mailed"]
    assert all(token not in (e.new or "") for e in events)
    assert not any(token in e.payload for e in db.session.scalars(select(ChainEntry)))


def test_a_failed_mail_keeps_the_link_and_a_resend_revokes_it(app, ready_case, users):
    add_approver()
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens on the discard port
    new = links.create_link(
        ready_case, users["cx"], recipient_name="x", recipient_email="dana@example.com",
        scope="approve",
    )  # fmt: skip
    assert new.token is None and "refused or did not answer" in new.mail_error
    assert db.session.get(SharedLink, new.link.id).mailed_at is None
    cx = sign_in(app, users["cx"])
    page = cx.get(f"/cases/{ready_case.id}/links").text
    assert "failed:" in page and "Resend" in page
    app.config["SMTP_URL"] = None
    url = f"/cases/{ready_case.id}/links"
    again = post_form(cx, url, f"{url}/{new.link.id}/resend", {})
    assert again.status_code == 200 and "Approve link mailed to Dana Reyes" in again.text
    old, fresh = db.session.scalars(select(SharedLink).order_by(SharedLink.id)).all()
    assert old.revoked_at is not None and fresh.revoked_at is None and fresh.mailed_at
    token = token_in(newest_mail("dana@example.com", "For your approval").body)
    assert fresh.token_hash == tokens.hash_token(token)


def test_a_rolled_back_request_sends_nothing(app, ready_case, users):
    add_approver("Low", "low@example.com", limit=1)
    with pytest.raises(approvers.ApproverRefused):
        send_approve_link(ready_case, users["cx"], email="low@example.com", add=False)
    assert (
        not list(
            (
                app.config["MAIL_OUTBOX"] and __import__("pathlib").Path(app.config["MAIL_OUTBOX"])
            ).glob("*.eml")
        )
        if __import__("pathlib").Path(app.config["MAIL_OUTBOX"]).exists()
        else True
    )


@pytest.fixture
def smtp(app):
    catcher_iter = smtp_catcher()
    catcher: SmtpCatcher = next(catcher_iter)
    app.config["SMTP_URL"] = catcher.url
    yield catcher
    app.config["SMTP_URL"] = None
    next(catcher_iter, None)


def test_over_real_smtp_the_token_is_only_in_the_mail_and_the_code_decides(
    app, ready_case, users, smtp
):
    add_approver()
    new = links.create_link(
        ready_case, users["cx"], recipient_name="x", recipient_email="dana@example.com",
        scope="approve",
    )  # fmt: skip
    assert new.token is None and new.mail_error is None
    message = smtp.newest("dana@example.com", "For your approval")
    assert str(message["To"]) == "Dana Reyes <dana@example.com>"
    body = smtp.body(message)
    version = versions.current_version(ready_case)
    assert f"version {version.number} (hash {version.short_hash})" in body
    assert f"PV of costs is £{_pv_costs(ready_case):,.0f}" in body
    token = token_in(body)
    assert smtp.envelopes[-1][1] == ["dana@example.com"]
    # The token is nowhere in the database, the audit trail or the chain.
    for row in db.session.scalars(select(AuditEvent)):
        assert token not in f"{row.old}{row.new}"
    assert not any(token in e.payload for e in db.session.scalars(select(ChainEntry)))
    # Deciding: the code goes to the same address, in its own mail.
    sponsor = app.test_client()
    assert ask_code_over_http(sponsor, token).status_code == 200
    code_mail = smtp.newest("dana@example.com", "Your code")
    code = code_mail["Subject"].split(": ")[-1].strip()
    assert len(code) == 6 and code in smtp.body(code_mail)
    assert code not in body
    response = decide_over_http(sponsor, token, code=code)
    assert response.status_code == 200, response.text
    decision = db.session.scalars(select(Decision)).one()
    assert decision.verified_email == "dana@example.com"


# -- the code ------------------------------------------------------------------------------


def test_the_code_is_stored_only_as_an_hmac(app, ready_case, users):
    _, token = send_approve_link(ready_case, users["cx"])
    code = ask_code(token)
    row = db.session.scalars(select(DecisionCode)).one()
    assert code not in str(row.__dict__)
    expected = __import__("hmac").new(
        app.config["SECRET_KEY"].encode(), f"decision-code:{row.link_id}:{code}".encode(),
        hashlib.sha256,
    ).hexdigest()  # fmt: skip
    assert row.code_hash == expected and row.code_hash != hashlib.sha256(code.encode()).hexdigest()
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_a_forwarded_link_without_the_code_cannot_decide(app, ready_case, users):
    _, token = send_approve_link(ready_case, users["cx"])
    forwarded = app.test_client()
    # No code asked for: a page saying a code from the mail is needed.
    response = decide_over_http(forwarded, token, code="")
    assert response.status_code == 403
    assert "A forwarded link alone cannot decide" in response.text
    # A code asked for (it goes to Dana, not to whoever holds the link): guessing fails.
    ask_code(token)
    response = decide_over_http(forwarded, token, code="")
    assert (
        response.status_code == 400
        and "Enter the 6-digit code mailed to d***@example.com" in response.text
    )
    _nothing_decided(ready_case)


def test_a_wrong_code_spends_a_try_and_five_exhaust_it(ready_case, users):
    _, token = send_approve_link(ready_case, users["cx"])
    code = ask_code(token)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(InputError, match=f"{left} tr(y|ies) left") as exc:
            decide_with_code(token, code=wrong)
        assert exc.value.field == "code"
    with pytest.raises(CodeRefused, match="last of 5 tries"):
        decide_with_code(token, code=wrong)
    with pytest.raises(CodeRefused, match="entered wrongly 5 times"):
        decide_with_code(token, code=code)  # even the right code: it is spent
    _nothing_decided(ready_case)
    failed = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "code failed")
    ).all()
    assert len(failed) == 5
    # A new code works.
    decide_with_code(token)
    assert ready_case.status == "approved"


def test_an_expired_code_is_refused(ready_case, users, monkeypatch):
    from cxroi.approvals import links

    _, token = send_approve_link(ready_case, users["cx"])
    code = ask_code(token)
    row = db.session.scalars(select(DecisionCode)).one()
    # the code's row is sealed and append-only: time passes instead of its expiry moving
    later = row.expires_at.replace(tzinfo=UTC) + timedelta(seconds=1)
    monkeypatch.setattr(links, "utcnow", lambda: later)
    with pytest.raises(CodeRefused, match="expired") as exc:
        decide_with_code(token, code=code)
    assert exc.value.status == 403
    _nothing_decided(ready_case)


def test_a_new_code_replaces_the_old_one(ready_case, users):
    _, token = send_approve_link(ready_case, users["cx"])
    first = ask_code(token)
    second = ask_code(token)
    if first != second:
        with pytest.raises(InputError, match="not right"):
            decide_with_code(token, code=first)
    record = decide_with_code(token, code=second)
    assert record.verified_email == "dana@example.com"


def test_a_view_link_cannot_ask_for_a_code_nor_decide(app, ready_case, users):
    view = links.create_link(
        ready_case, users["cx"], recipient_name="D", recipient_email="dana@example.com",
        scope="view",
    )  # fmt: skip
    with pytest.raises(PermissionDenied, match="not decide on it"):
        ask_code(view.token)
    response = decide_over_http(app.test_client(), view.token, code="123456")
    assert response.status_code == 403 and "This link cannot be used to decide" in response.text
    _nothing_decided(ready_case)


@pytest.mark.parametrize(("who", "role"), [("cx", "owns"), ("finance", "reviewed")])
def test_a_team_member_signed_in_is_refused_with_a_page(app, ready_case, users, who, role):
    _, token = send_approve_link(ready_case, users["cx"])
    browser = sign_in(app, users[who])
    response = ask_code_over_http(browser, token)
    assert response.status_code == 403
    assert "You may not decide on this case" in response.text
    assert f"You are signed in as {users[who].email}, who {role} this case" in response.text
    # Even with a code the real approver asked for.
    code = ask_code(token)
    response = decide_over_http(browser, token, code=code)
    assert response.status_code == 403 and "separation of duties" in response.text
    _nothing_decided(ready_case)
    # The approver, not signed in, decides with the same code.
    assert decide_over_http(app.test_client(), token, code=code).status_code == 200


def test_switching_an_approver_off_stops_their_open_link(ready_case, users):
    _, token = send_approve_link(ready_case, users["cx"])
    dana = approvers.by_email("dana@example.com")
    approvers.update_approver(
        users["admin"], dana.id, name=dana.name, limit_amount=dana.limit_amount,
        currency=dana.currency, active=False,
    )  # fmt: skip
    with pytest.raises(approvers.ApproverRefused, match="switched off"):
        ask_code(token)


# -- the directory -------------------------------------------------------------------------


def test_only_an_admin_keeps_the_directory_and_every_change_is_audited(app, users):
    for who in ("cx", "finance"):
        with pytest.raises(PermissionDenied):
            approvers.add_approver(
                users[who], name="X", email="x@example.com", limit_amount=1, currency="GBP"
            )
        assert sign_in(app, users[who]).get("/admin/approvers").status_code == 403
        assert sign_in(app, users[who]).get("/admin/outbox").status_code == 403
    admin = sign_in(app, users["admin"])
    url = "/admin/approvers"
    bad = post_form(admin, url, url, {"name": "Sam", "email": "sam@example.com",
                                      "limit_amount": "lots", "currency": "GBP"})  # fmt: skip
    assert bad.status_code == 400 and "Enter the authority limit as a number." in bad.text
    bad = post_form(admin, url, url, {"name": "Sam", "email": "sam@example.com",
                                      "limit_amount": "100", "currency": "pounds"})  # fmt: skip
    assert bad.status_code == 400 and "currency code such as GBP" in bad.text
    ok = post_form(admin, url, url, {"name": "Sam", "email": "Sam@Example.com",
                                     "limit_amount": "1,000,000", "currency": "gbp"})  # fmt: skip
    assert ok.status_code == 302
    sam = approvers.by_email("sam@example.com")
    assert (sam.email, sam.limit_amount, sam.currency, sam.active) == (
        "sam@example.com", 1_000_000.0, "GBP", True)  # fmt: skip
    dup = post_form(admin, url, url, {"name": "Sam", "email": "SAM@example.com",
                                      "limit_amount": "5", "currency": "GBP"})  # fmt: skip
    assert dup.status_code == 400 and "already in the directory" in dup.text
    off = post_form(admin, url, f"{url}/{sam.id}/active", {"active": "0"})
    assert off.status_code == 302
    db.session.refresh(sam)
    assert sam.active is False
    page = admin.get(url).text
    assert 'data-confirm="Switch off' not in page  # already off: switching on needs no confirm
    actions = [
        (e.action, e.field)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "approver").order_by(AuditEvent.id)
        )
    ]
    assert actions == [("create", None), ("update", "active")]
    sealed = [
        json.loads(e.payload)["action"]
        for e in db.session.scalars(
            select(ChainEntry).where(ChainEntry.kind == "approver").order_by(ChainEntry.seq)
        )
    ]
    assert sealed == ["create", "deactivate"]


def test_the_outbox_page_lists_and_shows_messages_to_admins(app, ready_case, users):
    _, token = send_approve_link(ready_case, users["cx"])
    admin = sign_in(app, users["admin"])
    listing = admin.get("/admin/outbox")
    assert listing.status_code == 200 and "For your approval" in listing.text
    name = newest_mail("dana@example.com", "For your approval").name
    shown = admin.get(f"/admin/outbox/{name}")
    assert shown.status_code == 200 and token in shown.text
    assert admin.get("/admin/outbox/..%2Finstance.eml").status_code == 404
    assert admin.get("/admin/outbox/nothing.eml").status_code == 404


def test_guesses_sent_at_once_spend_no_more_than_five_tries(app, ready_case, users):
    """The review sent 30 wrong codes at once and 12 were compared (a read-then-write
    count). Each try is now spent in the database itself."""
    import threading

    _, token = send_approve_link(ready_case, users["cx"])
    code = ask_code(token)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    start = threading.Barrier(12)
    outcomes: list[str] = []

    def guess() -> None:
        with app.app_context():
            start.wait()
            try:
                decide_with_code(token, code=wrong)
            except (InputError, CodeRefused) as exc:
                outcomes.append(type(exc).__name__)
            except Exception as exc:  # e.g. SQLite busy: refused all the same
                outcomes.append(f"other: {exc.__class__.__name__}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.session.expire_all()
    failed = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "code failed")
    ).all()
    assert len(failed) <= 5 and len(outcomes) == 12
    assert db.session.scalars(select(DecisionCode.tries)).one() == len(failed)
    _nothing_decided(ready_case)
