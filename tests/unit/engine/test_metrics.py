"""NPV, IRR and payback follow the conventions of case-format.md."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

from cxroi.engine.metrics import irr, npv, payback
from cxroi.engine.timeline import monthly_rate


def test_monthly_rate_compounds_to_the_annual_rate() -> None:
    m = monthly_rate(0.1)
    assert (1 + m) ** 12 == pytest.approx(1.1, rel=1e-15)


def test_npv_does_not_discount_month_0() -> None:
    m = monthly_rate(0.1)
    flows = [-1000.0, 300.0, 400.0, 500.0]
    expected = -1000 + 300 / (1 + m) + 400 / (1 + m) ** 2 + 500 / (1 + m) ** 3
    assert npv(m, flows) == pytest.approx(expected, rel=1e-14)


def test_payback_is_zero_when_never_negative() -> None:
    assert payback(np.array([[0.0, 10.0, 20.0]]))[0] == 0.0


def test_payback_interpolates_within_the_month() -> None:
    # cum: -100, -40, 20 -> crosses a third of the way... (k = 2): 1 + 40 / 60
    assert payback(np.array([[-100.0, -40.0, 20.0]]))[0] == pytest.approx(1 + 40 / 60)


def test_payback_waits_until_cumulative_stays_positive() -> None:
    # Recovers in month 1, dips below zero in month 2, recovers for good in month 3.
    cum = np.array([[-100.0, 50.0, -20.0, 60.0, 80.0]])
    assert payback(cum)[0] == pytest.approx(2 + 20 / 80)


def test_payback_is_null_when_cumulative_ends_negative() -> None:
    assert np.isnan(payback(np.array([[-100.0, 50.0, -1.0]]))[0])


def test_payback_at_exactly_zero_counts_as_paid_back() -> None:
    assert payback(np.array([[-100.0, 0.0, 50.0]]))[0] == pytest.approx(1.0)


def test_payback_is_vectorised_over_rows() -> None:
    rows = np.array([[-10.0, 10.0, 20.0], [-10.0, -5.0, -1.0], [5.0, 6.0, 7.0]])
    result = payback(rows)  # rows of cumulative flows
    assert result[0] == pytest.approx(10 / 20)
    assert np.isnan(result[1])
    assert result[2] == 0.0


def test_irr_annualises_the_monthly_root() -> None:
    flows = [-1000.0] + [100.0] * 12
    monthly = npf.irr(flows)
    value, note = irr(flows)
    assert note is None
    assert value == pytest.approx((1 + monthly) ** 12 - 1, rel=1e-10)


def test_irr_is_null_with_note_none_when_flows_never_change_sign() -> None:
    assert irr([100.0, 50.0, 10.0]) == (None, "none")
    assert irr([0.0, 0.0]) == (None, "none")
    assert irr([-100.0, -5.0]) == (None, "none")


def test_irr_is_null_with_note_multiple_when_two_rates_exist() -> None:
    # -100 + 230x - 132x^2 = 0 has roots x = 10/11 and 10/12: monthly rates 10% and 20%.
    value, note = irr([-100.0, 230.0, -132.0])
    assert (value, note) == (None, "multiple")
    # numpy-financial alone would have answered one of them:
    assert npf.irr([-100.0, 230.0, -132.0]) == pytest.approx(0.1)


def test_irr_ignores_leading_zero_months() -> None:
    with_zeros = irr([0.0, 0.0, -1000.0] + [100.0] * 12)[0]
    without = irr([-1000.0] + [100.0] * 12)[0]
    assert with_zeros == pytest.approx(without, rel=1e-12)


def test_irr_makes_npv_zero() -> None:
    flows = np.array([-5000.0, -1000.0] + [400.0] * 24)
    value, note = irr(flows)
    assert note is None and value is not None
    m = (1 + value) ** (1 / 12) - 1
    assert npv(m, flows) == pytest.approx(0.0, abs=1e-6)
