"""A cost line's note on a phone: the form fits 360 px, the note is reached and typed by
keyboard, and the saved note shows under the line's name on the inputs page."""

from __future__ import annotations

import json

import pytest

from cxroi.auth.services import create_user
from cxroi.cases.casefiles import import_case
from tests.appsupport import PASSWORD, example_document
from tests.e2e.conftest import SCREENSHOTS, screenshot, sign_in

pytestmark = pytest.mark.browser

NOTE = "Vendor quote of 12 May, 3-year term."


def test_a_cost_note_is_kept_and_edited_by_keyboard_at_360_px(live_app, live_server, new_page):
    doc = example_document()
    doc["costs"][0]["note"] = NOTE
    with live_app.app_context():
        owner = create_user("noter@example.com", "cx", PASSWORD, name="Noa Noter")
        case_id = import_case(owner, json.dumps(doc).encode()).id
    page = new_page(width=360, height=800)
    sign_in(page, live_server, "noter@example.com")
    page.goto(f"{live_server}/cases/{case_id}/costs/c1")

    note = page.get_by_label("Note (optional)")
    assert note.input_value() == NOTE
    assert page.locator("#note-hint").inner_text() == (
        "A note for reviewers: where the number comes from, what it assumes."
    )
    assert note.get_attribute("aria-describedby") == "note-hint"
    label_box, note_box = page.locator("label[for=note]").bounding_box(), note.bounding_box()
    assert label_box is not None and note_box is not None
    assert label_box["y"] + label_box["height"] <= note_box["y"]  # the label above the field
    assert note_box["x"] >= 0 and note_box["x"] + note_box["width"] <= 360
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the cost form scrolls sideways by {overflow}px at 360px"
    screenshot(page, "cost-form-note-narrow")

    page.locator("#risk").focus()
    passed = []
    for _ in range(3):  # the tax treatment and the depreciation life come between
        page.keyboard.press("Tab")
        passed.append(page.evaluate("() => document.activeElement.id"))
    assert passed == ["treatment", "life_months", "note"]
    page.keyboard.press("End")
    page.keyboard.type(" Finance checked it.")
    # Tab on through the optional benefits-register fields to the button (keyboard only)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == "Save cost":
            break
    assert page.evaluate("() => document.activeElement.textContent") == "Save cost"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/cases/{case_id}/inputs*")

    shown = page.locator("#costs .line-note").first
    assert shown.text_content() == f"Note: {NOTE} Finance checked it."
    assert shown.is_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the inputs page scrolls sideways by {overflow}px at 360px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#costs").screenshot(path=str(SCREENSHOTS / "inputs-line-note-narrow.png"))
