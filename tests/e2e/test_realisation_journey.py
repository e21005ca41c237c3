"""The case's second life in Chromium (issue 12's Done when): finance uploads a CSV of
actuals, the realisation page shows the variance and the re-forecast, a drift alert
waits on "What awaits me", the council records an action and a decision, and the PDF
pack downloads with each initiative's title and realised figure as the app shows them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cxroi.approvals.versions import freeze
from cxroi.auth.services import create_user
from cxroi.cases.casefiles import import_case
from cxroi.council import pack
from cxroi.extensions import db
from cxroi.formatting import money
from cxroi.workflow import APPROVED
from tests.app.test_council import ACTUALS_CSV, DOC, REALISED
from tests.appsupport import PASSWORD, org_default_rate
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_actuals_to_realisation_to_alert_to_council_to_pack(
    live_app, live_server, new_page, tmp_path: Path
) -> None:
    if (problem := pack.weasyprint_problem()) is not None:
        pytest.skip(problem)
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) not installed: apt-get install poppler-utils")
    with live_app.app_context():
        owner = create_user("rita@example.com", "cx", PASSWORD, name="Rita Realise")
        finance = create_user("fred@example.com", "finance", PASSWORD, name="Fred Finance")
        with org_default_rate(DOC["discount_rate"]):
            case = import_case(owner, json.dumps(DOC).encode())
        case.status = APPROVED
        freeze(case, finance)
        db.session.commit()
        case_id = case.id
    csv_file = tmp_path / "actuals.csv"
    csv_file.write_bytes(ACTUALS_CSV)

    page = new_page(width=1280, height=900)
    sign_in(page, live_server, "fred@example.com")
    # 1. Finance uploads the CSV, checks the preview, saves.
    page.goto(f"{live_server}/cases/{case_id}/actuals")
    page.set_input_files("#csv_file", str(csv_file))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Save these actuals").click()
    # 2. The realisation page: variance by month and the re-forecast (figures by hand).
    page.goto(f"{live_server}/cases/{case_id}/realisation")
    assert page.locator("#realised-npv").inner_text() == money(REALISED, "GBP")
    forecast = REALISED + sum(200 / 1.01**t for t in range(4, 13))
    assert page.locator("#forecast-npv").inner_text() == money(forecast, "GBP")
    row = page.locator("#by-month tr", has_text="2026-03")
    assert money(-100.0, "GBP") in row.inner_text()  # 100 actual against 200 planned
    screenshot(page, "realisation-1280")
    # 3. The drift alert waits for finance.
    page.goto(f"{live_server}/awaiting")
    alert = page.locator("#inbox-notifications li", has_text="Driver drift")
    assert "Repeat calls per month" in alert.first.inner_text()
    # 4. The council records an action and a decision.
    page.goto(f"{live_server}/council/")
    page.locator("#action").fill("Find out why repeat calls fell below the range")
    page.locator("#owner").fill("Contact centre lead")
    page.locator("#action_case_id").select_option(str(case_id))
    with page.expect_navigation():
        page.locator("#action-form button[type=submit]").click()
    page.goto(f"{live_server}/council/")
    page.locator("#what").fill("Keep funding; re-forecast next month")
    page.locator("#decided_by").fill("CX council")
    with page.expect_navigation():
        page.locator("#decision-form button[type=submit]").click()
    page.goto(f"{live_server}/council/")
    assert "Find out why repeat calls fell below the range" in page.content()
    assert "Keep funding; re-forecast next month" in page.content()
    shown = page.locator("tr[data-case-id] .realised").first.inner_text()
    assert shown == money(REALISED, "GBP")
    # 5. The PDF pack downloads; its text carries the title and the realised figure.
    page.locator("#pack-month").fill("2026-04")
    with page.expect_download() as caught:
        page.locator("#download-pack").click()
    pdf = tmp_path / "pack.pdf"
    caught.value.save_as(pdf)
    text = subprocess.run(
        [tool, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    line = next(ln for ln in text.splitlines() if DOC["title"] in ln and "£" in ln)
    assert shown in line, line
