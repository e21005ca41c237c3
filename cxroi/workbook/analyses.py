"""Scenarios, Sensitivity and Monte Carlo: the engine's analyses, written as values.

Each re-prices the whole case many times (Monte Carlo 10,000 times), which a
workbook cannot do with plain formulas: these sheets show the app's numbers at
export, labelled as such, with a chart each where one helps.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import CaseFile, Metrics, Result

from .distributions import write_distributions
from .inputs import InputRefs
from .styles import (
    MONTHS,
    NUMBER,
    PERCENT,
    RATIO,
    TITLE_FONT,
    VALUE_FONT,
    apply_style,
    header_row,
    heading,
    money,
    print_setup,
    put_text,
    put_value,
    show_axes,
    widths,
)

VALUES_NOTE = "Values computed by the app at export, not formulas: export again after a change."


def _title(ws: Worksheet, title: str) -> None:
    apply_style(ws.cell(1, 1, title), font=TITLE_FONT)
    apply_style(ws.cell(2, 1, VALUES_NOTE), font=VALUE_FONT)


def _metric_cells(ws: Worksheet, r: int, col: int, m: Metrics, cur: str) -> None:
    cells: list[tuple[float | None, str]] = [
        (m.npv, cur),
        (m.irr, PERCENT),
        (m.roi, PERCENT),
        (m.bcr, RATIO),
        (m.payback_months, MONTHS),
        (m.discounted_payback_months, MONTHS),
        (m.pv_costs, cur),
        (m.pv_benefits, cur),
    ]
    for i, (value, fmt) in enumerate(cells):
        if value is None:
            apply_style(ws.cell(r, col + i, "n/a"), font=VALUE_FONT)
        else:
            put_value(ws.cell(r, col + i), value, fmt)


def write_scenarios(ws: Worksheet, case: CaseFile, result: Result) -> None:
    cur = money(case.currency)
    _title(ws, "Scenarios")
    header_row(
        ws,
        4,
        [
            "Scenario",
            "Overrides",
            "NPV",
            "IRR",
            "ROI",
            "Benefit/cost",
            "Payback",
            "Discounted payback",
            "PV costs",
            "PV benefits",
        ],
    )
    ws.cell(5, 1, "Base case")
    ws.cell(5, 2, "(none)")
    _metric_cells(ws, 5, 3, result.metrics, cur)
    for i, s in enumerate(result.scenarios, start=6):
        put_text(ws.cell(i, 1), s.name)
        put_text(ws.cell(i, 2), ", ".join(f"{k} = {v:g}" for k, v in s.overrides.items()))
        _metric_cells(ws, i, 3, s.metrics, cur)
    widths(ws, [28, 40, 18, 12, 12, 12, 14, 14, 18, 18])
    print_setup(ws, title_rows="4:4")


def _label(case: CaseFile, key: str, label: str) -> str:
    """An assumption's label; the one that sets the discount rate says so."""
    return f"{label} (the discount rate)" if key == case.discount_rate_key else label


def write_sensitivity(ws: Worksheet, case: CaseFile, result: Result) -> None:
    cur = money(case.currency)
    _title(ws, "Sensitivity: NPV with each ranged assumption at its low and high")
    header_row(ws, 4, ["Key", "Assumption", "Low", "High", "NPV at low", "NPV at high", "Swing"])
    r = 5
    for t in result.tornado:
        put_text(ws.cell(r, 1), t.key)
        put_text(ws.cell(r, 2), _label(case, t.key, t.label))
        put_value(ws.cell(r, 3), t.low, NUMBER)
        put_value(ws.cell(r, 4), t.high, NUMBER)
        put_value(ws.cell(r, 5), t.npv_low, cur)
        put_value(ws.cell(r, 6), t.npv_high, cur)
        put_value(ws.cell(r, 7), t.swing, cur)
        r += 1
    if not result.tornado:
        ws.cell(r, 1, "(no assumption has both a low and a high)")
        r += 1
    else:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Tornado: NPV at low and high"
        chart.x_axis.title = "Assumption"
        chart.y_axis.title = "NPV"
        show_axes(chart)
        chart.add_data(Reference(ws, min_col=5, max_col=6, min_row=4, max_row=r - 1), True)
        chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=r - 1))
        chart.x_axis.scaling.orientation = "maxMin"
        ws.add_chart(chart, "I4")
    r += 1
    heading(ws, r, "Break-even: the value of each assumption at which NPV is 0")
    header_row(ws, r + 1, ["Key", "Assumption", "Base", "Break-even", "Why none"])
    r += 2
    for b in result.break_even:
        put_text(ws.cell(r, 1), b.key)
        put_text(ws.cell(r, 2), _label(case, b.key, b.label))
        put_value(ws.cell(r, 3), b.base, NUMBER)
        if b.value is not None:
            put_value(ws.cell(r, 4), b.value, NUMBER)
        put_text(ws.cell(r, 5), b.reason)
        r += 1
    widths(ws, [24, 36, 14, 14, 18, 18, 18])
    print_setup(ws, title_rows="4:4")


def write_monte_carlo(
    ws: Worksheet, case: CaseFile, result: Result, inputs: InputRefs | None = None
) -> None:
    cur = money(case.currency)
    shapes = {a.distribution or "triangular" for a in case.assumptions if a.has_range}
    drawn = (
        "drawn from triangular(low, value, high)"
        if shapes <= {"triangular"}
        else "drawn within [low, high] by each one's distribution (table below)"
    )
    _title(ws, f"Monte Carlo: NPV with ranged assumptions {drawn}")
    mc = result.monte_carlo
    if mc is None:
        ws.cell(4, 1, "Not run: no assumption has both a low and a high.")
        widths(ws, [40])
        print_setup(ws)
        return
    facts: list[tuple[str, float | int, str]] = [
        ("Trials", mc.trials, "#,##0"),
        ("Seed", mc.seed, "0"),
        ("Mean NPV", mc.mean, cur),
        ("Standard deviation", mc.std, cur),
        ("P10 NPV", mc.p10, cur),
        ("P50 NPV", mc.p50, cur),
        ("P90 NPV", mc.p90, cur),
        ("Probability NPV > 0", mc.prob_npv_positive, PERCENT),
        ("Probability of paying back within the horizon", mc.prob_payback_within_horizon, PERCENT),
    ]
    r = 4
    for label, value, fmt in facts:
        ws.cell(r, 1, label)
        put_value(ws.cell(r, 2), value, fmt)
        r += 1
    ws.cell(r, 1, "Assumptions sampled")
    put_text(ws.cell(r, 2), ", ".join(mc.sampled))
    r += 2
    heading(ws, r, "Histogram of NPV")
    header_row(ws, r + 1, ["From", "To", "Trials", "Bin (midpoint)"])
    first = r + 2
    edges, counts = mc.histogram_edges, mc.histogram_counts
    for i, count in enumerate(counts):
        row = first + i
        put_value(ws.cell(row, 1), edges[i], cur)
        put_value(ws.cell(row, 2), edges[i + 1], cur)
        put_value(ws.cell(row, 3), count, "#,##0")
        put_value(ws.cell(row, 4), round((edges[i] + edges[i + 1]) / 2), "#,##0")
    last = first + len(counts) - 1
    chart = BarChart()
    chart.type = "col"
    chart.gapWidth = 10
    chart.title = "NPV distribution"
    chart.x_axis.title = "NPV (bin midpoint)"
    chart.y_axis.title = "Trials"
    chart.legend = None
    show_axes(chart)
    chart.add_data(Reference(ws, min_col=3, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=4, min_row=first, max_row=last))
    ws.add_chart(chart, "F4")
    r = last + 2
    if inputs is not None:
        r = write_distributions(ws, case, inputs, r)
        r += 1
    write_correlations(ws, case, r)
    widths(ws, [44, 20, 12, 16])
    print_setup(ws)


def write_correlations(ws: Worksheet, case: CaseFile, r: int) -> int:
    """The case's rank-correlation pairs from row ``r`` (the app drew with them; the
    workbook does not simulate); returns the row after (``r`` when there are none)."""
    if not case.correlations:
        return r
    heading(ws, r, "Rank correlations the app drew with (Iman–Conover; values at export)")
    header_row(ws, r + 1, ["First assumption", "Second assumption", "Rank correlation"])
    r += 2
    for pair in case.correlations:
        put_text(ws.cell(r, 1), pair.a)
        put_text(ws.cell(r, 2), pair.b)
        put_value(ws.cell(r, 3), pair.rho, "0.00")
        r += 1
    return r
