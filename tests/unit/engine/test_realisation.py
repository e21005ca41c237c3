"""Realisation on small cases worked by hand: variance, re-forecast, status, drivers, lags."""

from __future__ import annotations

import statistics

import pytest

from cxroi.engine import analyse, load_case, result_to_dict
from cxroi.engine.realisation import (
    LineActual,
    RagRule,
    drifting_drivers,
    lagged_correlation,
    reading,
    realise,
    to_dict,
)

# 1 % a month exactly: (1.01)^12 - 1.
ANNUAL = 1.01**12 - 1.0


def _case(risk: float = 0.0) -> dict:
    return {
        "format": "cxroi-case/2",
        "title": "Fewer repeat calls",
        "currency": "GBP",
        "start_month": "2026-01",
        "horizon_months": 12,
        "discount_rate": ANNUAL,
        "assumptions": [
            {
                "id": "a1",
                "key": "volume",
                "label": "Repeat calls per month",
                "value": 1000,
                "unit": "calls",
                "low": 800,
                "high": 1200,
            },
            {
                "id": "a2",
                "key": "cut",
                "label": "Reduction",
                "value": 0.1,
                "unit": "ratio",
                "low": 0.05,
                "high": 0.15,
            },
        ],
        "costs": [
            {
                "id": "c1",
                "name": "Build",
                "category": "technology",
                "recurrence": "once",
                "amount": 1000,
                "month": 0,
            },
        ],
        "benefits": [
            {
                "id": "b1",
                "name": "Calls avoided",
                "kind": "cost_savings",
                "volume": "volume",
                "reduction": "cut",
                "unit_cost": 2,
                "ramp_start": 1,
                "ramp_months": 0,
                "risk": risk,
            },
        ],
    }


def _actuals() -> dict:
    return {
        "c1": {0: LineActual(cost=1100.0, benefit=None, drivers={})},
        "b1": {
            1: LineActual(cost=None, benefit=150.0, drivers={"volume": 900.0}),
            2: LineActual(cost=None, benefit=150.0, drivers={"volume": 700.0}),
            3: LineActual(cost=None, benefit=100.0, drivers={"volume": 600.0}),
        },
    }


def _setup(risk: float = 0.0):
    case = load_case(_case(risk))
    return case, result_to_dict(analyse(case, trials=0))


def test_variance_net_and_realised_npv_by_hand() -> None:
    case, plan = _setup()
    r = realise(case, plan, _actuals())
    assert r.months == ["2025-12", "2026-01", "2026-02", "2026-03"]  # month 0 is up-front
    # Plan: -1000 up front, then 1000 x 0.1 x 2 = 200 a month.
    assert r.plan_net == pytest.approx([-1000, 200, 200, 200])
    assert r.actual_net == pytest.approx([-1100, 150, 150, 100])
    assert r.variance == pytest.approx([-100, -50, -50, -100])
    assert r.cumulative_actual == pytest.approx([-1100, -950, -800, -700])
    assert r.realised_npv_to_date == pytest.approx(
        -1100 + 150 / 1.01 + 150 / 1.01**2 + 100 / 1.01**3
    )
    line = r.per_line["b1"]
    assert line.actual == [None, 150.0, 150.0, 100.0]
    assert line.variance == [
        None,
        pytest.approx(-50.0),
        pytest.approx(-50.0),
        pytest.approx(-100.0),
    ]


def test_reforecast_npv_and_payback_by_hand() -> None:
    case, plan = _setup()
    r = realise(case, plan, _actuals())
    rest = sum(200 / 1.01**t for t in range(4, 13))
    assert r.forecast_npv == pytest.approx(r.realised_npv_to_date + rest)
    # Cumulative: -700 after month 3, then +200 a month: month 4 -500, 5 -300, 6 -100,
    # 7 +100: it crosses zero half-way between months 6 and 7.
    assert r.forecast_payback_months == pytest.approx(6.5)
    approved = -1000 + sum(200 / 1.01**t for t in range(1, 13))
    assert r.approved_npv == pytest.approx(approved)
    assert r.approved_payback_months == pytest.approx(5.0)
    # A finance forecast of nothing in month 4 takes that month's 200 out.
    adjusted = realise(case, plan, _actuals(), forecast={"b1": {4: 0.0}})
    assert adjusted.forecast_npv == pytest.approx(r.forecast_npv - 200 / 1.01**4)


def test_missing_cost_counts_plan_and_missing_benefit_counts_nothing() -> None:
    case, plan = _setup()
    r = realise(case, plan, {"b1": {2: LineActual(cost=None, benefit=180.0, drivers={})}})
    assert r.actual_net == pytest.approx([-1000, 0, 180])


def test_status_follows_rules() -> None:
    case, plan = _setup()
    r = realise(case, plan, _actuals())
    # 150, 150, 100 against 200: below 80 % (160) three months running; below 60 % once.
    assert r.status == "amber"
    assert "3 months" in r.status_reason
    red = realise(case, plan, _actuals(), rules=[RagRule("red", 0.8, 3)])
    assert red.status == "red"
    green = realise(case, plan, _actuals(), rules=[RagRule("amber", 0.8, 4)])
    assert green.status == "green"
    assert "67%" in green.status_reason  # 400 of 600


def test_driver_variance_priced_by_the_kind_formula() -> None:
    case, plan = _setup(risk=0.25)
    r = realise(case, plan, _actuals())
    (dv,) = r.driver_variances
    # (900 - 1000 + 700 - 1000 + 600 - 1000) x 0.1 x 2 x (1 - 0.25) = -120
    assert dv.effect_to_date == pytest.approx(-120.0)
    assert dv.assumed == 1000 and dv.actual == pytest.approx(2200 / 3)
    assert (
        dv.text == "Repeat calls per month fell to 733.333 against the 1,000 assumed: −£120 to date"
    )


def test_churn_driver_variance_matches_the_cohort_by_hand() -> None:
    doc = _case()
    doc["assumptions"].append(
        {
            "id": "a3",
            "key": "churn",
            "label": "Annual churn",
            "value": 0.12,
            "unit": "ratio",
            "low": 0.1,
            "high": 0.14,
        }
    )
    doc["benefits"] = [
        {
            "id": "b1",
            "name": "Kept",
            "kind": "churn",
            "customers": 1000,
            "annual_churn": "churn",
            "reduction": 0.5,
            "arpu": 10,
            "margin": 1,
            "ramp_start": 1,
            "ramp_months": 0,
        }
    ]
    case = load_case(doc)
    plan = result_to_dict(analyse(case, trials=0))

    def kept(annual: float, t: int) -> float:
        c = 1 - (1 - annual) ** (1 / 12)
        return 1000 * ((1 - c * 0.5) ** t - (1 - c) ** t)

    acts = {"b1": {2: LineActual(cost=None, benefit=None, drivers={"churn": 0.06})}}
    r = realise(case, plan, acts)
    (dv,) = r.driver_variances
    assert dv.effect_to_date == pytest.approx((kept(0.06, 2) - kept(0.12, 2)) * 10)
    assert dv.text.startswith("Annual churn fell to 6.0% against the 12.0% assumed: −£")


def test_drift_outside_range() -> None:
    case, _ = _setup()
    (drift,) = drifting_drivers(case, _actuals())
    assert (drift.key, drift.actual, drift.month) == ("volume", 600.0, "2026-03")
    assert "below the assumed range" in drift.text
    assert drifting_drivers(case, {"b1": {1: LineActual(None, None, {"volume": 900.0})}}) == []


def test_bad_line_or_month_is_refused() -> None:
    case, plan = _setup()
    with pytest.raises(ValueError, match="unknown line id 'zz'"):
        realise(case, plan, {"zz": {}})
    with pytest.raises(ValueError, match="month 13"):
        realise(case, plan, {"b1": {13: LineActual(None, 1.0, {})}})


def test_to_dict_has_the_cli_keys() -> None:
    case, plan = _setup()
    d = to_dict(realise(case, plan, _actuals()))
    for key in (
        "title",
        "months",
        "plan_net",
        "actual_net",
        "variance",
        "realised_npv_to_date",
        "forecast_npv",
        "forecast_payback_months",
        "status",
    ):
        assert key in d
    assert d["title"] == "Fewer repeat calls" and d["status"] == "amber"


def test_lagged_correlation_pairwise_complete() -> None:
    x = [1.0, 3.0, 2.0, 5.0, 4.0, None, 6.0, 8.0]
    y = [2.0, 1.0, 4.0, 3.0, 7.0, 6.0, None, 9.0]
    corrs = lagged_correlation(x, y, max_lag=6)
    assert [c.lag for c in corrs] == list(range(7))
    pairs0 = [(a, b) for a, b in zip(x, y, strict=True) if a is not None and b is not None]
    assert corrs[0].n == len(pairs0) == 6
    assert corrs[0].r == pytest.approx(statistics.correlation(*zip(*pairs0, strict=True)))
    pairs1 = [(a, b) for a, b in zip(x[:-1], y[1:], strict=True) if a is not None and b is not None]
    assert corrs[1].n == len(pairs1) == 6
    assert corrs[1].r == pytest.approx(statistics.correlation(*zip(*pairs1, strict=True)))
    assert corrs[6].n == 1 and corrs[6].r is None  # too few pairs: (3, 9) only


def test_reading_names_the_lag_and_cautions() -> None:
    x = [1.0, 5.0, 2.0, 8.0, 3.0, 9.0, 4.0, 7.0]
    y = [0.0, 0.0, 1.0, 5.0, 2.0, 8.0, 3.0, 9.0]  # y repeats x two months later
    corrs = lagged_correlation(x, y)
    text = reading(corrs, "NPS", "retention")
    assert "2 months later" in text and "r = 1.00" in text
    assert "not causation" in text
