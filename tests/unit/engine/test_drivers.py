"""Line drivers: timing, escalation, ramp and the churn cohort."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cxroi.engine import load_case
from cxroi.engine.analysis import analyse
from cxroi.engine.drivers import churn_customers_kept
from cxroi.engine.timeline import Timeline


def case_with(costs=(), benefits=(), horizon=36, assumptions=()):  # type: ignore[no-untyped-def]
    return load_case(
        {
            "format": "cxroi-case/1",
            "title": "t",
            "currency": "GBP",
            "start_month": "2027-01",
            "horizon_months": horizon,
            "discount_rate": 0.0,
            "assumptions": list(assumptions),
            "costs": list(costs),
            "benefits": list(benefits),
        }
    )


def cost_flow(line: dict, horizon: int = 36) -> list[float]:  # type: ignore[type-arg]
    case = case_with(costs=[{"name": "c", "category": "x", **line}], horizon=horizon)
    return analyse(case, trials=0).cashflow.costs.tolist()


def benefit_flow(line: dict, horizon: int = 36) -> list[float]:  # type: ignore[type-arg]
    case = case_with(benefits=[{"name": "b", **line}], horizon=horizon)
    return analyse(case, trials=0).cashflow.benefits.tolist()


def test_once_cost_is_charged_in_its_month_only() -> None:
    flow = cost_flow({"recurrence": "once", "month": 3, "amount": 500}, horizon=6)
    assert flow == [0, 0, 0, 500, 0, 0, 0]


def test_monthly_cost_runs_from_start_to_end() -> None:
    flow = cost_flow(
        {"recurrence": "monthly", "start_month": 2, "end_month": 4, "amount": 10}, horizon=6
    )
    assert flow == [0, 0, 10, 10, 10, 0, 0]


def test_annual_cost_recurs_every_twelve_months_from_its_start() -> None:
    flow = cost_flow({"recurrence": "annual", "start_month": 3, "amount": 100}, horizon=36)
    assert [t for t, v in enumerate(flow) if v] == [3, 15, 27]


def test_escalation_steps_up_on_case_anniversaries() -> None:
    flow = cost_flow({"recurrence": "monthly", "amount": 100, "escalation": 0.1}, horizon=25)
    assert flow[12] == pytest.approx(100)
    assert flow[13] == pytest.approx(110)
    assert flow[25] == pytest.approx(121)


def test_cost_risk_uplifts_the_line() -> None:
    flow = cost_flow({"recurrence": "once", "amount": 100, "risk": 0.25}, horizon=1)
    assert flow == [125, 0]


def test_ramp_is_linear_from_its_start_month() -> None:
    flow = benefit_flow(
        {"kind": "custom", "amount": 100, "ramp_start": 3, "ramp_months": 4}, horizon=8
    )
    assert flow == pytest.approx([0, 0, 0, 25, 50, 75, 100, 100, 100])


def test_benefits_are_zero_in_month_zero_and_risk_reduces_them() -> None:
    flow = benefit_flow({"kind": "custom", "amount": 100, "risk": 0.2}, horizon=2)
    assert flow == pytest.approx([0, 80, 80])


def test_cost_savings_multiply_volume_reduction_and_unit_cost() -> None:
    flow = benefit_flow(
        {
            "kind": "cost_savings",
            "volume": 1000,
            "reduction": 0.1,
            "unit_cost": 5,
            "escalation": 0.02,
        },
        horizon=13,
    )
    assert flow[1] == pytest.approx(500)
    assert flow[13] == pytest.approx(510)


def test_revenue_uplift_grows_on_anniversaries() -> None:
    flow = benefit_flow(
        {
            "kind": "revenue_uplift",
            "base_revenue": 10000,
            "uplift": 0.05,
            "margin": 0.4,
            "growth": 0.1,
        },
        horizon=13,
    )
    assert flow[12] == pytest.approx(200)
    assert flow[13] == pytest.approx(220)


def cohort_by_recurrence(customers, annual_churn, reduction, adds, ramp):  # type: ignore[no-untyped-def]
    c = 1 - (1 - annual_churn) ** (1 / 12)
    base, cx = [customers], [customers]
    for t in range(1, len(ramp)):
        base.append(base[-1] * (1 - c) + adds)
        cx.append(cx[-1] * (1 - c * (1 - ramp[t] * reduction)) + adds)
    return np.array(cx) - np.array(base)


@pytest.mark.parametrize("annual_churn", [0.0, 0.05, 0.3, 0.9, 1.0])
@pytest.mark.parametrize("adds", [0.0, 250.0])
def test_churn_closed_form_equals_the_recurrence(annual_churn: float, adds: float) -> None:
    tl = Timeline.of(120, 0.1)
    ramp = tl.ramp(3, 6)
    kept = churn_customers_kept(tl, 50_000.0, annual_churn, 0.2, adds, ramp)[0]
    expected = cohort_by_recurrence(50_000.0, annual_churn, 0.2, adds, ramp)
    assert kept == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_churn_cohort_is_vectorised_over_trials() -> None:
    tl = Timeline.of(24, 0.1)
    ramp = tl.ramp(1, 0)
    churn = np.array([[0.1], [0.2], [0.3]])
    kept = churn_customers_kept(tl, 1000.0, churn, 0.5, 0.0, ramp)
    assert kept.shape == (3, 25)
    for row, annual in enumerate([0.1, 0.2, 0.3]):
        single = churn_customers_kept(tl, 1000.0, annual, 0.5, 0.0, ramp)[0]
        assert kept[row] == pytest.approx(single, rel=1e-12)


def test_a_customer_kept_keeps_paying() -> None:
    flow = benefit_flow(
        {
            "kind": "churn",
            "customers": 10000,
            "annual_churn": 0.3,
            "reduction": 0.5,
            "arpu": 10,
            "margin": 1,
            "ramp_start": 1,
            "ramp_months": 0,
        },
        horizon=24,
    )
    assert all(later > earlier for earlier, later in itertools.pairwise(flow))
