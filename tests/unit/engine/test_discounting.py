"""Issue 13 item 4: dated flows. The case's ``discounting`` convention (month ends, the
default; mid-month; act/365 on calendar dates). Every expected figure comes from a
calculator written here with ``datetime`` and bisection, not from the engine."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from cxroi.engine import CaseValidationError, analyse, case_to_dict, load_case
from cxroi.engine.metrics import xirr, xnpv
from cxroi.engine.review_items import review_items
from cxroi.engine.timeline import flow_dates, year_fractions
from tests.unit.engine.calculator import bisect, calendar_dates
from tests.unit.engine.calculator import factors as hand_factors
from tests.unit.engine.calculator import npv as hand_npv
from tests.unit.engine.calculator import xnpv as xnpv_by_hand
from tests.unit.engine.test_tax import after_tax_flow, payback_by_hand
from tests.unit.workbook.cases import actual_365_doc, mid_month_doc, tax_doc

# Excel's documented XNPV / XIRR example.
EXCEL_DATES = [
    dt.date(2008, 1, 1),
    dt.date(2008, 3, 1),
    dt.date(2008, 10, 30),
    dt.date(2009, 2, 15),
    dt.date(2009, 4, 1),
]
EXCEL_FLOWS = [-10000.0, 2750.0, 4250.0, 3250.0, 2750.0]


def test_excel_xnpv_example_to_the_cent() -> None:
    assert round(xnpv_by_hand(0.09, EXCEL_FLOWS, EXCEL_DATES), 2) == 2086.65
    dates = np.array([d.isoformat() for d in EXCEL_DATES], dtype="datetime64[D]")
    engine = xnpv(0.09, EXCEL_FLOWS, year_fractions(dates))
    assert round(engine, 2) == 2086.65
    assert engine == pytest.approx(xnpv_by_hand(0.09, EXCEL_FLOWS, EXCEL_DATES), abs=1e-9)


def test_excel_xirr_example() -> None:
    mine = bisect(lambda r: xnpv_by_hand(r, EXCEL_FLOWS, EXCEL_DATES), 0.0, 1.0)
    dates = np.array([d.isoformat() for d in EXCEL_DATES], dtype="datetime64[D]")
    rate, note = xirr(EXCEL_FLOWS, year_fractions(dates))
    assert note is None and rate is not None
    assert rate == pytest.approx(mine, abs=1e-12)
    # Excel documents 0.373362535 (its XIRR stops at a 0.000001 % tolerance).
    assert rate == pytest.approx(0.373362535, abs=2e-9)


def test_flow_dates_are_calendar_month_starts_over_a_leap_february() -> None:
    got = [str(d) for d in flow_dates("2027-11", 30)]
    assert got == [d.isoformat() for d in calendar_dates("2027-11", 30)]
    fractions = year_fractions(flow_dates("2027-11", 30))
    # 2027-11-01 -> 2028-03-01: 30 + 31 + 31 + 29 days.
    assert fractions[4] == 121 / 365


@pytest.mark.parametrize("convention", ["end_of_month", "mid_month", "actual_365"])
def test_a_monthly_case_under_each_convention_matches_the_calculator(convention: str) -> None:
    doc = {**tax_doc(), "start_month": "2027-11", "discounting": convention}
    after, paid = after_tax_flow()
    net = [x + p for x, p in zip(after, paid, strict=True)]
    factors = hand_factors(0.08, 30, convention, "2027-11")
    result = analyse(load_case(doc), trials=0)
    m = result.metrics
    assert m.npv == pytest.approx(sum(x * f for x, f in zip(net, factors, strict=True)), abs=1e-6)
    assert result.cashflow.discount_factor.tolist() == pytest.approx(factors, rel=1e-13)
    discounted = [x * f for x, f in zip(net, factors, strict=True)]
    assert m.discounted_payback_months == pytest.approx(payback_by_hand(discounted), abs=1e-9)
    assert m.payback_months == pytest.approx(payback_by_hand(net), abs=1e-9)

    # The IRR: the annual rate whose own factors make the NPV 0.
    def npv_at(annual: float) -> float:
        return hand_npv(net, annual, convention, "2027-11")

    assert m.irr == pytest.approx(bisect(npv_at, 0.0, 10.0), rel=1e-9)
    # After tax, the same convention.
    assert result.after_tax is not None
    a = result.after_tax.metrics
    assert a.npv == pytest.approx(sum(x * f for x, f in zip(after, factors, strict=True)), abs=1e-6)

    def after_at(annual: float) -> float:
        return hand_npv(after, annual, convention, "2027-11")

    assert a.irr == pytest.approx(bisect(after_at, 0.0, 10.0), rel=1e-9)


def test_the_conventions_order_the_npv_as_timing_says() -> None:
    """Mid-month brings each month's flow half a month nearer: a case whose later months
    are net inflows is worth more; act/365 differs from month ends only by the day count."""
    npv = {
        c: analyse(load_case({**tax_doc(), "discounting": c}), trials=0).metrics.npv
        for c in ("end_of_month", "mid_month", "actual_365")
    }
    assert npv["mid_month"] > npv["end_of_month"]
    assert npv["actual_365"] != npv["end_of_month"]
    assert abs(npv["actual_365"] - npv["end_of_month"]) < 0.01 * abs(npv["end_of_month"])


def test_the_default_leaves_every_result_unchanged() -> None:
    """No field, or the default stated, gives the very same numbers as before."""
    plain = analyse(load_case(tax_doc()), trials=500)
    stated = analyse(load_case({**tax_doc(), "discounting": "end_of_month"}), trials=500)
    assert plain.metrics == stated.metrics
    assert plain.monte_carlo == stated.monte_carlo
    assert plain.tornado == stated.tornado
    assert "discounting" not in case_to_dict(load_case(tax_doc()))


def test_monte_carlo_and_tornado_discount_by_the_convention() -> None:
    case = load_case(mid_month_doc())
    result = analyse(case, trials=200)
    (row,) = result.tornado
    low = dataclasses.replace(
        case,
        assumptions=tuple(dataclasses.replace(a, value=a.low) for a in case.assumptions),
    )
    assert row.npv_low == pytest.approx(analyse(low, trials=0).metrics.npv, abs=1e-6)
    assert result.monte_carlo is not None
    # Every trial's kit is within its range, and the kit is paid in month 0 (undiscounted):
    # the mean NPV is the base NPV moved by the mean kit's difference from its mode.
    assert result.monte_carlo.p10 < result.metrics.npv + 6000


def test_several_sign_changes_on_dates_are_several_rates() -> None:
    """-100 now, +10 a month, -141 more in month 24: two rates on the dates."""
    doc = {
        **mid_month_doc(),
        "start_month": "2027-01",
        "horizon_months": 24,
        "discounting": "actual_365",
        "assumptions": [],
        "costs": [
            {"name": "a", "category": "x", "recurrence": "once", "amount": 100},
            {"name": "c", "category": "x", "recurrence": "once", "month": 24, "amount": 141},
        ],
        "benefits": [{"name": "b", "kind": "custom", "amount": 10}],
    }
    for key in ("tax_rate", "tax_lag_months"):
        doc.pop(key)
    dates = calendar_dates("2027-01", 24)
    flows = dict.fromkeys(range(1, 25), 10.0)
    flows[0], flows[24] = -100.0, 10.0 - 141.0

    def npv_at(r: float) -> float:
        return sum(v / (1 + r) ** ((dates[t] - dates[0]).days / 365) for t, v in flows.items())

    # My calculator sees two rates: NPV below 0 at 0 %, above at 12 %, below at 200 %.
    assert npv_at(0.0) < 0 < npv_at(0.12) and npv_at(2.0) < 0
    case = load_case(doc)
    result = analyse(case, trials=0)
    assert result.metrics.irr is None and result.metrics.irr_note == "multiple"


def test_a_review_item_names_the_convention_only_when_not_the_default() -> None:
    items = {i.id: i for i in review_items(load_case(tax_doc()))}
    assert items["discount_rate"].fields == {"discount_rate": 0.08}
    dated = {i.id: i for i in review_items(load_case(actual_365_doc()))}
    assert dated["discount_rate"].fields == {"discount_rate": 0.08, "discounting": "actual_365"}


def test_the_convention_round_trips_and_a_wrong_one_is_refused_by_name() -> None:
    case = load_case(actual_365_doc())
    assert case_to_dict(case)["discounting"] == "actual_365"
    assert load_case(case_to_dict(case)) == case
    with pytest.raises(CaseValidationError, match="discounting"):
        load_case({**tax_doc(), "discounting": "mid_year"})
    with pytest.raises(CaseValidationError, match="discounting"):
        load_case(
            {**tax_doc(), "format": "cxroi-case/1", "tax_rate": None, "discounting": "mid_month"}
        )
