"""MIRR with finance and reinvestment rates (issue 13 item 7), against this file's calculator.

Convention (case-format.md): Excel's MIRR on the monthly flows of months 0..H
(negatives discounted to month 0 at the finance rate, positives compounded to month
H at the reinvestment rate), annualised like the IRR: (1 + monthly)^12 - 1. The
case's rates are annual, compounded to monthly ones like the discount rate.
"""

from __future__ import annotations

import json
import random

import numpy_financial as npf
import pytest

from cxroi.engine import CaseValidationError, analyse, canonical_json, load_case
from cxroi.engine.metrics import mirr
from tests.support import reference_case_path, reference_names


def reference_mirr(flows: list[float], finance: float, reinvest: float) -> float | None:
    """MIRR by its definition, one month at a time (monthly rates in, annual out)."""
    n = len(flows) - 1
    pv_out = 0.0
    fv_in = 0.0
    for t, value in enumerate(flows):
        if value < 0:
            pv_out += value / (1 + finance) ** t
        elif value > 0:
            fv_in += value * (1 + reinvest) ** (n - t)
    if n < 1 or pv_out == 0 or fv_in == 0:
        return None
    monthly = (fv_in / -pv_out) ** (1 / n) - 1
    return (1 + monthly) ** 12 - 1


def _monthly(annual: float) -> float:
    return (1 + annual) ** (1 / 12) - 1


def test_excel_s_documented_example() -> None:
    # Excel's MIRR help: -120,000 then 39,000, 30,000, 21,000, 37,000, 46,000 at a
    # 10 % finance and 12 % reinvestment rate give 12.61 % a period.
    flows = [-120000.0, 39000.0, 30000.0, 21000.0, 37000.0, 46000.0]
    annual = mirr(flows, 0.10, 0.12)
    assert annual is not None
    assert (1 + annual) ** (1 / 12) - 1 == pytest.approx(0.126094130, abs=1e-9)


def test_random_flows_agree_with_the_calculator_and_numpy_financial() -> None:
    rng = random.Random(7)
    for _ in range(200):
        flows = [rng.uniform(-1000, 1000) for _ in range(rng.randint(2, 40))]
        finance, reinvest = rng.uniform(0, 0.02), rng.uniform(0, 0.02)
        expected = reference_mirr(flows, finance, reinvest)
        got = mirr(flows, finance, reinvest)
        if expected is None:
            assert got is None
            continue
        assert got == pytest.approx(expected, rel=1e-12)
        monthly = float(npf.mirr(flows, finance, reinvest))  # same convention, a period
        assert got == pytest.approx((1 + monthly) ** 12 - 1, rel=1e-12)


def test_no_negative_or_no_positive_flow_has_no_mirr() -> None:
    assert mirr([100.0, 10.0], 0.01, 0.01) is None
    assert mirr([-100.0, -10.0], 0.01, 0.01) is None
    assert mirr([-100.0], 0.01, 0.01) is None


def _doc(name: str) -> dict[str, object]:
    doc: dict[str, object] = json.loads(reference_case_path(name).read_text())
    return doc


@pytest.mark.parametrize("name", reference_names())
def test_a_case_s_mirr_defaults_to_the_discount_rate(name: str) -> None:
    case = load_case(_doc(name))
    result = analyse(case, trials=0)
    m = _monthly(case.discount_rate)
    expected = reference_mirr(list(result.cashflow.net), m, m)
    assert expected is not None
    assert result.metrics.mirr == pytest.approx(expected, rel=1e-12)


def test_a_case_s_own_rates_move_its_mirr_and_nothing_else() -> None:
    name = reference_names()[0]
    base = load_case(_doc(name))
    doc = _doc(name) | {"mirr_finance_rate": 0.06, "mirr_reinvestment_rate": 0.03}
    case = load_case(doc)
    before, after = analyse(base, trials=0), analyse(case, trials=0)
    net = list(after.cashflow.net)
    assert after.metrics.mirr == pytest.approx(
        reference_mirr(net, _monthly(0.06), _monthly(0.03)), rel=1e-12
    )
    assert after.metrics.npv == before.metrics.npv and after.metrics.irr == before.metrics.irr
    assert after.metrics.mirr != before.metrics.mirr
    # Absent rates stay absent from the canonical form: today's case hashes hold.
    assert "mirr" not in canonical_json(base)
    assert '"mirr_finance_rate":0.06' in canonical_json(case)


def test_a_rate_at_or_below_minus_one_is_refused_naming_the_field() -> None:
    doc = _doc(reference_names()[0]) | {"mirr_reinvestment_rate": -1}
    with pytest.raises(CaseValidationError) as caught:
        load_case(doc)
    assert [i.path for i in caught.value.issues] == ["mirr_reinvestment_rate"]
