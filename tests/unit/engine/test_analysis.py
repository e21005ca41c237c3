"""Scenarios, tornado, break-even, Monte Carlo and the annual roll-up."""

from __future__ import annotations

import pytest

from cxroi.engine import analyse, evaluate_metrics, load_case_file
from cxroi.engine.analysis import break_even, tornado
from cxroi.engine.timeline import Timeline
from tests.support import reference_case_path


@pytest.fixture(scope="module")
def lead():  # type: ignore[no-untyped-def]
    case = load_case_file(reference_case_path("lead-qualification"))
    return case, analyse(case, trials=4000, seed=11)


def test_annual_rollup_adds_up_to_the_months(lead) -> None:  # type: ignore[no-untyped-def]
    _case, result = lead
    assert [(r.first_month, r.last_month) for r in result.annual] == [
        (0, 0),
        (1, 12),
        (13, 24),
        (25, 36),
    ]
    assert sum(r.net for r in result.annual) == pytest.approx(result.cashflow.net.sum())
    assert result.annual[1].costs == pytest.approx(result.cashflow.costs[1:13].sum())
    assert result.annual[-1].cumulative == pytest.approx(result.cashflow.cumulative[-1])
    assert sum(r.discounted for r in result.annual) == pytest.approx(result.metrics.npv)


def test_annual_rollup_keeps_a_short_last_year() -> None:
    case = load_case_file(reference_case_path("field-expenses"))
    result = analyse(case, trials=0)
    assert [(r.first_month, r.last_month) for r in result.annual] == [(0, 0), (1, 12), (13, 24)]


def test_tornado_rows_equal_one_at_a_time_evaluations(lead) -> None:  # type: ignore[no-untyped-def]
    case, result = lead
    for row in result.tornado:
        assert row.npv_low == pytest.approx(evaluate_metrics(case, {row.key: row.low}).npv)
        assert row.npv_high == pytest.approx(evaluate_metrics(case, {row.key: row.high}).npv)
    swings = [row.swing for row in result.tornado]
    assert swings == sorted(swings, reverse=True)


def test_break_even_values_bring_npv_to_zero(lead) -> None:  # type: ignore[no-untyped-def]
    case, result = lead
    found = [b for b in result.break_even if b.value is not None]
    assert len(found) >= 5
    for b in found:
        assert evaluate_metrics(case, {b.key: b.value}).npv == pytest.approx(0.0, abs=0.01)


def test_break_even_says_why_when_there_is_none(lead) -> None:  # type: ignore[no-untyped-def]
    _, result = lead
    calls = next(b for b in result.break_even if b.key == "complaint_calls")
    assert calls.value is None
    assert calls.reason is not None and "stays positive" in calls.reason


def test_break_even_of_an_unused_assumption() -> None:
    case = load_case_file(reference_case_path("lead-qualification"))
    from cxroi.engine import load_case
    from cxroi.engine.loader import case_to_dict

    doc = case_to_dict(case)
    doc["assumptions"].append({"key": "spare", "label": "Spare", "value": 1, "unit": "x"})
    spare = load_case(doc)
    tl = Timeline.of(spare.horizon_months, spare.discount_rate)
    row = next(b for b in break_even(spare, tl) if b.key == "spare")
    assert (row.value, row.reason) == (None, "not used by any line")
    assert [t.key for t in tornado(spare, tl)] == [t.key for t in tornado(case, tl)]


def test_monte_carlo_summarises_the_npv_distribution(lead) -> None:  # type: ignore[no-untyped-def]
    case, result = lead
    mc = result.monte_carlo
    assert mc is not None
    assert mc.trials == 4000 and mc.seed == 11
    assert set(mc.sampled) == {a.key for a in case.assumptions if a.has_range}
    assert mc.p10 < mc.p50 < mc.p90
    assert 0.0 <= mc.prob_npv_positive <= 1.0
    assert sum(mc.histogram_counts) == 4000
    assert len(mc.histogram_edges) == len(mc.histogram_counts) + 1
    assert mc.histogram_edges[0] <= mc.p10 and mc.p90 <= mc.histogram_edges[-1]


def test_monte_carlo_is_absent_without_any_range() -> None:
    from cxroi.engine import load_case

    case = load_case_file(reference_case_path("lead-qualification"))
    from cxroi.engine.loader import case_to_dict

    doc = case_to_dict(case)
    for a in doc["assumptions"]:
        a.pop("low", None)
        a.pop("high", None)
    result = analyse(load_case(doc), trials=1000)
    assert result.monte_carlo is None
    assert result.tornado == ()
