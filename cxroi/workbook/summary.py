"""The Summary sheet (headline metrics as formulas, the chart, the master check) and Annual."""

from __future__ import annotations

import calendar

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import CaseFile, Result
from cxroi.engine.timeline import fiscal_shift

from .calculations import CalcRefs
from .checks import CheckNames
from .inputs import InputRefs
from .layout import CALCULATIONS, FIRST_MONTH_COL, MONTH_ROW, YEAR_ROW
from .model import WorkbookVersion
from .styles import (
    BOLD,
    KEY_FILL,
    MONTHS,
    PERCENT,
    RATIO,
    TITLE_FONT,
    WRAP,
    apply_style,
    header_row,
    heading,
    money,
    pass_fail,
    print_setup,
    put_formula,
    put_text,
    put_value,
    show_axes,
    widths,
)

DIFFERS = "metrics moved: inputs changed since export"

HEADLINES = (
    ("npv", "NPV", "money"),
    ("irr", "IRR (a year)", PERCENT),
    ("mirr", "MIRR (a year)", PERCENT),
    ("roi", "ROI", PERCENT),
    ("bcr", "Benefit/cost ratio", RATIO),
    ("payback_months", "Payback", MONTHS),
    ("discounted_payback_months", "Discounted payback", MONTHS),
    ("total_costs", "Total costs", "money"),
    ("total_benefits", "Total benefits", "money"),
    ("pv_costs", "PV of costs", "money"),
    ("pv_benefits", "PV of benefits", "money"),
)

#: Shown below the headlines when the case has them (a continuing value, a tax rate):
#: (defined name, label, format, the unadjusted figure in the result or None).
BESIDE = (
    ("headline_npv", "Headline NPV (the case's choice)", "money", None),
    ("continuing_value", "Continuing value, PV", "money", "pv_unadjusted"),
    (
        "npv_with_continuing_value",
        "NPV with continuing value",
        "money",
        "npv_with_continuing_value_unadjusted",
    ),
    ("npv_after_tax", "NPV after tax", "money", None),
    ("irr_after_tax", "IRR after tax (a year)", PERCENT, None),
    ("payback_months_after_tax", "Payback after tax", MONTHS, None),
)


def write_summary(
    ws: Worksheet,
    case: CaseFile,
    result: Result,
    inputs: InputRefs,
    calc: CalcRefs,
    checks: CheckNames,
    version: WorkbookVersion | None,
) -> None:
    cur = money(case.currency)
    apply_style(put_text(ws.cell(1, 1), case.title), font=TITLE_FONT)
    apply_style(put_text(ws.cell(2, 1), case.description), alignment=WRAP)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    ws.row_dimensions[2].height = 45
    facts: list[tuple[str, str | None]] = [
        ("Currency", case.currency),
        ("Start month (month 1)", case.start_month),
        ("Horizon", f"{case.horizon_months} months"),
    ]
    if version is not None:
        facts += [
            ("Status", version.status),
            ("Version", None if version.number is None else str(version.number)),
            ("Case hash (SHA-256)", version.case_hash),
            ("Frozen at", version.frozen_at),
        ]
    r = 4
    apply_style(ws.cell(r, 1, "Discount rate (a year)"), font=BOLD)
    put_formula(ws.cell(r, 2), f"={inputs.discount_rate}", PERCENT, link=True)
    r += 1
    for label, value in facts:
        apply_style(ws.cell(r, 1, label), font=BOLD)
        put_text(ws.cell(r, 2), value)
        r += 1
    r += 1
    heading(ws, r, "Headline metrics")
    header_row(ws, r + 1, ["Metric", "Risk-adjusted (formula)", "Unadjusted (app, at export)"])
    r += 2
    for key, label, fmt in HEADLINES:
        number_format = cur if fmt == "money" else fmt
        ws.cell(r, 1, label)
        cell = put_formula(ws.cell(r, 2), f"={calc.metrics[key]}", number_format, link=True)
        apply_style(cell, fill=KEY_FILL)
        raw = getattr(result.unadjusted, key)
        if raw is None:
            ws.cell(r, 3, "n/a" if key != "irr" else "no unique IRR")
        else:
            put_value(ws.cell(r, 3), raw, number_format)
        r += 1
    cv = result.continuing_value
    for key, label, fmt, unadjusted in BESIDE:
        if key not in calc.metrics:
            continue
        number_format = cur if fmt == "money" else fmt
        ws.cell(r, 1, label)
        put_formula(ws.cell(r, 2), f"={calc.metrics[key]}", number_format, link=True)
        if unadjusted is not None and cv is not None:
            put_value(ws.cell(r, 3), getattr(cv, unadjusted), number_format)
        elif key == "headline_npv" and cv is not None:
            leads = "with continuing value" if key in cv.headline else "within the horizon"
            ws.cell(r, 3, f"the case leads with NPV {leads}")
        else:
            ws.cell(r, 3, "n/a: risk-adjusted only")
        r += 1
    ws.cell(r, 1, "IRR: the only rate? (live check)")
    unique = calc.metrics["irr_unique"]
    put_formula(
        ws.cell(r, 2),
        f'=IF({unique}=1,"yes: one sign change","not proved: see Calculations")',
        "@",
        link=True,
    )
    put_formula(ws.cell(r, 3), f"={calc.metrics['irr_caution']}", "@", link=True)
    r += 2
    master = checks.master
    apply_style(ws.cell(r, 1, "Master check (0 = all pass)"), font=BOLD)
    check = put_formula(ws.cell(r, 2), f"={master}", "0", link=True)
    apply_style(check, fill=KEY_FILL)
    pass_fail(ws, check.coordinate)
    ws.cell(r, 3, f'=IF({master}=0,"all checks pass","see the Checks sheet")')
    r += 1
    ws.cell(r, 1, "Differs from the app at export (information)")
    put_formula(ws.cell(r, 2), f"={checks.differs}", "0", link=True)
    ws.cell(
        r,
        3,
        f'=IF({checks.differs}=0,"as exported","{DIFFERS}")',
    )
    r += 2
    heading(ws, r, "Payback points (marked on the chart)")
    header_row(ws, r + 1, ["Point", "Month", "Cumulative"])
    points = []
    for i, (key, label) in enumerate(
        (("payback_months", "Payback"), ("discounted_payback_months", "Discounted payback"))
    ):
        row = r + 2 + i
        ws.cell(row, 1, label)
        name = calc.metrics[key]
        put_formula(ws.cell(row, 2), f'=IF(ISNUMBER({name}),{name},"never")', MONTHS, link=True)
        apply_style(ws.cell(row, 3, 0), number_format=cur)
        points.append(row)
    _chart(ws, calc, points, r + 5)
    widths(ws, [34, 26, 26, 14, 14, 14])
    # The Summary prints on one page, the chart with it (anchored below the table).
    print_setup(ws, one_page=True)


def _chart(ws: Worksheet, calc: CalcRefs, points: list[int], anchor_row: int) -> None:
    """Cumulative and cumulative discounted flow by month, with the payback points marked.

    A scatter chart with lines, so the payback points sit at their fractional month;
    a point whose month is text ("never") is simply not drawn.
    """
    source = ws.parent[CALCULATIONS]
    last_col = FIRST_MONTH_COL + calc.grid.horizon
    chart = ScatterChart()
    chart.title = "Cumulative cash flow (risk-adjusted)"
    chart.y_axis.title = "Cumulative"
    chart.x_axis.title = "Month"
    chart.x_axis.scaling.min = 0
    chart.x_axis.scaling.max = calc.grid.horizon
    show_axes(chart)
    months = Reference(source, min_col=FIRST_MONTH_COL, max_col=last_col, min_row=MONTH_ROW)
    for key, title in (
        ("cumulative", "Cumulative net"),
        ("cumulative_discounted", "Cumulative discounted"),
    ):
        row = calc.rows[key]
        values = Reference(source, min_col=FIRST_MONTH_COL, max_col=last_col, min_row=row)
        series = Series(values, months, title=title)
        series.smooth = False
        series.marker.symbol = "none"
        chart.series.append(series)
    for row, title in zip(points, ("Payback", "Discounted payback"), strict=True):
        point = Series(
            Reference(ws, min_col=3, min_row=row),
            Reference(ws, min_col=2, min_row=row),
            title=title,
        )
        point.marker.symbol = "diamond"
        point.marker.size = 9
        point.graphicalProperties.line.noFill = True
        chart.series.append(point)
    ws.add_chart(chart, f"A{anchor_row}")


def annual_convention(case: CaseFile) -> str:
    """How the Annual sheet's years are cut, in words."""
    if fiscal_shift(case.start_month, case.fiscal_year_start) == 0:
        return "Year 0 is month 0; year y covers months 12(y - 1) + 1 to 12y."
    month = calendar.month_name[case.fiscal_year_start or 1]
    return (
        f"Year 0 is month 0; then fiscal years starting in {month}: year 1 is the part of "
        "the first fiscal year the case covers (shorter than 12 months)."
    )


def write_annual(ws: Worksheet, case: CaseFile, result: Result, calc: CalcRefs) -> dict[str, int]:
    """Year roll-up by SUMIF over the Calculations year row; returns the totals row."""
    cur = money(case.currency)
    g = calc.grid
    apply_style(ws.cell(1, 1, f"Annual roll-up ({case.currency})"), font=TITLE_FONT)
    ws.cell(2, 1, annual_convention(case))
    columns = ["Year", "First month", "Last month", "Costs", "Benefits", "Net", "Discounted net"]
    header_row(ws, 4, [*columns, "Cumulative net", "Cumulative discounted"])
    years = g.span(YEAR_ROW, absolute=True, sheet=True)
    sources = ("costs", "benefits", "net", "discounted")
    first = 5
    for i, row in enumerate(result.annual):
        r = first + i
        ws.cell(r, 1, row.year)
        ws.cell(r, 2, row.first_month)
        ws.cell(r, 3, row.last_month)
        for j, key in enumerate(sources):
            src = g.span(calc.rows[key], absolute=True, sheet=True)
            put_formula(ws.cell(r, 4 + j), f"=SUMIF({years},$A{r},{src})", cur)
        put_formula(ws.cell(r, 8), f"=SUM($F${first}:F{r})", cur)
        put_formula(ws.cell(r, 9), f"=SUM($G${first}:G{r})", cur)
    last = first + len(result.annual) - 1
    total = last + 1
    apply_style(ws.cell(total, 1, "Total"), font=BOLD)
    for j in range(len(sources)):
        col = ws.cell(total, 4 + j).column_letter
        apply_style(
            put_formula(ws.cell(total, 4 + j), f"=SUM({col}{first}:{col}{last})", cur), font=BOLD
        )
    widths(ws, [8, 12, 12, 18, 18, 18, 18, 18, 20])
    ws.freeze_panes = "B5"
    print_setup(ws, title_rows="4:4")
    return {"first": first, "last": last, "total": total}
