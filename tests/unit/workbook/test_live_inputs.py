"""The workbook is a live model: change an input and NPV, IRR and payback move with it.

Setting the overridden assumptions of each scenario (and each ranged assumption at
its low and high) on the Inputs sheet, the ``formulas`` package recalculates the
workbook to the engine's scenario and tornado results.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cxroi.engine import Result

from .cases import Evaluated, Evaluation
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
