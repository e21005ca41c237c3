"""Proof (a): the workbook, recalculated by the ``formulas`` package, gives the engine's numbers.

Every reference case (and a few synthetic ones: no unique IRR, no costs, a wide
case with every line kind) is exported, evaluated once per case, and compared with
the engine's result: money to 0.01, rates 1e-9 relative, payback 1e-6 months.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .cases import Evaluation, all_case_names, find_row
from .recalc import (
    assert_distributions_recalculated,
    assert_metric_matches,
    assert_recalculated,
    assert_scope_recalculated,
)

__all__ = ["assert_metric_matches"]

pytestmark = pytest.mark.slow
AFTER_RISK = ("Cost after risk", "Benefit after risk")


@pytest.fixture(params=all_case_names())
def evaluated(request: pytest.FixtureRequest, evaluate: Callable[[str], Evaluation]) -> Evaluation:
    return evaluate(request.param)


def test_every_metric_name_recalculates_to_the_engine_value(
    evaluated: Evaluation,
) -> None:
    model, result, _wb = evaluated
    assert_recalculated(model.name, result.metrics)


def test_the_continuing_value_and_after_tax_metrics_recalculate_to_the_engine(
    evaluated: Evaluation,
) -> None:
    model, result, wb = evaluated
    if result.continuing_value is None:
        assert "npv_with_continuing_value" not in wb.defined_names
    if result.after_tax is None:
        assert "npv_after_tax" not in wb.defined_names
    assert_scope_recalculated(model.name, result)
    if result.after_tax is not None:
        row = find_row(wb["Calculations"], "Tax paid (due lag months earlier)")
        paid = result.after_tax.tax_paid
        got = [model.cell("Calculations", f"{_col(m)}{row}") for m in range(len(paid))]
        assert got == pytest.approx(list(paid), abs=0.01)


def test_the_summary_shows_the_continuing_value_and_after_tax_figures_live(
    evaluated: Evaluation,
) -> None:
    """The Summary sheet's rows beside the headlines are live links to the named cells:
    a finance partner reading only the Summary sees the NPV the case leads with."""
    from cxroi.workbook.summary import BESIDE

    model, result, wb = evaluated
    shown = {
        key: find_row(wb["Summary"], label)
        for key, label, _fmt, _raw in BESIDE
        if key in wb.defined_names
    }
    expected = set()
    if result.continuing_value is not None:
        expected |= {"headline_npv", "continuing_value", "npv_with_continuing_value"}
    if result.after_tax is not None:
        expected |= {"npv_after_tax", "irr_after_tax", "payback_months_after_tax"}
    assert set(shown) == expected
    for key, row in shown.items():
        assert wb["Summary"][f"B{row}"].value == f"={key}"
        got, want = model.cell("Summary", f"B{row}"), model.name(key)
        assert got == want or got == pytest.approx(want, rel=1e-12), key
    if result.continuing_value is not None:
        lead = model.cell("Summary", f"B{shown['headline_npv']}")
        assert lead == pytest.approx(result.continuing_value.headline_npv, abs=0.01)


def test_every_monthly_net_flow_equals_the_engine(
    evaluated: Evaluation,
) -> None:
    model, result, wb = evaluated
    row = find_row(wb["Calculations"], "Net cash flow")
    got = [model.cell("Calculations", f"{_col(m)}{row}") for m in range(len(result.cashflow.net))]
    assert got == pytest.approx(list(result.cashflow.net), abs=0.01)


def test_each_line_after_risk_equals_the_engine_series(
    evaluated: Evaluation,
) -> None:
    model, result, wb = evaluated
    ws = wb["Calculations"]
    rows = [
        c.row
        for (c,) in ws.iter_rows(min_col=1, max_col=1)
        if isinstance(c.value, str)
        and c.value.startswith(("Cost after risk", "Benefit after risk"))
    ]
    assert len(rows) == len(result.lines)
    for row, line in zip(rows, result.lines, strict=True):
        got = [model.cell("Calculations", f"{_col(m)}{row}") for m in range(len(line.adjusted))]
        assert got == pytest.approx(list(line.adjusted), abs=0.01), line.name


def test_master_check_is_zero_and_no_cell_holds_an_error(
    evaluated: Evaluation,
) -> None:
    model, _result, _wb = evaluated
    assert model.name("master_check") == 0
    assert model.errors() == []


def test_annual_roll_up_equals_the_engine_years(
    evaluated: Evaluation,
) -> None:
    model, result, _wb = evaluated
    for i, year in enumerate(result.annual):
        r = 5 + i
        assert model.cell("Annual", f"F{r}") == pytest.approx(year.net, abs=0.01)
        assert model.cell("Annual", f"H{r}") == pytest.approx(year.cumulative, abs=0.01)
        assert model.cell("Annual", f"I{r}") == pytest.approx(year.cumulative_discounted, abs=0.01)


def _col(month: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(5 + month)


def test_each_distribution_s_mean_and_sd_recalculate_to_the_closed_form(
    evaluate: Callable[[str], Evaluation],
) -> None:
    from .cases import case_named

    model, _result, wb = evaluate("distributions")
    ws = wb["Monte Carlo"]
    assert_distributions_recalculated(
        ws, lambda ref: model.cell("Monte Carlo", ref), case_named("distributions")
    )
