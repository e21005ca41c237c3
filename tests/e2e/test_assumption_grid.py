"""The assumption grid in Chromium: a block pasted from Excel fills rows, a cell is
checked as typed and the NPV follows live, Save keeps it (360 and 1280 px)."""

from __future__ import annotations

import json

import pytest

from cxroi.auth.services import create_user
from cxroi.cases.casefiles import import_case
from cxroi.engine import analyse, load_case
from cxroi.formatting import money
from tests.appsupport import PASSWORD, example_document, org_default_rate
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PASTE = "seats_spare\tSpare seats\t12\tseats\nsurvey_rate\tSurvey response rate\t0.3\tratio\n"


@pytest.mark.parametrize("width", [360, 1280])
def test_paste_type_see_the_npv_and_save(live_app, live_server, new_page, width) -> None:
    doc = example_document()
    with live_app.app_context():
        owner = create_user(f"grid{width}@example.com", "cx", PASSWORD, name="Gia Grid")
        with org_default_rate(doc["discount_rate"]):
            case_id = import_case(owner, json.dumps(doc).encode()).id
    keys = [a["key"] for a in doc["assumptions"]]
    page = new_page(width=width, height=900)
    sign_in(page, live_server, f"grid{width}@example.com")
    page.goto(f"{live_server}/cases/{case_id}/grid")

    # A block copied from a spreadsheet, pasted into the first empty row's first cell.
    first_blank = len(keys)
    page.locator(f"#rows-{first_blank}-key").focus()
    page.evaluate(
        """([id, text]) => {
            const data = new DataTransfer();
            data.setData("text", text);
            const paste = {clipboardData: data, bubbles: true, cancelable: true};
            document.getElementById(id).dispatchEvent(new ClipboardEvent("paste", paste));
        }""",
        [f"rows-{first_blank}-key", PASTE],
    )
    assert page.locator(f"#rows-{first_blank}-label").input_value() == "Spare seats"
    assert page.locator(f"#rows-{first_blank + 1}-key").input_value() == "survey_rate"
    assert page.locator(f"#rows-{first_blank + 1}-value").input_value() == "0.3"

    # A bad cell is named as typed; a good one moves the NPV to the engine's figure.
    calls = page.locator(f"#rows-{keys.index('repeat_calls')}-value")
    calls.fill("lots")
    error = page.locator(f"#rows-{keys.index('repeat_calls')}-value-error")
    error.wait_for(state="visible")
    assert "number" in error.inner_text()
    calls.fill("23000")
    error.wait_for(state="hidden")
    changed = json.loads(json.dumps(doc))
    next(a for a in changed["assumptions"] if a["key"] == "repeat_calls")["value"] = 23000
    expected = money(analyse(load_case(changed), trials=0).metrics.npv, "GBP")
    page.locator("[data-grid-npv]", has_text=expected).wait_for()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the grid page scrolls sideways by {overflow}px at {width}px"
    screenshot(page, f"assumption-grid-{width}")

    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server}/cases/{case_id}/inputs*")
    assert "Assumptions saved" in page.locator(".notice").first.inner_text()
    assert page.locator("text=seats_spare").count() >= 1
