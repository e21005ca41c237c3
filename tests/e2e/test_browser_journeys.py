"""A new user builds a case in Chromium and sees its NPV and charts; bad input is kept."""

from __future__ import annotations

import pytest
from flask import Flask

from cxroi.auth.services import create_user
from cxroi.demo import load_demo
from cxroi.engine import analyse
from cxroi.extensions import db
from cxroi.formatting import money, months
from models import Case
from tests.appsupport import PASSWORD
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def make_user(app: Flask, email: str, role: str = "cx") -> None:
    with app.app_context():
        create_user(email, role, PASSWORD, name="Robin New")


def fill(page, values: dict[str, str]) -> None:
    for field_id, value in values.items():
        page.locator(f"#{field_id}").fill(value)


def test_new_user_builds_a_case_and_sees_npv_and_chart(live_app, live_server, new_page):
    base = live_server
    make_user(live_app, "robin@example.com")
    page = new_page()
    page.goto(f"{base}/")
    assert "/login" in page.url
    screenshot(page, "login")
    sign_in(page, base, "robin@example.com")

    page.get_by_role("link", name="New case", exact=True).first.click()
    fill(
        page,
        {"title": "Callback instead of queueing", "start_month": "2027-01", "horizon_months": "36"},
    )
    page.locator("#customer_problem").fill("Customers hang up after 10 minutes in the queue.")
    page.get_by_role("button", name="Create case").click()
    page.wait_for_url("**/inputs")

    assumptions = [
        {
            "key": "customers",
            "label": "Customers calling",
            "value": "80000",
            "unit": "customers",
            "low": "75000",
            "high": "85000",
            "owner": "CX",
        },
        {
            "key": "churn_cut",
            "label": "Relative churn reduction",
            "value": "5%",
            "unit": "ratio",
            "low": "0.02",
            "high": "0.08",
            "owner": "CX",
        },
    ]
    for values in assumptions:
        page.get_by_role("link", name="Add assumption").click()
        fill(page, values)
        page.get_by_role("button", name="Save assumption").click()
        page.wait_for_url("**/inputs")
        assert "Assumption saved" in page.locator(".notice").inner_text()

    page.get_by_role("link", name="Add cost").click()
    fill(page, {"name": "Callback system", "category": "technology", "amount": "150000"})
    page.get_by_role("button", name="Save cost").click()
    page.wait_for_url("**/inputs")

    page.get_by_role("link", name="Customers kept", exact=True).click()
    fill(
        page,
        {
            "name": "Customers kept",
            "customers": "customers",
            "annual_churn": "0.2",
            "reduction": "churn_cut",
            "arpu": "35",
            "margin": "0.5",
            "ramp_months": "6",
        },
    )
    page.get_by_role("button", name="Save benefit").click()
    page.wait_for_url("**/inputs")
    screenshot(page, "case-inputs")

    with live_app.app_context():
        case = db.session.query(Case).one()
        expected = analyse(case.doc, trials=0).metrics
    page.get_by_role("link", name="Results").click()
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-cumulative')")
    assert page.locator('[data-metric="npv"]').first.inner_text() == money(expected.npv, "GBP")
    assert page.locator('[data-metric="payback"]').inner_text() == months(expected.payback_months)
    points = page.evaluate("() => Chart.getChart('chart-cumulative').data.datasets[0].data.length")
    assert points == 37
    assert page.evaluate("() => !!Chart.getChart('chart-tornado')")
    assert page.evaluate("() => !!Chart.getChart('chart-histogram')")
    screenshot(page, "case-results")


def test_wrong_input_shows_the_error_and_keeps_what_was_typed(live_app, live_server, new_page):
    base = live_server
    make_user(live_app, "sam@example.com")
    page = new_page()
    sign_in(page, base, "sam@example.com")
    page.goto(f"{base}/cases/new")
    fill(page, {"title": "Web chat", "start_month": "2027-01", "horizon_months": "36"})
    page.get_by_role("button", name="Create case").click()
    page.wait_for_url("**/inputs")
    page.get_by_role("link", name="Add assumption").click()
    fill(
        page,
        {
            "key": "Chat Volume",
            "label": "Chats per month",
            "value": "twelve thousand",
            "unit": "chats/month",
            "source": "Chat vendor pilot",
        },
    )
    page.get_by_role("button", name="Save assumption").click()

    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    assert "must be a number" in page.locator("#value-error").inner_text()
    assert "must start with a lowercase letter" in page.locator("#key-error").inner_text()
    assert page.locator("#value").input_value() == "twelve thousand"
    assert page.locator("#key").input_value() == "Chat Volume"
    assert page.locator("#source").input_value() == "Chat vendor pilot"
    summary.get_by_role("link").first.click()
    assert page.evaluate("() => document.activeElement.id") == "key"
    screenshot(page, "form-errors")


@pytest.mark.parametrize("width", [360, 1280])
def test_demo_pages_fit_the_screen(live_app, live_server, new_page, width):
    with live_app.app_context():
        accounts, _ = load_demo()
        case_id = db.session.query(Case.id).order_by(Case.id).first()[0]
    password = {role: pw for _, role, pw in accounts}
    page = new_page(width=width)
    page.goto(f"{live_server}/login")
    page.get_by_label("Email address").fill("cx@example.com")
    page.get_by_label("Password").fill(password["cx"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/")
    suffix = "narrow" if width == 360 else "wide"
    for name, path in [
        ("portfolio", "/"),
        ("results", f"/cases/{case_id}"),
        ("inputs", f"/cases/{case_id}/inputs"),
    ]:
        page.goto(live_server + path)
        if name == "results":
            page.wait_for_function("() => window.Chart && Chart.getChart('chart-cumulative')")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
        screenshot(page, f"demo-{name}-{suffix}")


def test_keyboard_reaches_the_skip_link_first(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server}/login")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to main content"


def test_second_of_two_tabs_gets_the_conflict_message(live_app, live_server, new_page):
    base = live_server
    make_user(live_app, "kit@example.com")
    first = new_page()
    sign_in(first, base, "kit@example.com")
    first.goto(f"{base}/cases/new")
    fill(first, {"title": "Two tabs", "start_month": "2027-01", "horizon_months": "24"})
    first.get_by_role("button", name="Create case").click()
    first.wait_for_url("**/inputs")
    edit_url = first.url.replace("/inputs", "/edit")
    second = first.context.new_page()
    first.goto(edit_url)
    second.goto(edit_url)
    first.locator("#title").fill("Two tabs, first save")
    first.get_by_role("button", name="Save details").click()
    first.wait_for_url("**/inputs")
    second.locator("#title").fill("Two tabs, my version")
    second.get_by_role("button", name="Save details").click()
    assert "changed by someone else since you opened it" in second.locator(".conflict").inner_text()
    assert second.locator("#title").input_value() == "Two tabs, my version"
    screenshot(second, "edit-conflict")


def test_finance_sets_the_discount_rate_and_the_page_prints(live_app, live_server, new_page):
    with live_app.app_context():
        accounts, _ = load_demo()
        case = db.session.query(Case).order_by(Case.id).first()
        case_id, npv_before = case.id, case.npv
    password = {role: pw for _, role, pw in accounts}
    page = new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Email address").fill("finance@example.com")
    page.get_by_label("Password").fill(password["finance"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/cases/{case_id}/inputs")
    assert page.get_by_role("link", name="Add assumption").count() == 0
    screenshot(page, "finance-inputs")
    page.get_by_role("link", name="Edit details").click()
    assert page.locator("#title").count() == 0
    page.locator("#discount_rate").fill("12")
    page.get_by_role("button", name="Save details").click()
    page.wait_for_url("**/inputs")
    notice = page.locator(".notice").inner_text()
    assert "NPV is now" in notice and money(npv_before, "EUR") in notice
    page.goto(f"{live_server}/cases/{case_id}")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-cumulative')")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    screenshot(page, "results-print")
