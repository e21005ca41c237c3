"""The Checks sheet (each check 0 when fine, summed into a master check), Notes and Audit."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import CaseFile, Result

from .calculations import CalcRefs
from .layout import CHECKS
from .model import AuditRow
from .names import Names
from .styles import (
    BOLD,
    EXACT,
    KEY_FILL,
    TITLE_FONT,
    WRAP,
    header_row,
    print_setup,
    put_formula,
    put_input,
    put_text,
    put_value,
    widths,
)

MONEY_TOLERANCE = 0.01
RATE_TOLERANCE = 1e-9
MONTHS_TOLERANCE = 1e-6


def write_checks(
    ws: Worksheet,
    case: CaseFile,
    result: Result,
    calc: CalcRefs,
    annual_rows: dict[str, int],
    names: Names,
) -> str:
    """Write the checks; return the defined name of the master check."""
    g, rows = calc.grid, calc.rows
    ws.cell(1, 1, "Checks: each is 0 when fine").font = TITLE_FONT
    ws.cell(2, 1, "Tolerances")
    tolerances = {}
    for i, (label, value) in enumerate(
        (
            ("Money", MONEY_TOLERANCE),
            ("Rates (relative)", RATE_TOLERANCE),
            ("Months", MONTHS_TOLERANCE),
        )
    ):
        ws.cell(3 + i, 1, label)
        put_input(ws.cell(3 + i, 2), value, "0.0E+00")
        tolerances[label.split()[0].lower()] = f"$B${3 + i}"
    tol_money, tol_rate, tol_months = tolerances["money"], tolerances["rates"], tolerances["months"]
    header_row(ws, 7, ["Check", "Result (0 = fine)", "App value at export", "Workbook value"])
    r = 8
    check_cells: list[str] = []

    def check(label: str, formula: str) -> None:
        nonlocal r
        put_text(ws.cell(r, 1), label).alignment = WRAP
        put_formula(ws.cell(r, 2), formula, "0")
        check_cells.append(f"B{r}")
        r += 1

    def sums(key: str) -> str:
        return f"SUM({g.span(rows[key], absolute=True, sheet=True)})"

    def line_totals(line_rows: list[int]) -> str:
        cells = [f"Calculations!$C${row}" for row in line_rows]
        return "+".join(cells) if cells else "0"

    for side, lines in (("costs", calc.costs), ("benefits", calc.benefits)):
        check(
            f"The {side} lines add up to total {side}",
            f"=IF(ABS(({line_totals([x.after_risk for x in lines])})-{sums(side)})"
            f"<={tol_money},0,1)",
        )
    check(
        "Net flow = benefits - costs, summed over the months",
        f"=IF(ABS({sums('net')}-({sums('benefits')}-{sums('costs')}))<={tol_money},0,1)",
    )
    cum_end = f"Calculations!${g.last}${rows['cumulative']}"
    check(
        "The cumulative net flow ends at the sum of net flows",
        f"=IF(ABS({cum_end}-{sums('net')})<={tol_money},0,1)",
    )
    check(
        "NPV = sum of the discounted net flows",
        f"=IF(ABS({calc.metrics['npv']}-{sums('discounted')})<={tol_money},0,1)",
    )
    annual_total = annual_rows["total"]
    check(
        "The annual roll-up adds up to the monthly net flow",
        f"=IF(ABS(Annual!$F${annual_total}-{sums('net')})<={tol_money},0,1)",
    )
    m = result.metrics
    money_metrics = ("npv", "total_costs", "total_benefits", "pv_costs", "pv_benefits")
    for key in money_metrics:
        _versus_app(ws, r, key, getattr(m, key), calc, tol_money, check, absolute=True)
    for key, tolerance in (
        ("irr", tol_rate),
        ("roi", tol_rate),
        ("bcr", tol_rate),
        ("payback_months", tol_months),
        ("discounted_payback_months", tol_months),
    ):
        value = getattr(m, key)
        if value is not None:
            absolute = key.endswith("months")
            _versus_app(ws, r, key, value, calc, tolerance, check, absolute=absolute)
        else:
            name = calc.metrics[key]
            ws.cell(r, 3, "none")
            check(
                f"{key}: like the app, the workbook shows text (no value)",
                f"=IF(ISNUMBER({name}),1,0)",
            )
    r += 1
    ws.cell(r, 1, "Master check (sum of all checks)").font = BOLD
    master = put_formula(ws.cell(r, 2), f"=SUM({check_cells[0]}:{check_cells[-1]})", "0")
    master.font = BOLD
    master.fill = KEY_FILL
    name = names.claim("master_check", prefix="cxroi_")
    names.point(name, CHECKS, f"$B${r}")
    widths(ws, [60, 18, 24, 24])
    print_setup(ws, title_rows="7:7")
    return name


def _versus_app(
    ws: Worksheet,
    r: int,
    key: str,
    value: float,
    calc: CalcRefs,
    tolerance: str,
    check: object,
    *,
    absolute: bool,
) -> None:
    name = calc.metrics[key]
    put_value(ws.cell(r, 3), value, EXACT)
    put_formula(ws.cell(r, 4), f"={name}", EXACT, link=True)
    bound = tolerance if absolute else f"{tolerance}*MAX(1,ABS($C${r}))"
    formula = f"=IF(ISNUMBER({name}),IF(ABS({name}-$C${r})<={bound},0,1),1)"
    check(f"{key} agrees with the app at export", formula)  # type: ignore[operator]


NOTES = (
    (
        "Timeline",
        "Month 0 is the start of the case: up-front payments, not discounted. "
        "Months 1 to H are cash flows at the end of each month.",
    ),
    ("Monthly rate", "m = (1 + annual discount rate)^(1/12) - 1 (Inputs, name monthly_rate)."),
    (
        "NPV",
        "NPV = CF0 + NPV(m, CF1:CFH): Excel's NPV discounts its first value by one "
        "period, so month 0 is added undiscounted.",
    ),
    ("PV of costs and benefits", "The same discounting applied to each side."),
    (
        "ROI and benefit/cost",
        "ROI = (PV benefits - PV costs) / PV costs; BCR = PV benefits / "
        "PV costs; not defined when PV costs is 0.",
    ),
    (
        "IRR",
        "The monthly rate i at which the NPV of the net flows is 0, annualised as "
        "(1 + i)^12 - 1. Where the app finds no rate or several, the workbook shows text.",
    ),
    (
        "Payback",
        "Let cum_t be the cumulative net flow. Never when cum_H < 0. Otherwise k is "
        "the first month from which cum stays >= 0 through month H; k = 0 gives 0, else "
        "payback = (k - 1) + (-cum_(k-1)) / (cum_k - cum_(k-1)) months. Discounted payback "
        "is the same on the cumulative discounted flow.",
    ),
    (
        "Escalation and growth",
        "Step up on each anniversary: (1 + rate)^INT((t - 1) / 12) for t >= 1, and 1 in month 0.",
    ),
    (
        "Ramp",
        "0 before ramp_start, then min(1, (t - ramp_start + 1) / ramp_months); 1 from "
        "ramp_start when ramp_months <= 1.",
    ),
    (
        "Churn cohort",
        "c = 1 - (1 - annual churn)^(1/12). Customers without the initiative: "
        "A_t = A_(t-1) x (1 - c) + new; with it: A_t = A_(t-1) x (1 - c x (1 - ramp x "
        "reduction)) + new. The benefit is the difference x revenue x margin.",
    ),
    (
        "Risk",
        "A cost line is multiplied by (1 + risk), a benefit line by (1 - risk). The "
        "headline figures are risk-adjusted.",
    ),
    (
        "Colours",
        "Blue on yellow: inputs (unlocked). Black: formulas. Green: links to "
        "another sheet. Grey italic: values computed by the app at export.",
    ),
    (
        "Analyses",
        "Scenarios, Sensitivity and Monte Carlo re-price the whole case many "
        "times; they are the app's values at export.",
    ),
)


def write_notes(ws: Worksheet) -> None:
    ws.cell(1, 1, "Notes: the conventions of this model").font = TITLE_FONT
    for i, (topic, text) in enumerate(NOTES, start=3):
        ws.cell(i, 1, topic).font = BOLD
        ws.cell(i, 2, text).alignment = WRAP
    widths(ws, [26, 110])
    print_setup(ws)


def write_audit(ws: Worksheet, audit: Sequence[AuditRow]) -> None:
    ws.cell(1, 1, "Audit trail").font = TITLE_FONT
    header_row(ws, 3, ["When", "Who", "What", "Old value", "New value"])
    for i, row in enumerate(audit, start=4):
        for col, value in enumerate((row.when, row.who, row.what, row.old, row.new), start=1):
            put_text(ws.cell(i, col), value).alignment = WRAP
    widths(ws, [20, 24, 40, 30, 30])
    ws.freeze_panes = "A4"
    print_setup(ws, title_rows="3:3")
