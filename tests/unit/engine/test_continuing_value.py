"""Issue 13 item 2: continuing value beyond the horizon. The expected figures are summed
here month by month (the run-off over 6,000 months, not with the closed form)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cxroi.engine import (
    CaseValidationError,
    analyse,
    case_to_dict,
    load_case,
    result_from_dict,
    result_to_dict,
)
from tests.support import reference_case_path
from tests.unit.engine.test_churn_semantics import kept_by_hand, npv_by_hand
from tests.unit.workbook.cases import gordon_doc, runoff_doc


def monthly(annual_rate: float) -> float:
    return (1 + annual_rate) ** (1 / 12) - 1


def test_gordon_growth_matches_a_hand_calculation() -> None:
    net = [-20000.0]
    for t in range(1, 31):
        net.append(2500 * 0.8 * 1.03 ** ((t - 1) // 12) - 900)
    final_year = sum(net[19:31])
    at_horizon = final_year * 1.02 / (0.09 - 0.02)
    pv = at_horizon / (1 + monthly(0.09)) ** 30
    result = analyse(load_case(gordon_doc()), trials=0)
    cv = result.continuing_value
    assert cv is not None and cv.method == "gordon_growth" and cv.growth == 0.02
    assert cv.value_at_horizon == pytest.approx(at_horizon, abs=1e-6)
    assert cv.pv == pytest.approx(pv, abs=1e-6)
    assert cv.npv_within_horizon == pytest.approx(npv_by_hand(net, 0.09), abs=1e-6)
    assert cv.npv_with_continuing_value == pytest.approx(npv_by_hand(net, 0.09) + pv, abs=1e-6)
    # The case keeps the NPV within the horizon as its headline (the default).
    assert cv.headline == "horizon" and cv.headline_npv == cv.npv_within_horizon
    assert result.metrics.npv == cv.npv_within_horizon
    raw = [-20000.0] + [2500 * 1.03 ** ((t - 1) // 12) - 900 for t in range(1, 31)]
    pv_raw = sum(raw[19:31]) * 1.02 / 0.07 / (1 + monthly(0.09)) ** 30
    assert cv.pv_unadjusted == pytest.approx(pv_raw, abs=1e-6)
    assert cv.npv_with_continuing_value_unadjusted == pytest.approx(
        npv_by_hand(raw, 0.09) + pv_raw, abs=1e-6
    )


def runoff_by_summing(benefit_at_h: float, annual_churn: float, rate: float, h: int) -> float:
    """PV at month 0 of benefit_at_h x (1 - c)^k paid in month H + k, k = 1..6000."""
    keep = (1 - annual_churn) ** (1 / 12)
    v = 1 / (1 + monthly(rate))
    return sum(benefit_at_h * keep**k * v ** (h + k) for k in range(1, 6001))


def test_customer_run_off_matches_summing_the_departures_month_by_month() -> None:
    h = 18
    annual = kept_by_hand(20000, 0.3, 0.1, 300, 2, 4, h, True)[h] * 25 * 0.6 * 0.9
    hazard = kept_by_hand(20000, 0.3, 0.1, 300, 2, 4, h, False)[h] * 25 * 0.6
    referred = 0.0
    for _t in range(1, h + 1):
        referred = referred * (1 - 0.25) ** (1 / 12) + 20000 * 0.001
    expected = (
        runoff_by_summing(annual, 0.3, 0.1, h)
        + runoff_by_summing(hazard, 0.3, 0.1, h)
        + runoff_by_summing(referred * 25 * 0.6, 0.25, 0.1, h)
    )
    result = analyse(load_case(runoff_doc()), trials=0)
    cv = result.continuing_value
    assert cv is not None and cv.method == "customer_runoff" and cv.growth is None
    assert cv.pv == pytest.approx(expected, rel=1e-9)
    assert cv.headline == "with_continuing_value"
    assert cv.headline_npv == cv.npv_with_continuing_value == result.metrics.npv + cv.pv


def test_the_result_document_carries_it_and_reads_it_back() -> None:
    result = analyse(load_case(runoff_doc()), trials=0)
    doc = result_to_dict(result)
    assert doc["continuing_value"]["method"] == "customer_runoff"
    assert result_from_dict(doc).continuing_value == result.continuing_value


def test_without_one_nothing_changes() -> None:
    case = load_case(reference_case_path("field-expenses").read_text())
    assert case.continuing_value == "none" and case.headline_npv == "horizon"
    result = analyse(case, trials=0)
    assert result.continuing_value is None
    assert "continuing_value" not in result_to_dict(result)
    saved = case_to_dict(case)
    assert not {"continuing_value", "continuing_growth", "headline_npv"} & set(saved)
    assert case_to_dict(load_case(gordon_doc()))["continuing_growth"] == 0.02


def issues_of(doc: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(CaseValidationError) as err:
        load_case(doc)
    return {i.path: i.message for i in err.value.issues}


@pytest.mark.parametrize(
    ("changes", "path", "words"),
    [
        ({"continuing_growth": 0.09}, "continuing_growth", "less than the discount rate 0.09"),
        ({"continuing_growth": 0.2}, "continuing_growth", "for Gordon growth, not 0.2"),
        ({"continuing_growth": -1.5}, "continuing_growth", "greater than -1"),
        ({"horizon_months": 11}, "continuing_value", "at least 12 months, not 11"),
        ({"discount_rate": 0}, "continuing_value", "needs a discount rate above 0"),
        ({"continuing_value": "perpetuity"}, "continuing_value", "none"),
        (
            {"continuing_value": "none", "headline_npv": "with_continuing_value"},
            "headline_npv",
            "no continuing value",
        ),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    changes: dict[str, Any], path: str, words: str
) -> None:
    doc = copy.deepcopy(gordon_doc())
    doc.update(changes)
    found = issues_of(doc)
    assert path in found and words in found[path], found


def test_a_version_one_file_cannot_ask_for_it() -> None:
    doc = gordon_doc()
    doc["format"] = "cxroi-case/1"
    assert "new in cxroi-case/2" in issues_of(doc)["continuing_value"]
