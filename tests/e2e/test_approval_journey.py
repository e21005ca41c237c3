"""The approval journey in Chromium: CX drafts, finance challenges, CX revises, finance
accepts every review item and signs off, an admin puts the approver in the directory,
finance mails them an approve link; the approver, without an account, reads the link
from the mail (a real SMTP server in-process), asks for a code, reads it from the next
mail and approves with it. Then CX edits and the approval is shown as superseded. The
sponsor page prints on one page."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from cxroi.auth.services import create_user
from cxroi.cases.casefiles import import_case
from cxroi.extensions import db
from models import Case
from models.approval import CaseVersion, Decision
from tests.approving import SmtpCatcher, code_in, smtp_catcher, token_in
from tests.appsupport import PASSWORD, example_document
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def review_state(page) -> str:
    return page.locator(".case-meta .badge").inner_text()


@pytest.fixture
def smtp(live_app):
    catcher_iter = smtp_catcher()
    catcher: SmtpCatcher = next(catcher_iter)
    saved = live_app.config["SMTP_URL"]
    live_app.config["SMTP_URL"] = catcher.url
    yield catcher
    live_app.config["SMTP_URL"] = saved
    next(catcher_iter, None)


def test_cx_finance_and_sponsor_take_a_case_to_approval(live_app, live_server, new_page, smtp):
    base = live_server
    with live_app.app_context():
        cx = create_user("casey@example.com", "cx", PASSWORD, name="Casey Exley")
        create_user("fran@example.com", "finance", PASSWORD, name="Fran Ince")
        create_user("ada@example.com", "admin", PASSWORD, name="Ada Min")
        case_id = import_case(cx, json.dumps(example_document()).encode()).id
    review_url = f"{base}/cases/{case_id}/review"

    # CX submits the draft for review from the case's "Review & approval" tab.
    author = new_page()
    sign_in(author, base, "casey@example.com")
    author.goto(f"{base}/cases/{case_id}")
    author.get_by_role("link", name="Review & approval").click()
    author.get_by_role("button", name="Submit for finance review").click()
    assert review_state(author) == "In finance review"

    # Finance challenges one assumption.
    finance = new_page()
    sign_in(finance, base, "fran@example.com")
    finance.get_by_role("link", name="What awaits me").click()
    finance.get_by_role("link", name=re.compile("First-contact resolution")).first.click()
    finance.locator("#challenge-churn_reduction").fill("An 8-week pilot is thin evidence for 6%.")
    finance.locator("#challenge-btn-churn_reduction").click()  # inline: no reload
    expect(finance.locator('[data-review="churn_reduction"]')).to_have_text("challenged")
    screenshot(finance, "approval-review-challenge")

    # CX sees the challenge, withdraws the case to revise it, answers, resubmits.
    author.get_by_role("link", name="What awaits me").click()
    author.wait_for_url("**/awaiting")  # read the page once it has loaded, not mid-navigation
    author.wait_for_load_state()
    assert "answer Fran Ince's challenge on Relative churn reduction" in author.content().replace(
        "&#39;", "'"
    )
    author.goto(review_url)
    assert (
        "An 8-week pilot is thin evidence"
        in author.locator('li.review-card:has([data-review="churn_reduction"])').inner_text()
    )
    author.get_by_role("button", name="Withdraw to revise").click()
    author.goto(f"{base}/cases/{case_id}/inputs")
    author.get_by_role("link", name="Edit Relative churn reduction").click()
    author.locator("#value").fill("0.04")
    author.locator("#source").fill("Exit survey and 12-week pilot, two regions")
    author.get_by_role("button", name="Save assumption").click()
    author.wait_for_url("**/inputs")
    author.goto(review_url)
    author.locator(".thread textarea").first.fill("Revised to 4% with the 12-week pilot.")
    author.get_by_role("button", name="Reply").first.click()
    expect(author.locator(".thread .comment.reply").first).to_contain_text("Revised to 4%")
    author.get_by_role("button", name="Submit for finance review").click()
    assert review_state(author) == "In finance review"

    # Finance accepts every item and signs off: version 1 is frozen.
    finance.goto(review_url)
    assert "Revised to 4% with the 12-week pilot." in finance.content()
    assert finance.locator('[data-review="churn_reduction"]').inner_text() == "unreviewed"
    for accept in finance.locator("button[id^=accept-]").all():
        key = accept.get_attribute("id").removeprefix("accept-")
        finance.locator(f"#accept-{key}").click()
        expect(finance.locator(f'[data-review="{key}"]')).to_have_text("accepted")
    finance.get_by_role("button", name="Sign off and freeze").click()
    assert review_state(finance) == "Ready for approval"
    with live_app.app_context():
        version = db.session.query(CaseVersion).one()
        version_hash, frozen_npv = (
            version.case_hash,
            json.loads(version.result_json)["metrics"]["npv"],
        )
    assert finance.locator("#version-hash").inner_text() == version_hash

    # An administrator puts the sponsor in the approver directory, with a limit.
    admin = new_page()
    sign_in(admin, base, "ada@example.com")
    admin.get_by_role("link", name="Approvers").click()
    admin.get_by_label("Name").fill("Sam Sponsor")
    admin.get_by_label("Email").fill("sam@example.com")
    admin.get_by_label("Authority limit").fill("2,000,000")
    admin.get_by_label("Currency").fill("GBP")
    admin.get_by_role("button", name="Add approver").click()
    assert "Sam Sponsor <sam@example.com> added" in admin.locator("main").inner_text()

    # Finance mails an approve link to the approver the links page suggests.
    finance.get_by_role("link", name="Share it with the sponsor").click()
    finance.get_by_role("button", name="Mail an approve link to Sam Sponsor").click()
    assert "Approve link mailed to Sam Sponsor" in finance.locator("#new-link").inner_text()
    assert finance.locator("#new-link-url").count() == 0  # the creator never sees it
    screenshot(finance, "approval-links")
    mail = smtp.newest("sam@example.com", "For your approval")
    link = f"{base}/s/{token_in(SmtpCatcher.body(mail))}"
    assert link not in finance.content()

    # The owner, signed in, cannot decide through the link, nor can a forwarded link
    # decide without the code: each gets a page saying why.
    author.goto(link)
    author.get_by_role("button", name="Decide: email me a code").click()
    assert "You may not decide on this case" in author.locator("main").inner_text()
    assert "who owns this case" in author.locator("main").inner_text()
    screenshot(author, "approval-refused-owner")

    # The sponsor, in a fresh context with no account, reads and approves.
    sponsor = new_page(width=1100)
    sponsor.goto(link)
    assert "/login" not in sponsor.url
    assert sponsor.locator("#version-hash").inner_text() == version_hash
    assert sponsor.locator("#headline-npv").inner_text() == f"£{frozen_npv:,.0f}"
    screenshot(sponsor, "approval-sponsor-page")
    sponsor.emulate_media(media="print")
    pdf = sponsor.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the sponsor page prints on {pages} pages"
    sponsor.emulate_media(media="screen")
    sponsor.get_by_role("button", name="Decide: email me a code").click()
    assert "A code is on its way" in sponsor.locator("#notice").inner_text()
    code = code_in(str(smtp.newest("sam@example.com", "Your code")["Subject"]))
    sponsor.get_by_label("The code from your mail").fill(code)
    sponsor.get_by_label("Your name").fill("Sam Sponsor")
    sponsor.get_by_label("Comment").fill("Approved: report churn monthly.")
    sponsor.get_by_role("button", name="Approve version 1").click()
    assert "Approved: thank you, Sam Sponsor" in sponsor.locator("#notice").inner_text()
    screenshot(sponsor, "approval-sponsor-approved")

    # The case shows Approved, with the sponsor's name and the version hash.
    author.goto(review_url)
    assert review_state(author) == "Approved"
    decision = author.locator(".decision").first.inner_text()
    assert "Approved by Sam Sponsor" in decision and version_hash[:12] in decision
    assert author.locator("#version-hash").inner_text() == version_hash
    with live_app.app_context():
        stored = db.session.query(Decision).one()
        assert (stored.version_hash, stored.name) == (version_hash, "Sam Sponsor")
        assert stored.verified_email == "sam@example.com"
        assert "Chrome" in stored.user_agent and stored.ip == "127.0.0.1"
    screenshot(author, "approval-case-approved")

    # CX edits: a new draft; the approval is kept and shown as superseded.
    author.get_by_role("link", name="Inputs").click()
    author.get_by_role("button", name="Edit: start a new draft").click()
    author.goto(f"{base}/cases/{case_id}/inputs")
    author.get_by_role("link", name="Edit Relative churn reduction").click()
    author.locator("#value").fill("0.05")
    author.get_by_role("button", name="Save assumption").click()
    author.wait_for_url("**/inputs")
    author.goto(review_url)
    assert review_state(author) == "Draft"
    superseded = author.locator(".superseded-decision").inner_text()
    assert "Approved by Sam Sponsor" in superseded and "superseded" in superseded
    screenshot(author, "approval-superseded")
    # The sponsor's link now says what happened and no longer offers a decision.
    sponsor.goto(link)
    assert "A newer version exists" in sponsor.locator("#notice").inner_text()
    assert sponsor.get_by_role("button", name="Approve version 1").count() == 0
    with live_app.app_context():
        assert db.session.get(Case, case_id).status == "draft"
    author.goto(f"{base}/cases/{case_id}/history")
    assert "approved by Sam Sponsor" in author.locator("main").inner_text()
    screenshot(author, "approval-history")
    author.goto(f"{base}/cases/{case_id}/versions")
    screenshot(author, "approval-versions")
