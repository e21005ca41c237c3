"""Issue 13 item 5: the discount rate can be an assumption (``discount_rate`` names its
key), so it enters the tornado, break-even and Monte Carlo.

Every expected figure comes from a calculator, month by month in plain Python (the
tests' hand calculator, tests/unit/engine/calculator.py: its own discount factors for
each convention, its own bisection), not from the engine. The reference case
``discount-rate-assumption`` has its answer written by :func:`expected_answer`: a test
checks the file still says what the calculator says, and others check the engine
against it as test_reference_cases does for the other reference cases. It lives in
tests/data/rate-reference, apart from tests/data/reference-cases, whose every case the
frozen Monte Carlo oracle of test_monte_carlo_equivalence (numeric rates only) prices.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest

from cxroi.engine import (
    CaseValidationError,
    analyse,
    case_to_dict,
    load_case,
    load_case_file,
    result_to_dict,
)
from cxroi.engine.analysis import sample_assumptions
from cxroi.engine.loader import canonical_json
from cxroi.engine.review_items import npv_effects, review_items
from tests.support import (
    RATE_REFERENCE_DIR,
    reference_case_path,
    reference_expected,
    reference_names,
)
from tests.unit.engine.calculator import bisect, factors, npv
from tests.unit.engine.test_reference_cases import assert_metrics_match
from tests.unit.engine.test_tax import payback_by_hand

NAME = "discount-rate-assumption"
HORIZON = 36
SET_UP, RUN, SAVING, RISK = 50_000.0, 2_000.0, 6_000.0, 0.1
WACC = {"value": 0.09, "low": 0.06, "high": 0.14}
SAVING_RANGE = {"low": 4_500.0, "high": 7_000.0}


# -- the calculator ---------------------------------------------------------------------


def flows(saving: float, risk: float) -> tuple[list[float], list[float]]:
    """(costs, benefits) of months 0..36: 50,000 up front and 2,000 a month; a saving
    ramped over 6 months (a_t = min(1, t / 6)), after its risk."""
    costs = [SET_UP] + [RUN] * HORIZON
    benefits = [0.0] + [saving * min(1.0, t / 6) * (1 - risk) for t in range(1, HORIZON + 1)]
    return costs, benefits


def metrics(costs: list[float], benefits: list[float], annual: float) -> dict[str, Any]:
    net = [b - c for b, c in zip(benefits, costs, strict=True)]
    f = factors(annual, HORIZON)
    pv_c = sum(c * x for c, x in zip(costs, f, strict=True))
    pv_b = sum(b * x for b, x in zip(benefits, f, strict=True))
    return {
        "npv": pv_b - pv_c,
        "irr": bisect(lambda r: npv(net, r), 0.0, 9.0),
        "roi": (pv_b - pv_c) / pv_c,
        "bcr": pv_b / pv_c,
        "payback_months": payback_by_hand(net),
        "discounted_payback_months": payback_by_hand([n * x for n, x in zip(net, f, strict=True)]),
        "total_costs": sum(costs),
        "total_benefits": sum(benefits),
        "pv_costs": pv_c,
        "pv_benefits": pv_b,
    }


def net_of(saving: float, risk: float = RISK) -> list[float]:
    costs, benefits = flows(saving, risk)
    return [b - c for b, c in zip(benefits, costs, strict=True)]


def expected_answer() -> dict[str, Any]:
    """The reference case's answer, by this calculator."""
    costs, benefits = flows(SAVING, RISK)
    net = net_of(SAVING)
    rows = [
        ("wacc", npv(net, WACC["low"]), npv(net, WACC["high"])),
        (
            "saving",
            npv(net_of(SAVING_RANGE["low"]), WACC["value"]),
            npv(net_of(SAVING_RANGE["high"]), WACC["value"]),
        ),
    ]
    tornado = [
        {"key": k, "npv_low": lo, "npv_high": hi, "swing": abs(hi - lo)}
        for k, lo, hi in sorted(rows, key=lambda r: -abs(r[2] - r[1]))
    ]
    return {
        "metrics": metrics(costs, benefits, WACC["value"]),
        "unadjusted": metrics(*flows(SAVING, 0.0), WACC["value"]),
        "cashflow": {
            "costs": costs,
            "benefits": benefits,
            "net": net,
        },
        "scenarios": [{"name": "Dearer money", "metrics": metrics(costs, benefits, 0.12)}],
        "tornado": tornado,
    }


# -- the reference case -----------------------------------------------------------------


def test_the_reference_answer_is_this_calculator_s() -> None:
    """The answer file was written by :func:`expected_answer`, not by the engine."""
    assert _close(expected_answer(), reference_expected(NAME, RATE_REFERENCE_DIR))


def _close(want: Any, have: Any) -> bool:
    if isinstance(want, dict):
        return want.keys() == have.keys() and all(_close(want[k], have[k]) for k in want)
    if isinstance(want, list):
        return len(want) == len(have) and all(_close(w, h) for w, h in zip(want, have, strict=True))
    if isinstance(want, float):
        return bool(want == pytest.approx(have, rel=1e-12, abs=1e-9))
    return bool(want == have)


def reference() -> Any:
    return load_case_file(reference_case_path(NAME, RATE_REFERENCE_DIR))


def test_the_engine_reproduces_the_reference_answer() -> None:
    """As test_reference_cases checks each case of tests/data/reference-cases."""
    want = reference_expected(NAME, RATE_REFERENCE_DIR)
    got = result_to_dict(analyse(reference(), trials=0))
    assert_metrics_match(want["metrics"], got["metrics"])
    assert_metrics_match(want["unadjusted"], got["unadjusted"])
    for series in ("costs", "benefits", "net"):
        assert got["cashflow"][series] == pytest.approx(want["cashflow"][series], abs=0.01)
    assert [s["name"] for s in got["scenarios"]] == ["Dearer money"]
    assert_metrics_match(want["scenarios"][0]["metrics"], got["scenarios"][0]["metrics"])
    assert [r["key"] for r in got["tornado"]] == [r["key"] for r in want["tornado"]]
    for w, h in zip(want["tornado"], got["tornado"], strict=True):
        for field in ("npv_low", "npv_high", "swing"):
            assert h[field] == pytest.approx(w[field], abs=0.01), (w["key"], field)


def test_the_reference_case_names_its_rate_assumption() -> None:
    case = reference()
    assert case.discount_rate_key == "wacc" and case.discount_rate == WACC["value"]
    assert json.loads(canonical_json(case))["discount_rate"] == "wacc"
    assert case_to_dict(case)["discount_rate"] == "wacc"
    assert load_case(case_to_dict(case)) == case


def test_base_npv_tornado_and_break_even_by_hand() -> None:
    result = analyse(reference(), trials=0)
    net = net_of(SAVING)
    assert result.metrics.npv == pytest.approx(npv(net, 0.09), abs=1e-6)
    row = next(r for r in result.tornado if r.key == "wacc")
    assert (row.low, row.high) == (0.06, 0.14)
    assert row.npv_low == pytest.approx(npv(net, 0.06), abs=1e-6)
    assert row.npv_high == pytest.approx(npv(net, 0.14), abs=1e-6)
    # The rate's break-even is the annual rate at which NPV is 0: here the IRR.
    be = next(b for b in result.break_even if b.key == "wacc")
    assert be.value == pytest.approx(bisect(lambda r: npv(net, r), 0.0, 9.0), abs=1e-9)
    assert be.reason is None
    # The saving's break-even at the case's own rate (NPV is linear in it).
    saving = next(b for b in result.break_even if b.key == "saving")
    assert saving.value == pytest.approx(
        bisect(lambda s: npv(net_of(s), 0.09), 0.0, 60_000.0), rel=1e-9
    )


def test_a_rate_break_even_is_none_when_npv_keeps_its_sign_over_the_domain() -> None:
    doc = json.loads(reference_case_path(NAME, RATE_REFERENCE_DIR).read_text())
    # A saving below the licences: every month's net flow is negative, so is NPV at any rate.
    doc["assumptions"][1].update(value=1500, low=1000, high=1800)
    be = next(b for b in analyse(load_case(doc), trials=0).break_even if b.key == "wacc")
    assert be.value is None and be.reason is not None and "negative" in be.reason


def test_a_scenario_that_sets_the_rate_s_assumption_prices_at_that_rate() -> None:
    result = analyse(reference(), trials=0)
    (s,) = result.scenarios
    assert s.metrics.npv == pytest.approx(npv(net_of(SAVING), 0.12), abs=1e-6)


def test_the_rate_moves_with_its_assumption_in_the_review_effects() -> None:
    case = reference()
    effects = npv_effects(case)
    net = net_of(SAVING)
    wacc_id = case.assumption("wacc").id
    for item in (wacc_id, "discount_rate"):
        e = effects[item]
        assert e.basis == "range" and (e.low, e.high) == (0.06, 0.14)
        assert e.npv_low == pytest.approx(npv(net, 0.06), abs=1e-6)
        assert e.npv_high == pytest.approx(npv(net, 0.14), abs=1e-6)
    rate_item = next(i for i in review_items(case) if i.id == "discount_rate")
    assert rate_item.fields["discount_rate"] == f"assumption {wacc_id}"


# -- Monte Carlo ------------------------------------------------------------------------


def only_rate_doc(discounting: str = "end_of_month", **extra: Any) -> dict[str, Any]:
    """The rate is the one uncertain assumption; fixed positive flows after a cost."""
    doc: dict[str, Any] = {
        "format": "cxroi-case/2",
        "title": "Only the rate varies",
        "currency": "GBP",
        "start_month": "2027-02",
        "horizon_months": 24,
        "discount_rate": "r",
        "discounting": discounting,
        "assumptions": [
            {
                "key": "r",
                "label": "Rate",
                "value": 0.1,
                "unit": "ratio/year",
                "low": 0.02,
                "high": 0.3,
                "distribution": "pert",
            },
            {"key": "fee", "label": "Fee", "value": 900, "unit": "GBP"},
        ],
        "costs": [{"name": "Build", "category": "x", "recurrence": "once", "amount": 20000}],
        "benefits": [{"name": "Fee", "kind": "custom", "amount": "fee", "escalation": 0.05}],
    }
    doc.update(extra)
    return doc


def only_rate_net(inflation: float = 0.0) -> list[float]:
    return [-20000.0] + [900.0 * ((1 + inflation) * 1.05) ** ((t - 1) // 12) for t in range(1, 25)]


@pytest.mark.parametrize(
    ("discounting", "inflation"),
    [("end_of_month", 0.0), ("mid_month", 0.0), ("actual_365", 0.0), ("end_of_month", 0.03)],
)
def test_monte_carlo_over_the_rate_alone_matches_the_calculator(
    discounting: str, inflation: float
) -> None:
    """NPV falls as the rate rises, so NPV's p10/p50/p90 are the calculator's NPV at the
    drawn rates' p90/p50/p10 (1,001 trials: each percentile is one trial); the mean is
    the mean of the calculator's NPV over every drawn rate."""
    case = load_case(only_rate_doc(discounting, inflation_rate=inflation))
    trials, seed = 1001, 7
    mc = analyse(case, trials=trials, seed=seed).monte_carlo
    assert mc is not None and mc.sampled == ("r",)
    rates = sample_assumptions(case, trials, seed)["r"]
    assert rates.min() >= 0.02 and rates.max() <= 0.3 and np.ptp(rates) > 0.1
    net = only_rate_net(inflation)
    conv = {"discounting": discounting, "start": "2027-02"}
    by_hand = [npv(net, float(r), **conv) for r in rates]
    ordered = sorted(rates)
    for got, q in ((mc.p10, 900), (mc.p50, 500), (mc.p90, 100)):
        assert got == pytest.approx(npv(net, float(ordered[q]), **conv), abs=1e-6)
    assert mc.mean == pytest.approx(sum(by_hand) / trials, abs=1e-6)
    assert mc.prob_npv_positive == pytest.approx(sum(x > 0 for x in by_hand) / trials)
    assert 0.0 < mc.prob_npv_positive < 1.0  # the range straddles the IRR: not trivially 0 or 1


def test_monte_carlo_is_the_same_chunk_by_chunk() -> None:
    from cxroi.engine.analysis import monte_carlo
    from cxroi.engine.timeline import Timeline

    case = load_case(only_rate_doc("mid_month"))
    tl = Timeline.for_case(case)
    whole = monte_carlo(case, tl, trials=500, seed=3)
    chunked = monte_carlo(case, tl, trials=500, seed=3, chunk=64)
    assert whole is not None and chunked is not None
    assert chunked.mean == pytest.approx(whole.mean, rel=1e-12)
    assert chunked.p10 == pytest.approx(whole.p10, rel=1e-12)


def test_a_numeric_rate_case_is_unchanged_by_naming_an_equal_fixed_assumption() -> None:
    """A rate named through an assumption without a range prices exactly as the number."""
    doc = only_rate_doc()
    fixed = copy.deepcopy(doc)
    fixed["assumptions"][0] = {"key": "r", "label": "Rate", "value": 0.1, "unit": "ratio/year"}
    number = {**copy.deepcopy(fixed), "discount_rate": 0.1}
    a, b = analyse(load_case(fixed), trials=0), analyse(load_case(number), trials=0)
    assert a.metrics.npv == b.metrics.npv and a.metrics.irr == b.metrics.irr


# -- rules ------------------------------------------------------------------------------


def _issues(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(CaseValidationError) as caught:
        load_case(doc)
    return [str(i) for i in caught.value.issues]


def test_the_rate_s_assumption_must_exist_and_lie_in_the_rate_domain() -> None:
    doc = only_rate_doc()
    assert _issues({**doc, "discount_rate": "nope"}) == ['discount_rate: unknown assumption "nope"']
    low = copy.deepcopy(doc)
    low["assumptions"][0]["low"] = -1.5
    (issue,) = _issues(low)
    assert issue.startswith('discount_rate: assumption "r" has low -1.5')
    high = copy.deepcopy(doc)
    high["assumptions"][0].update(value=12, high=20)
    got = _issues(high)
    assert any("has value 12" in i for i in got) and any("has high 20" in i for i in got)
    assert all(i.startswith("discount_rate: ") for i in got)
    assert _issues({**doc, "discount_rate": True})[0].startswith("discount_rate: must be")


def test_gordon_growth_must_stay_below_the_rate_over_its_whole_range() -> None:
    doc = only_rate_doc(continuing_value="gordon_growth", continuing_growth=0.05)
    (issue,) = _issues(doc)
    assert issue == (
        "continuing_growth: must be less than the discount rate's low 0.02"
        ' (assumption "r") for Gordon growth, not 0.05'
    )
    doc["continuing_growth"] = 0.01
    case = load_case(doc)
    cv = analyse(case, trials=0).continuing_value
    assert cv is not None
    net = only_rate_net()
    final_year = sum(net[13:25])
    m = 1.1 ** (1 / 12) - 1
    assert cv.value_at_horizon == pytest.approx(final_year * 1.01 / (0.1 - 0.01), rel=1e-12)
    assert cv.pv == pytest.approx(cv.value_at_horizon / (1 + m) ** 24, rel=1e-12)
    runoff = only_rate_doc(continuing_value="customer_runoff")
    runoff["assumptions"][0]["low"] = 0.0
    (issue,) = _issues(runoff)
    assert issue.startswith("continuing_value: customer_runoff needs a discount rate above 0")
    assert 'the discount rate\'s low 0 (assumption "r")' in issue


def test_a_scenario_override_of_the_rate_is_checked_as_a_rate() -> None:
    doc = only_rate_doc(scenarios=[{"name": "Crash", "overrides": {"r": -3}}])
    (issue,) = _issues(doc)
    assert issue.startswith("scenarios[0].overrides.r: -3 is outside discount_rate")


def test_format_1_keeps_a_numeric_rate() -> None:
    doc = {**only_rate_doc(), "format": "cxroi-case/1"}
    del doc["discounting"]
    assert any(i.startswith("discount_rate: is a number in cxroi-case/1") for i in _issues(doc))


def test_the_reference_files_are_in_the_repo() -> None:
    assert RATE_REFERENCE_DIR.is_dir() and reference_names(RATE_REFERENCE_DIR) == [NAME]
    assert reference_case_path(NAME, RATE_REFERENCE_DIR).is_file()


# -- cxroi calc and the format doc --------------------------------------------------------


def test_calc_prints_the_rate_with_its_assumption_as_the_format_doc_says(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from cxroi.cli import main
    from tests.support import ROOT

    doc = json.loads(reference_case_path(NAME, RATE_REFERENCE_DIR).read_text())
    doc["assumptions"][0]["label"] = "Cost of capital"
    path = tmp_path / "rate.json"
    path.write_text(json.dumps(doc))
    out = CliRunner().invoke(main, ["calc", str(path), "--trials", "300"]).stdout
    words = 'discount rate 9.0% a year from assumption "Cost of capital"'
    assert words in out
    assert f"GBP {npv(net_of(SAVING), 0.09):,.0f}" in out
    assert "wacc" in out.split("Sensitivity", 1)[1]  # its tornado row
    format_doc = (ROOT / "docs" / "case-format.md").read_text()
    assert f"`{words}`" in format_doc
    assert "Discount rate from an assumption" in format_doc
    number = {**doc, "discount_rate": 0.09}
    path.write_text(json.dumps(number))
    assert "from assumption" not in CliRunner().invoke(main, ["calc", str(path)]).stdout
