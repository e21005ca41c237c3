"""The Checks sheet: each check a formula that is 0 when fine.

Two kinds, kept apart. The master check sums only the model's integrity (lines add
up to totals, NPV equals the sum of discounted flows, the years add up to the
months), so it stays 0 after any what-if. Below it, for information, each metric
is compared with the app's value at export: those turn non-zero once an input is
changed, by design, and are counted in a separate cell that no check includes.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import Result
from cxroi.engine.metrics import IRR_CAUTION_RATE

from .calculations import CalcRefs
from .layout import CHECKS, IRR_CAUTION_ROW
from .names import Names
from .styles import (
    BOLD,
    EXACT,
    KEY_FILL,
    PERCENT,
    TITLE_FONT,
    VALUE_FONT,
    WRAP,
    apply_style,
    header_row,
    heading,
    pass_fail,
    print_setup,
    put_formula,
    put_input,
    put_text,
    put_value,
    widths,
)

MONEY_TOLERANCE = 0.01
IRR_CAUTION_ABOVE = IRR_CAUTION_RATE
RATE_TOLERANCE = 1e-9
MONTHS_TOLERANCE = 1e-6
FIRST_CHECK_ROW = 8


class _Checks:
    """Appends checks to the sheet, one row each."""

    def __init__(self, ws: Worksheet, calc: CalcRefs) -> None:
        self.ws, self.calc = ws, calc
        self.row = FIRST_CHECK_ROW
        self.tolerance: dict[str, str] = {}
        apply_style(ws.cell(1, 1, "Checks: each is 0 when fine"), font=TITLE_FONT)
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
        ws.cell(IRR_CAUTION_ROW, 1, "IRR caution above (a year)")
        put_input(ws.cell(IRR_CAUTION_ROW, 2), IRR_CAUTION_ABOVE, PERCENT)
        header_row(ws, 7, ["Check", "Result (0 = fine)", "App value at export", "Workbook value"])

    def add(self, label: str, formula: str) -> None:
        """One check row: ``formula`` is 0 when fine."""
        apply_style(put_text(self.ws.cell(self.row, 1), label), alignment=WRAP)
        put_formula(self.ws.cell(self.row, 2), formula, "0")
        self.row += 1

    def total(self, key: str) -> str:
        return f"SUM({self.calc.grid.span(self.calc.rows[key], absolute=True, sheet=True)})"

    def equal_money(self, label: str, left: str, right: str) -> None:
        self.add(label, f"=IF(ABS(({left})-({right}))<={self.tolerance['money']},0,1)")

    def versus_app(self, key: str, value: float | None, tolerance: str) -> None:
        """For information: 1 when the named metric differs from the app's value at export."""
        name, r = self.calc.metrics[key], self.row
        put_formula(self.ws.cell(r, 4), f"={name}", EXACT, link=True)
        if value is None:
            self.ws.cell(r, 3, "none")
            if key in ("irr", "irr_after_tax"):
                # The app found no unique rate; the workbook differs once it proves one.
                unique = self.calc.metrics[f"{key}_unique"]
                self.add(f"{key}: like the app, no unique rate is proved", f"=IF({unique}=1,1,0)")
                return
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


@dataclass(frozen=True)
class CheckNames:
    """The defined names of the master check and of the count of differences from the app."""

    master: str
    differs: str


def write_checks(
    ws: Worksheet, result: Result, calc: CalcRefs, annual_total_row: int, names: Names
) -> CheckNames:
    """Write the checks; return the names of the master check and of the differences."""
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
    if "net_after_tax" in calc.rows:
        span = calc.grid.span
        net_after_tax = span(calc.rows["net_after_tax"], absolute=True, sheet=True)
        factors = span(calc.rows["discount_factor"], absolute=True, sheet=True)
        checks.equal_money(
            "Net flow after tax = net flow - tax paid, summed over the months",
            total("net_after_tax"),
            f"{total('net')}-{total('tax_paid')}",
        )
        checks.equal_money(
            "NPV after tax = the sum of the discounted after-tax flows",
            calc.metrics["npv_after_tax"],
            f"SUMPRODUCT({net_after_tax},{factors})",
        )
    r = checks.row + 1
    apply_style(ws.cell(r, 1, "Master check (sum of the integrity checks above)"), font=BOLD)
    master = put_formula(ws.cell(r, 2), f"=SUM(B{FIRST_CHECK_ROW}:B{checks.row - 1})", "0")
    apply_style(master, font=BOLD, fill=KEY_FILL)
    pass_fail(ws, f"B{FIRST_CHECK_ROW}:B{r}")
    name = names.claim("master_check", prefix="cxroi_")
    names.point(name, CHECKS, f"$B${r}")

    # For information only: the app's values at export. Not in the master check.
    checks.row = r + 3
    heading(ws, checks.row - 1, "For information: differs from the app at export (1 = differs)")
    apply_style(ws.cell(checks.row - 1, 4, "expected after a what-if"), font=VALUE_FONT)
    first = checks.row
    m = result.metrics
    for key in ("npv", "total_costs", "total_benefits", "pv_costs", "pv_benefits"):
        checks.versus_app(key, getattr(m, key), "money")
    for key in ("irr", "mirr", "roi", "bcr"):
        checks.versus_app(key, getattr(m, key), "rate")
    for key in ("payback_months", "discounted_payback_months"):
        checks.versus_app(key, getattr(m, key), "months")
    cv = result.continuing_value
    if cv is not None:
        checks.versus_app("continuing_value", cv.pv, "money")
        checks.versus_app("npv_with_continuing_value", cv.npv_with_continuing_value, "money")
        checks.versus_app("headline_npv", cv.headline_npv, "money")
    if result.after_tax is not None:
        after = result.after_tax.metrics
        checks.versus_app("npv_after_tax", after.npv, "money")
        checks.versus_app("irr_after_tax", after.irr, "rate")
        checks.versus_app("payback_months_after_tax", after.payback_months, "months")
    r = checks.row + 1
    apply_style(
        ws.cell(r, 1, "Metrics that differ from the app at export (information)"), font=BOLD
    )
    apply_style(put_formula(ws.cell(r, 2), f"=SUM(B{first}:B{checks.row - 1})", "0"), font=BOLD)
    differs = names.claim("differs_from_app", prefix="cxroi_")
    names.point(differs, CHECKS, f"$B${r}")
    widths(ws, [60, 18, 24, 24])
    print_setup(ws, title_rows="7:7")
    return CheckNames(master=name, differs=differs)
