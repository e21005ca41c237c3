"""Frozen means frozen: a version's pages and workbook read its stored documents only.

The engine is changed under a frozen version (every timeline gets a higher monthly
discount rate, which moves every NPV); the version's sponsor page, versions page
and workbook show the same figures as before, while pricing the live case again
gives the new figure. Were any version read to price the case, it would show the
moved NPV and these tests would fail.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
import pytest

from cxroi.approvals import links, versions
from cxroi.approvals.steps import take_case_step
from cxroi.cases.services import store
from cxroi.engine import analyse, evaluate_metrics, load_case
from cxroi.engine import timeline as engine_timeline
from cxroi.extensions import db
from cxroi.formatting import money
from tests.app.approvals.conftest import accept_all
from tests.app.approvals.web import sign_in
from tests.approving import send_approve_link
from tests.support import EXAMPLES_DIR

#: Added to every monthly rate while the engine is "changed": about +5 % a year.
RATE_SHIFT = 0.004


@contextmanager
def changed_engine() -> Iterator[None]:
    """The engine with a higher monthly rate for every case: NPVs move, stored ones must not."""
    real = engine_timeline.monthly_rate
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(engine_timeline, "monthly_rate", lambda annual: real(annual) + RATE_SHIFT)
            # Timelines (and their discount factors) are memoised per (horizon, rate).
            engine_timeline._timeline.cache_clear()
            yield
    finally:
        engine_timeline._timeline.cache_clear()


@pytest.fixture
def switched_off_engine() -> Iterator[None]:
    """The engine refusing to price anything: every price starts from a timeline."""

    def refuse(cls: Any, *args: Any, **kwargs: Any) -> Any:  # whatever the timeline asked
        raise AssertionError("a read priced a case")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine_timeline.Timeline, "of", classmethod(refuse))
        yield


_CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


def _money(x: float) -> str:
    return money(x, "GBP")  # the example case is in pounds


def _frozen_npv(version: Any) -> float:
    return float(json.loads(version.result_json)["metrics"]["npv"])


def _headline_npv(html: str) -> str:
    match = re.search(r'id="headline-npv">([^<]*)<', html)
    assert match, "no NPV headline on the sponsor page"
    return match.group(1)


def _diff_npv(html: str) -> tuple[str, str]:
    """(old, new) NPV of the versions page's comparison."""
    match = re.search(
        r'id="metric-npv"><th[^>]*>NPV</th><td class="num">([^<]*)</td><td class="num">([^<]*)<',
        html,
    )
    assert match, "no NPV row in the comparison"
    return match.group(1), match.group(2)


def _book(data: bytes) -> openpyxl.Workbook:
    assert data.startswith(b"PK"), data[:200]
    return openpyxl.load_workbook(io.BytesIO(data))


def _app_values(book: openpyxl.Workbook) -> dict[str, Any]:
    """The Checks sheet's "App value at export" of every metric (the stored result's)."""
    values = {}
    for label, _, app_value, _ in book["Checks"].iter_rows(min_row=8, values_only=True):
        if isinstance(label, str) and label.endswith("agrees with the app at export"):
            values[label.split()[0]] = app_value
    assert "npv" in values, "no NPV check in the workbook"
    return values


def _literals(book: openpyxl.Workbook) -> list[tuple[str, str, Any]]:
    """Every value the workbook stores as such (not a formula), outside the Audit sheet."""
    return [
        (ws.title, cell.coordinate, cell.value)
        for ws in book.worksheets
        if ws.title != "Audit"
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None and not (isinstance(cell.value, str) and cell.value[:1] == "=")
    ]


def _summary_values(book: openpyxl.Workbook) -> list[Any]:
    return [c for row in book["Summary"].iter_rows(values_only=True) for c in row]


def _reads(case: Any, token: str, signed_in: Any, sponsor: Any) -> dict[str, Any]:
    """What every reader of version 1 sees, and the live case's workbook."""
    page = sponsor.get(f"/s/{token}")
    assert page.status_code == 200, page.text
    versions_page = signed_in.get(f"/cases/{case.id}/versions")
    assert versions_page.status_code == 200
    compared = signed_in.get(f"/cases/{case.id}/versions?old=1&new=1")
    assert compared.status_code == 200
    download = sponsor.get(f"/s/{token}/workbook.xlsx")
    assert download.status_code == 200
    book = _book(download.data)
    live = _book(signed_in.get(f"/cases/{case.id}/workbook.xlsx").data)
    return {
        "headline": _headline_npv(page.text),
        # The whole page (chart, scenarios, risks, Monte Carlo), but for its form token.
        "sponsor_page": _CSRF.sub("", page.text),
        "versions_diff_npv": _diff_npv(compared.text),
        "versions_page_hash": re.findall(
            r'<code class="hash">([0-9a-f]{64})</code>', versions_page.text
        ),
        "workbook_checks": _app_values(book),
        "workbook_literals": _literals(book),
        "live_checks": _app_values(live),
    }


def test_the_changed_engine_moves_npv() -> None:
    """The premise of the tests below: the change reaches every price."""
    case_file = load_case((EXAMPLES_DIR / "contact-centre.json").read_text())
    before = evaluate_metrics(case_file).npv
    with changed_engine():
        moved = evaluate_metrics(case_file).npv
        moved_analysis = analyse(case_file, trials=0).metrics.npv
    assert evaluate_metrics(case_file).npv == before  # and it is undone
    assert moved == moved_analysis
    assert abs(moved - before) > 1_000.0


def test_a_frozen_version_does_not_move_when_the_engine_does(app, ready_case, users):
    case = ready_case
    v1 = versions.current_version(case)
    frozen_npv = _frozen_npv(v1)
    frozen_text, frozen_hash = v1.result_json, v1.result_hash
    link = links.create_link(
        case, users["cx"], recipient_name="Dana", recipient_email="d@example.com", scope="view"
    )
    finance, sponsor = sign_in(app, users["finance"]), app.test_client()
    before = _reads(case, link.token, finance, sponsor)
    # The frozen figures, read independently from the stored document.
    assert before["headline"] == _money(frozen_npv)
    assert before["workbook_checks"]["npv"] == pytest.approx(frozen_npv, abs=1e-6)
    assert before["versions_page_hash"] == [v1.case_hash]
    assert before["versions_diff_npv"] == (_money(frozen_npv), _money(frozen_npv))

    with changed_engine():
        moved_npv = evaluate_metrics(load_case(v1.case_json)).npv
        assert abs(moved_npv - frozen_npv) > 1_000.0  # the change really moves this case
        assert _money(moved_npv) != _money(frozen_npv)

        after = _reads(case, link.token, finance, sponsor)
        # Nothing a reader of the version sees has moved: not the sponsor's headline,
        # not one value of its workbook; nor the live case's workbook, which reads the
        # result stored at the last save.
        assert after == before

        # Pricing the live case again (what a save does) does move.
        store(case, case.doc)
        db.session.commit()
        assert case.npv == pytest.approx(moved_npv, rel=1e-12)
        live = _app_values(_book(finance.get(f"/cases/{case.id}/workbook.xlsx").data))
        assert live["npv"] == pytest.approx(moved_npv, rel=1e-12)
        # ... while the version still reads as frozen.
        again = _reads(case, link.token, finance, sponsor)
        assert {k: v for k, v in again.items() if k != "live_checks"} == {
            k: v for k, v in before.items() if k != "live_checks"
        }

    db.session.refresh(v1)
    assert (v1.result_json, v1.result_hash) == (frozen_text, frozen_hash)
    assert versions.integrity_problems(v1) == []


def test_a_new_version_freezes_the_new_price_beside_the_old_one(app, ready_case, users):
    case = ready_case
    v1 = versions.current_version(case)
    frozen_npv = _frozen_npv(v1)
    link = links.create_link(
        case, users["cx"], recipient_name="Dana", recipient_email="d@example.com", scope="view"
    )
    cx, sponsor = sign_in(app, users["cx"]), app.test_client()
    with changed_engine():
        take_case_step(case, "reopen", users["cx"])
        store(case, case.doc)  # the next save prices with the changed engine
        db.session.commit()
        take_case_step(case, "submit", users["cx"])
        accept_all(case, users["finance"])
        take_case_step(case, "sign_off", users["finance"])
        v2 = versions.current_version(case)
        moved_npv = _frozen_npv(v2)
        assert abs(moved_npv - frozen_npv) > 1_000.0

        diff = cx.get(f"/cases/{case.id}/versions?old=1&new=2")
        assert diff.status_code == 200
        assert _diff_npv(diff.text) == (_money(frozen_npv), _money(moved_npv))
        # Version 1, now superseded, still reads as it was frozen.
        page = sponsor.get(f"/s/{link.token}")
        assert "A newer version exists" in page.text
        assert _headline_npv(page.text) == _money(frozen_npv)
        book = _book(sponsor.get(f"/s/{link.token}/workbook.xlsx").data)
        assert _app_values(book)["npv"] == pytest.approx(frozen_npv, abs=1e-6)
        assert v1.case_hash in _summary_values(book)


def test_no_version_read_prices_anything(app, ready_case, users, switched_off_engine):
    case = ready_case
    v1 = versions.current_version(case)
    _, token = send_approve_link(case, users["cx"])
    with pytest.raises(AssertionError, match="a read priced a case"):
        analyse(load_case(v1.case_json), trials=0)  # the engine is really off
    finance, sponsor = sign_in(app, users["finance"]), app.test_client()
    for url in (
        f"/cases/{case.id}/versions",
        f"/cases/{case.id}/versions?old=1&new=1",
        f"/cases/{case.id}/versions/1.json",
        f"/cases/{case.id}/history",
        f"/cases/{case.id}/review",
        f"/cases/{case.id}/workbook.xlsx",
    ):
        assert finance.get(url).status_code == 200, url
    for url in (f"/s/{token}", f"/s/{token}/workbook.xlsx"):
        assert sponsor.get(url).status_code == 200, url
    book = _book(sponsor.get(f"/s/{token}/workbook.xlsx").data)
    assert _app_values(book)["npv"] == pytest.approx(_frozen_npv(v1), abs=1e-6)


def test_the_versions_page_names_a_changed_rank_correlation_by_its_assumptions(
    app, ready_case, users
):
    """A pair added between two versions shows under its own heading, by the assumptions'
    labels (it is no case field, and no assumption changed)."""
    case = ready_case
    take_case_step(case, "reopen", users["cx"])
    doc = json.loads(case.document)
    doc["correlations"] = [{"a": "churn_reduction", "b": "repeat_reduction", "rho": 0.6}]
    store(case, load_case(doc))
    db.session.commit()
    take_case_step(case, "submit", users["cx"])
    accept_all(case, users["finance"])
    take_case_step(case, "sign_off", users["finance"])
    page = sign_in(app, users["finance"]).get(f"/cases/{case.id}/versions?old=1&new=2")
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert (
        "Rank correlations Relative churn reduction \u2194 Share of repeat calls avoided added"
        in (text)
    )
