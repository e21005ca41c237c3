"""The workbook is a live model: change an input and NPV, IRR and payback move with it.

Setting the overridden assumptions of each scenario (and each ranged assumption at
its low and high) on the Inputs sheet, the ``formulas`` package recalculates the
workbook to the engine's scenario and tornado results.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from cxroi.engine import Result, analyse, load_case

from .cases import (
    Evaluated,
    Evaluation,
    annual_churn_doc,
    find_row,
    gordon_doc,
    inflation_doc,
    tax_doc,
)
from .test_formulas_recalculation import assert_metric_matches

pytestmark = pytest.mark.slow

LIVE = (
    "npv",
    "irr",
    "mirr",
    "payback_months",
    "discounted_payback_months",
    "pv_costs",
    "pv_benefits",
)


@pytest.fixture(params=["field-expenses", "wide"])
def live(
    request: pytest.FixtureRequest, evaluate: Callable[[str], Evaluation]
) -> tuple[Evaluated, Result]:
    model, result, _wb = evaluate(request.param)
    return model, result


def test_setting_a_scenario_s_inputs_gives_the_scenario_metrics(
    live: tuple[Evaluated, Result],
) -> None:
    model, result = live
    assert result.scenarios
    for scenario in result.scenarios:
        inputs = dict(scenario.overrides)
        got = model.with_inputs(inputs, list(LIVE))
        for key in LIVE:
            assert_metric_matches(key, got[key], getattr(scenario.metrics, key))


def test_moving_an_assumption_to_its_low_and_high_gives_the_tornado_npvs(
    live: tuple[Evaluated, Result],
) -> None:
    model, result = live
    for row in result.tornado[:1]:
        low = model.with_inputs({row.key: row.low}, ["npv"])["npv"]
        high = model.with_inputs({row.key: row.high}, ["npv"])["npv"]
        assert low == pytest.approx(row.npv_low, abs=0.01), row.key
        assert high == pytest.approx(row.npv_high, abs=0.01), row.key


def test_the_churn_convention_is_a_live_input(evaluate: Callable[[str], Evaluation]) -> None:
    """Setting the first line's "Reduction applies to" from 1 (annual churn) to 0
    prices both lines on the monthly hazard, as the engine does."""
    model, _result, wb = evaluate("annual-churn")
    ws = wb["Inputs"]
    flags = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "Reduction applies to"]
    assert [ws.cell(r, 3).value for r in flags] == [1, 0]
    assert ws.cell(flags[0], 4).value == "0 = monthly_hazard, 1 = annual_churn"
    doc = copy.deepcopy(annual_churn_doc())
    doc["benefits"][0]["reduction_applies_to"] = "monthly_hazard"
    expected = analyse(load_case(doc), trials=0).metrics
    got = model.with_inputs({}, list(LIVE), cells={("Inputs", f"C{flags[0]}"): 0})
    for key in LIVE:
        assert_metric_matches(key, got[key], getattr(expected, key))


def test_the_gordon_growth_rate_is_a_live_input(evaluate: Callable[[str], Evaluation]) -> None:
    model, _result, _wb = evaluate("gordon")
    doc = copy.deepcopy(gordon_doc())
    doc["continuing_growth"] = 0.04
    expected = analyse(load_case(doc), trials=0).continuing_value
    assert expected is not None
    names = ["continuing_value", "npv_with_continuing_value"]
    got = model.with_inputs({"continuing_growth": 0.04}, names)
    assert got["continuing_value"] == pytest.approx(expected.pv, abs=0.01)
    assert got["npv_with_continuing_value"] == pytest.approx(
        expected.npv_with_continuing_value, abs=0.01
    )


def test_the_tax_rate_lag_and_life_are_live_inputs(evaluate: Callable[[str], Evaluation]) -> None:
    model, _result, wb = evaluate("tax")
    ws = wb["Inputs"]
    life = next(
        r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value == "Depreciation life of Kit (capex)"
    )
    doc = copy.deepcopy(tax_doc())
    doc.update(tax_rate=0.3, tax_lag_months=1)
    doc["costs"][0]["life_months"] = 12
    expected = analyse(load_case(doc), trials=0).after_tax
    assert expected is not None
    names = ["npv_after_tax", "payback_months_after_tax"]
    got = model.with_inputs(
        {"tax_rate": 0.3, "tax_lag_months": 1}, names, cells={("Inputs", f"B{life}"): 12}
    )
    assert got["npv_after_tax"] == pytest.approx(expected.metrics.npv, abs=0.01)
    assert got["payback_months_after_tax"] == pytest.approx(
        expected.metrics.payback_months, abs=1e-6
    )


def test_the_inflation_rate_is_a_live_input(evaluate: Callable[[str], Evaluation]) -> None:
    """Inflation is a named input under every escalation factor: at 6 % instead of 3 %
    the workbook gives the engine's metrics, run-off and after-tax figures at 6 %."""
    model, _result, wb = evaluate("inflation")
    ws = wb["Calculations"]
    row = find_row(ws, "Escalation factor with inflation")
    month = find_row(ws, "Month")
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(month, c).value == 13)
    assert "inflation_rate" in str(ws.cell(row, col).value)
    assert find_row(ws, "Inflation factor")  # the churn and referrals lines'
    doc = copy.deepcopy(inflation_doc())
    doc["inflation_rate"] = 0.06
    expected = analyse(load_case(doc), trials=0)
    names = [*LIVE, "continuing_value", "npv_after_tax"]
    got = model.with_inputs({"inflation_rate": 0.06}, names)
    for key in LIVE:
        assert_metric_matches(key, got[key], getattr(expected.metrics, key))
    assert expected.continuing_value is not None and expected.after_tax is not None
    assert got["continuing_value"] == pytest.approx(expected.continuing_value.pv, abs=0.01)
    assert got["npv_after_tax"] == pytest.approx(expected.after_tax.metrics.npv, abs=0.01)
