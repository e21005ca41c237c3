"""Issue 13 item 5: a case-level inflation rate (``inflation_rate``) under each line's
escalation. Line amounts are in today's money; a line's escalation is real growth on top
of inflation, so month t's nominal factor is ((1 + i)(1 + e))^floor((t - 1) / 12); the
discount rate is nominal. Every expected figure comes from the calculator written here,
month by month in plain Python, not from the engine."""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any

import pytest

from cxroi.engine import (
    CaseValidationError,
    analyse,
    case_to_dict,
    load_case,
    load_case_file,
    result_to_dict,
)
from cxroi.engine.review_items import review_items
from tests.support import reference_case_path, reference_expected, reference_names
from tests.unit.engine.calculator import bisect
from tests.unit.engine.calculator import npv as hand_npv
from tests.unit.engine.test_reference_cases import assert_metrics_match
from tests.unit.engine.test_tax import payback_by_hand
from tests.unit.workbook.cases import inflation_doc, runoff_doc, tax_doc

INFLATION, ESCALATION, RATE, HORIZON = 0.03, 0.02, 0.1, 24


def hand_doc(**extra: Any) -> dict[str, Any]:
    """One cost and one benefit over 24 months: a 1,500 a month service from month 1 and
    an 18,000 set-up in month 0, against a 3,000 a month saving ramped over 6 months;
    both escalate 2 % a year in real terms."""
    doc: dict[str, Any] = {
        "format": "cxroi-case/2",
        "title": "Inflation by hand",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": HORIZON,
        "discount_rate": RATE,
        "inflation_rate": INFLATION,
        "assumptions": [],
        "costs": [
            {"name": "Set-up", "category": "x", "recurrence": "once", "amount": 18000},
            {
                "name": "Service",
                "category": "x",
                "recurrence": "monthly",
                "amount": 1500,
                "escalation": ESCALATION,
            },
        ],
        "benefits": [
            {
                "name": "Saving",
                "kind": "custom",
                "amount": 3000,
                "escalation": ESCALATION,
                "ramp_months": 6,
            }
        ],
    }
    doc.update(extra)
    return doc


def years(t: int) -> int:
    """Whole years passed by month t's flow: escalation's anniversaries (0 in month 0)."""
    return (t - 1) // 12 if t >= 1 else 0


def hand_net(inflation: float) -> list[float]:
    net = []
    for t in range(HORIZON + 1):
        nominal = ((1 + inflation) * (1 + ESCALATION)) ** years(t)
        cost = 18000.0 if t == 0 else 1500.0 * nominal
        benefit = 0.0 if t == 0 else 3000.0 * min(1.0, t / 6) * nominal
        net.append(benefit - cost)
    return net


def test_a_hand_worked_case_to_the_cent() -> None:
    net = hand_net(INFLATION)
    # Month 13's factor is 1.03 x 1.02 = 1.0506: the saving is 3,151.80, the service 1,575.90.
    assert net[13] == pytest.approx(3000 * 1.0506 - 1500 * 1.0506, abs=1e-9)
    result = analyse(load_case(hand_doc()), trials=0)
    m = result.metrics
    assert round(m.npv, 2) == round(hand_npv(net, RATE), 2)
    assert m.npv == pytest.approx(hand_npv(net, RATE), abs=1e-6)
    assert m.payback_months == pytest.approx(payback_by_hand(net), abs=1e-9)
    discounted = [x / (1 + ((1 + RATE) ** (1 / 12) - 1)) ** t for t, x in enumerate(net)]
    assert m.discounted_payback_months == pytest.approx(payback_by_hand(discounted), abs=1e-9)
    assert m.irr == pytest.approx(bisect(lambda r: hand_npv(net, r), 0.0, 50.0), rel=1e-9)
    assert result.cashflow.net.tolist() == pytest.approx(net, abs=1e-9)
    # Inflation moves the answer: the same case without it is worth less (net inflows).
    flat = analyse(load_case(hand_doc(inflation_rate=0.0)), trials=0).metrics
    assert flat.npv == pytest.approx(hand_npv(hand_net(0.0), RATE), abs=1e-6)
    assert m.npv > flat.npv


def test_inflation_and_escalation_compound_not_add() -> None:
    """Month 13's factor is (1.03)(1.02) = 1.0506, not 1.05; month 25's is 1.0506²."""
    doc = hand_doc(horizon_months=25, costs=[], benefits=[hand_doc()["benefits"][0]])
    doc["benefits"][0]["ramp_months"] = 0
    flows = analyse(load_case(doc), trials=0).cashflow.benefits
    assert flows[12] == pytest.approx(3000.0, abs=1e-9)
    assert flows[13] == pytest.approx(3000.0 * 1.0506, abs=1e-9)
    assert flows[25] == pytest.approx(3000.0 * 1.0506**2, abs=1e-9)


def test_a_fixed_price_line_cancels_inflation_with_its_escalation() -> None:
    """The documented way to keep a line flat in money: escalation 1 / (1 + i) − 1."""
    fixed = 1 / (1 + INFLATION) - 1
    doc = hand_doc()
    doc["costs"][1]["escalation"] = fixed
    costs = analyse(load_case(doc), trials=0).cashflow.costs
    assert costs[1:].tolist() == pytest.approx([1500.0] * HORIZON, rel=1e-12)


def test_churn_and_referrals_inflate_their_revenue() -> None:
    """A kept or referred customer's arpu is in today's money: the line inflates as a
    whole, so each month's benefit is the uninflated one times (1 + i)^years."""
    doc = runoff_doc()
    doc["continuing_value"], doc["headline_npv"] = "none", "horizon"
    plain = analyse(load_case(doc), trials=0)
    inflated = analyse(load_case({**doc, "inflation_rate": 0.05}), trials=0)
    for before, after in zip(plain.lines, inflated.lines, strict=True):
        expected = [x * 1.05 ** years(t) for t, x in enumerate(before.unadjusted)]
        assert after.unadjusted.tolist() == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_capex_depreciates_its_nominal_cost() -> None:
    """Tax sees nominal flows: a capex line bought in year 2 is depreciated at its
    inflated price. Tax is 25 % of month 14's profit, paid 3 months later."""
    doc = {**tax_doc(), "inflation_rate": 0.04}
    doc["costs"][1]["month"] = 13
    result = analyse(load_case(doc), trials=0)
    assert result.after_tax is not None
    refresh = 2000 * 1.1 * 1.04  # with its 10 % risk, bought in year 2
    depreciation = refresh / 10 + 24000 / 24  # the kit, bought in month 0, is not inflated
    profit = 3000 * 0.9 * 1.04 - 700 * 1.04 - depreciation
    assert result.after_tax.tax_paid[17] == pytest.approx(0.25 * profit, abs=1e-9)


def test_monte_carlo_and_tornado_price_nominal_flows() -> None:
    """The batched pricing (tornado, Monte Carlo) inflates as the base case does."""
    case = load_case(inflation_doc())
    result = analyse(case, trials=300)
    for row in result.tornado:
        key = row.key
        low = dataclasses.replace(
            case,
            assumptions=tuple(
                dataclasses.replace(a, value=a.low) if a.key == key else a for a in case.assumptions
            ),
        )
        assert row.npv_low == pytest.approx(analyse(low, trials=0).metrics.npv, abs=1e-6)
    assert result.monte_carlo is not None


@pytest.mark.parametrize("name", reference_names())
def test_zero_inflation_leaves_every_reference_result_unchanged(name: str) -> None:
    case = load_case_file(reference_case_path(name))
    assert case.inflation_rate == 0.0
    assert "inflation_rate" not in case_to_dict(case)
    doc = copy.deepcopy(case_to_dict(case))
    doc["inflation_rate"] = 0.0
    stated = load_case(doc)
    plain, zero = analyse(case, trials=300), analyse(stated, trials=300)
    assert zero.metrics == plain.metrics
    assert zero.cashflow.net.tolist() == plain.cashflow.net.tolist()
    assert zero.tornado == plain.tornado
    assert zero.monte_carlo == plain.monte_carlo
    # ...and they are the reference's published figures, worked out before inflation.
    expected, got = reference_expected(name), result_to_dict(zero)
    assert_metrics_match(expected["metrics"], got["metrics"])
    assert got["cashflow"]["net"] == pytest.approx(expected["cashflow"]["net"], abs=0.01)


def test_the_rate_round_trips_and_joins_the_discount_rates_review_item() -> None:
    case = load_case(hand_doc())
    assert case_to_dict(case)["inflation_rate"] == INFLATION
    assert load_case(case_to_dict(case)) == case
    items = {i.id: i for i in review_items(case)}
    assert items["discount_rate"].fields == {"discount_rate": RATE, "inflation_rate": INFLATION}
    plain = {i.id: i for i in review_items(load_case(hand_doc(inflation_rate=0)))}
    assert plain["discount_rate"].fields == {"discount_rate": RATE}


@pytest.mark.parametrize("value", [math.nan, math.inf, 1e308, -2, -1, "\x00", "3%", True, [0.1]])
def test_hostile_values_are_refused_naming_the_field(value: Any) -> None:
    with pytest.raises(CaseValidationError) as info:
        load_case(hand_doc(inflation_rate=value))
    assert "inflation_rate" in str(info.value)


def test_a_v1_document_may_not_state_inflation() -> None:
    with pytest.raises(CaseValidationError, match="inflation_rate"):
        load_case(hand_doc(format="cxroi-case/1"))
