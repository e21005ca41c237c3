"""The Checks sheet: each check a formula that is 0 when fine, summed into a master check.

Two kinds: the model agrees with itself (lines add up to totals, NPV equals the
sum of discounted flows, the years add up to the months), and the model agrees
with the app at export (each metric within a tolerance). The second kind turns
non-zero once an input is changed, by design: the workbook then no longer shows
the version the app priced.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import Result

from .calculations import CalcRefs
from .layout import CHECKS
from .names import Names
from .styles import (
    BOLD,
    EXACT,
    KEY_FILL,
    TITLE_FONT,
    WRAP,
    header_row,
    pass_fail,
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
FIRST_CHECK_ROW = 8


class _Checks:
    """Appends checks to the sheet, one row each."""

    def __init__(self, ws: Worksheet, calc: CalcRefs) -> None:
        self.ws, self.calc = ws, calc
        self.row = FIRST_CHECK_ROW
        self.tolerance: dict[str, str] = {}
        ws.cell(1, 1, "Checks: each is 0 when fine").font = TITLE_FONT
        ws.cell(2, 1, "Tolerances (inputs)")
        for i, (key, label, value) in enumerate(
            (
                ("money", "Money", MONEY_TOLERANCE),
                ("rate", "Rates and ratios (relative)", RATE_TOLERANCE),
                ("months", "Months", MONTHS_TOLERANCE),
            )
        ):
            ws.cell(3 + i, 1, label)
            put_input(ws.cell(3 + i, 2), value, "0.0E+00")
            self.tolerance[key] = f"$B${3 + i}"
        header_row(ws, 7, ["Check", "Result (0 = fine)", "App value at export", "Workbook value"])

    def add(self, label: str, formula: str) -> None:
        put_text(self.ws.cell(self.row, 1), label).alignment = WRAP
        put_formula(self.ws.cell(self.row, 2), formula, "0")
        self.row += 1

    def total(self, key: str) -> str:
        return f"SUM({self.calc.grid.span(self.calc.rows[key], absolute=True, sheet=True)})"

    def equal_money(self, label: str, left: str, right: str) -> None:
        self.add(label, f"=IF(ABS(({left})-({right}))<={self.tolerance['money']},0,1)")

    def versus_app(self, key: str, value: float | None, tolerance: str) -> None:
        """The named metric equals the app's value at export (text where the app has none)."""
        name, r = self.calc.metrics[key], self.row
        put_formula(self.ws.cell(r, 4), f"={name}", EXACT, link=True)
        if value is None:
            self.ws.cell(r, 3, "none")
            self.add(
                f"{key}: like the app, the workbook shows no number", f"=IF(ISNUMBER({name}),1,0)"
            )
            return
        put_value(self.ws.cell(r, 3), value, EXACT)
        bound = self.tolerance[tolerance]
        if tolerance == "rate":
            bound = f"{bound}*MAX(1,ABS($C${r}))"
        self.add(
            f"{key} agrees with the app at export",
            f"=IF(ISNUMBER({name}),IF(ABS({name}-$C${r})<={bound},0,1),1)",
        )


def write_checks(
    ws: Worksheet, result: Result, calc: CalcRefs, annual_total_row: int, names: Names
) -> str:
    """Write the checks; return the defined name of the master check."""
    checks = _Checks(ws, calc)
    total = checks.total
    for side, lines in (("costs", calc.costs), ("benefits", calc.benefits)):
        line_totals = "+".join(f"Calculations!$C${x.after_risk}" for x in lines) or "0"
        checks.equal_money(f"The {side} lines add up to total {side}", line_totals, total(side))
    checks.equal_money(
        "Net flow = benefits - costs, summed over the months",
        total("net"),
        f"{total('benefits')}-{total('costs')}",
    )
    checks.equal_money(
        "The cumulative net flow ends at the sum of the net flows",
        f"Calculations!${calc.grid.last}${calc.rows['cumulative']}",
        total("net"),
    )
    checks.equal_money(
        "NPV = the sum of the discounted net flows", calc.metrics["npv"], total("discounted")
    )
    checks.equal_money(
        "The annual roll-up adds up to the monthly net flows",
        f"Annual!$F${annual_total_row}",
        total("net"),
    )
    m = result.metrics
    for key in ("npv", "total_costs", "total_benefits", "pv_costs", "pv_benefits"):
        checks.versus_app(key, getattr(m, key), "money")
    for key in ("irr", "roi", "bcr"):
        checks.versus_app(key, getattr(m, key), "rate")
    for key in ("payback_months", "discounted_payback_months"):
        checks.versus_app(key, getattr(m, key), "months")
    r = checks.row + 1
    ws.cell(r, 1, "Master check (sum of all checks)").font = BOLD
    master = put_formula(ws.cell(r, 2), f"=SUM(B{FIRST_CHECK_ROW}:B{checks.row - 1})", "0")
    master.font = BOLD
    master.fill = KEY_FILL
    pass_fail(ws, f"B{FIRST_CHECK_ROW}:B{r}")
    name = names.claim("master_check", prefix="cxroi_")
    names.point(name, CHECKS, f"$B${r}")
    widths(ws, [60, 18, 24, 24])
    print_setup(ws, title_rows="7:7")
    return name
