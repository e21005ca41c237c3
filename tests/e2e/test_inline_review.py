"""Finance reviews without a page reload (static/js/review.js), in Chromium: a challenge,
an accept, a refused empty challenge and a reply, each swapped in where it was made,
by mouse and by keyboard, at 1280 and 360 px.

No navigation happens: a marker set on ``window`` before survives every action, and no
frame navigates."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from cxroi.approvals.steps import take_case_step
from cxroi.auth.services import create_user
from cxroi.cases.casefiles import import_case
from tests.appsupport import PASSWORD, example_document
from tests.e2e.conftest import SCREENSHOTS, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def case_in_review(live_app: Any) -> int:
    with live_app.app_context():
        cx = create_user("casey@example.com", "cx", PASSWORD, name="Casey Exley")
        create_user("fran@example.com", "finance", PASSWORD, name="Fran Ince")
        case = import_case(cx, json.dumps(example_document()).encode())
        take_case_step(case, "submit", cx)
        return int(case.id)


def _review_page(new_page: Any, base: str, case_id: int, width: int) -> tuple[Page, list[str]]:
    page: Page = new_page(width=width)
    sign_in(page, base, "fran@example.com")
    page.goto(f"{base}/cases/{case_id}/review")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("window.__marker = 1")
    return page, navigations


def _still_here(page: Page, navigations: list[str]) -> None:
    assert page.evaluate("window.__marker") == 1
    assert navigations == []


def _focused_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement.id"))


def _shot(page: Page, name: str) -> None:
    """The whole page, and the challenged card where it sits (the page is long)."""
    screenshot(page, name)
    card = page.locator('li.review-card:has([data-review="churn_reduction"])')
    card.screenshot(path=str(SCREENSHOTS / f"{name}-card.png"))


def _fits(page: Page) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"document {scroll} px wide in a {inner} px viewport"


def test_finance_challenges_accepts_and_replies_without_a_reload(
    live_server: str, new_page: Any, case_in_review: int
) -> None:
    page, navigations = _review_page(new_page, live_server, case_in_review, 1280)
    churn = page.locator('li.review-card:has([data-review="churn_reduction"])')
    count = page.locator("#accepted-count")
    total = page.locator("li.review-card").count()
    expect(count).to_have_text(f"0 of {total} items accepted.")

    # An empty challenge: refused beside the field, the focus on the message.
    page.locator("#challenge-btn-churn_reduction").click()
    error = page.locator("#challenge-churn_reduction-error")
    expect(error).to_have_text("Error: Say what you challenge and why.")
    assert _focused_id(page) == "challenge-churn_reduction-error"
    expect(error).to_be_in_viewport()
    expect(page.locator("#challenge-churn_reduction")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#challenge-churn_reduction")).to_have_attribute(
        "aria-describedby", "challenge-churn_reduction-error"
    )
    _shot(page, "review-inline-error-1280")

    # The challenge itself: the card shows it, the count stays, the page announces it,
    # and the card stays ticked for a bulk acceptance.
    churn.locator("input[type=checkbox]").check()
    page.locator("#challenge-churn_reduction").fill("An 8-week pilot is thin evidence for 6%.")
    page.locator("#challenge-btn-churn_reduction").click()
    expect(churn.locator('[data-review="churn_reduction"]')).to_have_text("challenged")
    expect(churn.locator(".thread.challenge")).to_contain_text(
        "An 8-week pilot is thin evidence for 6%."
    )
    expect(page.locator("#review-live")).to_have_text(
        "“Relative churn reduction” is challenged: your challenge is in its thread."
    )
    expect(churn.locator("[data-error-message]")).to_have_count(0)
    expect(churn.locator("input[type=checkbox]")).to_be_checked()
    assert _focused_id(page) == "challenge-btn-churn_reduction"
    _still_here(page, navigations)
    _shot(page, "review-inline-challenged-1280")

    # By keyboard: Enter in a challenge's field challenges; Enter on Accept accepts.
    page.locator("#challenge-arpu").fill("Which billing month?")
    page.keyboard.press("Enter")
    expect(page.locator('[data-review="arpu"]')).to_have_text("challenged")
    page.locator("#accept-arpu").focus()
    page.keyboard.press("Enter")
    expect(page.locator('[data-review="arpu"]')).to_have_text("accepted")
    expect(count).to_have_text(f"1 of {total} items accepted.")
    assert _focused_id(page) == "accept-arpu"

    # A reply in the challenge's thread.
    thread = churn.locator(".thread.challenge")
    thread.locator("textarea").fill("We will extend the pilot to 12 weeks.")
    thread.get_by_role("button", name="Reply").click()
    expect(churn.locator(".thread.challenge .comment.reply")).to_contain_text(
        "We will extend the pilot to 12 weeks."
    )
    expect(page.locator("#review-live")).to_have_text("Your reply is in the thread.")
    _still_here(page, navigations)

    # What the inline answers showed is what the server stored: a reload agrees.
    page.reload()
    expect(page.locator('[data-review="churn_reduction"]')).to_have_text("challenged")
    expect(page.locator('[data-review="arpu"]')).to_have_text("accepted")
    expect(churn.locator(".comment.reply")).to_contain_text("We will extend the pilot")


def test_at_360_px_the_error_and_the_challenge_fit_the_screen(
    live_server: str, new_page: Any, case_in_review: int
) -> None:
    page, navigations = _review_page(new_page, live_server, case_in_review, 360)
    button = page.locator("#challenge-btn-churn_reduction")
    button.scroll_into_view_if_needed()
    button.click()
    error = page.locator("#challenge-churn_reduction-error")
    expect(error).to_have_text("Error: Say what you challenge and why.")
    assert _focused_id(page) == "challenge-churn_reduction-error"
    expect(error).to_be_in_viewport()
    _fits(page)
    _shot(page, "review-inline-error-360")
    page.locator("#challenge-churn_reduction").fill("An 8-week pilot is thin evidence for 6%.")
    button.click()
    expect(page.locator('[data-review="churn_reduction"]')).to_have_text("challenged")
    expect(page.locator("#review-live")).to_contain_text("is challenged")
    _fits(page)
    _still_here(page, navigations)
    _shot(page, "review-inline-challenged-360")
