"""``cxroi share``, ``cxroi verify-audit`` and the approval step of ``cxroi demo``."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cxroi.approvals import tokens, versions
from cxroi.cli import main
from cxroi.extensions import db
from models import Case
from models.approval import SharedLink


@pytest.fixture
def cli(app, monkeypatch):
    @contextmanager
    def the_test_app():  # the commands' app, already in the test's app context
        yield app

    monkeypatch.setattr("cxroi.app_cli._app", the_test_app)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_share_prints_a_working_link_and_stores_only_its_hash(cli, app, ready_case):
    result = cli(
        "share", str(ready_case.id), "--scope", "approve", "--to", "Dana Reyes <dana@example.com>",
        "--base-url", "http://127.0.0.1:5061",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    url = re.search(r"http://127\.0\.0\.1:5061/s/(\S+)", result.output)
    token = url.group(1)
    link = db.session.scalars(select(SharedLink)).one()
    assert link.token_hash == tokens.hash_token(token)
    assert (link.scope, link.recipient_name, link.recipient_email) == (
        "approve",
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


def test_demo_leaves_one_case_ready_with_an_approve_link(cli, app):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    match = re.search(
        r"Approve link for Sam Sponsor <sponsor@example.com>: \S+/s/(\S+)", result.output
    )
    assert match, result.output
    ready = db.session.scalars(select(Case).where(Case.status == "ready")).all()
    assert len(ready) == 1
    version = versions.current_version(ready[0])
    assert f"hash {version.short_hash}" in result.output
    page = app.test_client().get(f"/s/{match.group(1)}")
    assert page.status_code == 200 and version.case_hash in page.text
    # Running it again (users exist) changes nothing.
    again = cli("demo", "--if-empty")
    assert "Approve link" not in again.output
