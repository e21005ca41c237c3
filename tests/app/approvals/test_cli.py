"""``cxroi share``, ``cxroi verify-audit`` and the approval step of ``cxroi demo``."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cxroi.approvals import review, tokens, versions
from cxroi.cli import main
from cxroi.extensions import db
from models import Approver, Case, Decision, DecisionCode
from models.approval import SharedLink
from tests.approving import add_approver, newest_mail, token_in


@pytest.fixture
def cli(app, monkeypatch):
    @contextmanager
    def the_test_app():  # the commands' app, already in the test's app context
        yield app

    monkeypatch.setattr("cxroi.app_cli._app", the_test_app)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_share_prints_a_working_view_link_and_stores_only_its_hash(cli, app, ready_case):
    result = cli(
        "share", str(ready_case.id), "--scope", "view", "--to", "Dana Reyes <dana@example.com>",
        "--base-url", "http://127.0.0.1:5061",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    url = re.search(r"http://127\.0\.0\.1:5061/s/(\S+)", result.output)
    token = url.group(1)
    link = db.session.scalars(select(SharedLink)).one()
    assert link.token_hash == tokens.hash_token(token)
    assert (link.scope, link.recipient_name, link.recipient_email) == (
        "view",
        "Dana Reyes",
        "dana@example.com",
    )
    assert link.version_id == versions.current_version(ready_case).id
    assert app.test_client().get(f"/s/{token}").status_code == 200


def test_share_explains_bad_input_and_exits_2(cli, ready_case, case):
    bad = cli("share", str(ready_case.id), "--to", "dana@example.com")
    assert bad.exit_code == 2 and 'give the recipient as "Name <email>"' in bad.output
    days = cli("share", str(ready_case.id), "--to", "D <d@example.com>", "--days", "120")
    assert days.exit_code == 2 and "--days: expiry must be between 1 and 90 days" in days.output
    missing = cli("share", "999", "--to", "D <d@example.com>")
    assert missing.exit_code == 2 and "There is no case 999." in missing.output


def test_share_refuses_a_case_that_is_not_frozen(cli, users):
    from tests.app.approvals.conftest import load_example_case

    draft = load_example_case(users["cx"])
    result = cli("share", str(draft.id), "--to", "D <d@example.com>")
    assert result.exit_code == 2
    assert "Only a frozen version can be shared" in result.output


def test_verify_audit_says_intact_on_an_empty_chain(cli):
    result = cli("verify-audit")
    assert result.exit_code == 0
    assert "audit chain intact: 0 entries checked" in result.output


def test_share_mails_an_approve_link_and_prints_no_token(cli, app, ready_case):
    add_approver()
    result = cli(
        "share", str(ready_case.id), "--to", "Dana Reyes <dana@example.com>",
        "--base-url", "http://127.0.0.1:5061",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "approve link mailed to Dana Reyes <dana@example.com>" in result.output
    assert "/s/" not in result.output
    token = token_in(newest_mail("dana@example.com", "For your approval").body)
    assert f"http://127.0.0.1:5061/s/{token}" in newest_mail("dana@example.com", "For").body
    assert db.session.scalars(select(SharedLink)).one().token_hash == tokens.hash_token(token)
    unknown = cli("share", str(ready_case.id), "--to", "Eve <eve@example.com>")
    assert unknown.exit_code == 2
    assert "eve@example.com is not in the approver directory" in unknown.output


def test_demo_leaves_approved_ready_and_in_review_cases_through_the_real_flow(cli, app):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert "/s/" not in result.output  # no token printed
    assert f"in the outbox: {app.config['MAIL_OUTBOX']}" in result.output
    by_status = {c.status: c for c in db.session.scalars(select(Case))}
    approved, ready, in_review = by_status["approved"], by_status["ready"], by_status["in_review"]
    # Approved by a directory approver, with the code mailed to that approver verified.
    (decision,) = db.session.scalars(select(Decision)).all()
    sam = db.session.get(Approver, decision.link.approver_id)
    assert (decision.case_id, decision.verified_email, sam.email) == (
        approved.id,
        "sponsor@example.com",
        "sponsor@example.com",
    )
    code = db.session.scalars(select(DecisionCode)).one()
    assert code.used_at is not None and code.email == "sponsor@example.com"
    # Ready: its approve link is in the outbox and opens the ready version.
    link = db.session.scalars(select(SharedLink).where(SharedLink.case_id == ready.id)).one()
    token = token_in(newest_mail(link.recipient_email, "For your approval").body)
    page = app.test_client().get(f"/s/{token}")
    assert page.status_code == 200
    assert versions.current_version(ready).case_hash in page.text
    # In review with an open challenge.
    (thread,) = [t for ts in review.threads(in_review).values() for t in ts]
    assert thread.kind == "challenge" and not thread.is_resolved
    # Running it again (users exist) changes nothing.
    again = cli("demo", "--if-empty")
    assert "outbox" not in again.output
