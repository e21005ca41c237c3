"""Issue 13 item 3: corporate tax with a payment lag, capex depreciated straight-line.
The expected figures come from a month-by-month calculator written here."""

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
from tests.unit.engine.test_churn_semantics import npv_by_hand
from tests.unit.workbook.cases import tax_doc

H = 30


def after_tax_flow() -> tuple[list[float], list[float]]:
    """The tax case's net flow after tax and its tax paid, months 0..30."""
    capex = [0.0] * (H + 1)
    capex[0] = 24000
    capex[12] = 2000 * 1.1
    depreciation = [0.0] * (H + 1)
    for s, life in ((0, 24), (12, 10)):
        for t in range(s + 1, min(s + life, H) + 1):
            depreciation[t] += capex[s] / life
    opex = [700.0 if t >= 1 else 0.0 for t in range(H + 1)]
    benefit = [3000 * min(1.0, t / 6) * 0.9 if t >= 1 else 0.0 for t in range(H + 1)]
    due = [0.25 * (benefit[t] - opex[t] - depreciation[t]) for t in range(H + 1)]
    paid = [due[t - 3] if t >= 3 else 0.0 for t in range(H + 1)]
    net = [benefit[t] - opex[t] - capex[t] - paid[t] for t in range(H + 1)]
    return net, paid


def irr_by_bisection(net: list[float]) -> float:
    low, high = 0.0, 1.0  # monthly rates; NPV falls through zero once in between
    for _ in range(200):
        mid = (low + high) / 2
        if sum(x / (1 + mid) ** t for t, x in enumerate(net)) > 0:
            low = mid
        else:
            high = mid
    return (1 + low) ** 12 - 1


def payback_by_hand(net: list[float]) -> float:
    cumulative, total = [], 0.0
    for x in net:
        total += x
        cumulative.append(total)
    k = next(k for k in range(len(net)) if all(c >= 0 for c in cumulative[k:]))
    return k - 1 - cumulative[k - 1] / (cumulative[k] - cumulative[k - 1])


def test_after_tax_figures_match_the_month_by_month_calculator() -> None:
    net, paid = after_tax_flow()
    result = analyse(load_case(tax_doc()), trials=0)
    after = result.after_tax
    assert after is not None and after.rate == 0.25 and after.lag_months == 3
    assert after.tax_paid.tolist() == pytest.approx(paid, abs=1e-9)
    assert after.metrics.npv == pytest.approx(npv_by_hand(net, 0.08), abs=1e-6)
    assert after.metrics.irr == pytest.approx(irr_by_bisection(net), rel=1e-9)
    assert after.metrics.payback_months == pytest.approx(payback_by_hand(net), abs=1e-9)
    # Pre-tax figures are untouched by the tax fields.
    assert result.metrics.npv == pytest.approx(
        npv_by_hand([x + p for x, p in zip(net, paid, strict=True)], 0.08), abs=1e-6
    )


def test_the_result_document_carries_the_after_tax_figures() -> None:
    result = analyse(load_case(tax_doc()), trials=0)
    doc = result_to_dict(result)
    assert doc["after_tax"]["metrics"]["npv"] == result.after_tax.metrics.npv  # type: ignore[union-attr]
    assert result_to_dict(result_from_dict(doc)) == doc


def test_without_a_tax_rate_nothing_changes() -> None:
    case = load_case(reference_case_path("community-support").read_text())
    assert case.tax_rate is None and all(c.treatment == "opex" for c in case.costs)
    result = analyse(case, trials=0)
    assert result.after_tax is None and "after_tax" not in result_to_dict(result)
    saved = case_to_dict(case)
    assert "tax_rate" not in saved and all("treatment" not in c for c in saved["costs"])
    again = case_to_dict(load_case(tax_doc()))
    assert again["tax_rate"] == 0.25 and again["costs"][0]["life_months"] == 24


def issues_of(doc: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(CaseValidationError) as err:
        load_case(doc)
    return {i.path: i.message for i in err.value.issues}


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d.update(tax_rate=1.0), "tax_rate", "from 0 to below 1"),
        (lambda d: d.update(tax_lag_months=30), "tax_lag_months", "from 0 to 24 months"),
        (lambda d: d.pop("tax_rate"), "tax_lag_months", "only with a tax_rate"),
        (lambda d: d["costs"][0].pop("life_months"), "costs[0].life_months", "is required"),
        (lambda d: d["costs"][0].update(life_months=0), "costs[0].life_months", "from 1 to 600"),
        (lambda d: d["costs"][2].update(life_months=12), "costs[2].life_months", "capex line"),
        (lambda d: d["costs"][2].update(treatment="lease"), "costs[2].treatment", "opex"),
    ],
)
def test_bad_tax_settings_are_refused_naming_the_field(change: Any, path: str, words: str) -> None:
    doc = copy.deepcopy(tax_doc())
    change(doc)
    found = issues_of(doc)
    assert path in found and words in found[path], found


def test_a_version_one_file_cannot_state_tax() -> None:
    doc = tax_doc()
    doc["format"] = "cxroi-case/1"
    found = issues_of(doc)
    assert "new in cxroi-case/2" in found["tax_rate"]
    assert "new in cxroi-case/2" in found["costs[0].treatment"]
