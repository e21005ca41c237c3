"""Rows of the Calculations sheet that build each cost and benefit line from its inputs.

The formulas are the engine's written per month: escalation steps up on
anniversaries, (1 + r)^INT((t - 1) / 12), and under the case's inflation i (a named
input, only when set) ((1 + i)(1 + r))^INT((t - 1) / 12), while a line with no escalation
of its own (churn, referrals) has an inflation factor row (1 + i)^INT((t - 1) / 12); the
ramp is linear from ``ramp_start`` over ``ramp_months``. Each benefit kind's own rows
come from its definition in ``cxroi/engine/kinds.py`` (a cohort is a row that refers to
the previous month's column; the blank column before month 0 is never read in month 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cxroi.engine import KINDS, BenefitLine, CaseFile, CostLine
from cxroi.engine.kinds import Style

from .layout import Grid
from .styles import COUNT, FACTOR, money


@dataclass(frozen=True)
class LineRows:
    """The rows of one line that the totals and checks need."""

    name: str
    before_risk: int
    after_risk: int


def step_up(grid: Grid, rate: str, inflation: str = "") -> str:
    """e_t = (1 + rate)^INT((t - 1) / 12), 1 in month 0, as a template body; with the
    name of the case's inflation i, ((1 + i)(1 + rate))^INT((t - 1) / 12)."""
    growth = f"(1+{rate})" if not inflation else f"((1+{inflation})*(1+{rate}))"
    return f"IF({{t}}=0,1,{growth}^INT(({{t}}-1)/12))"


def _factor_row(grid: Grid, label: str, rate: str, inflation: str = "") -> int:
    body = step_up(grid, rate, inflation)
    if inflation:
        label = f"{label} with inflation"
    return grid.add(label, "factor", lambda c, p: "=" + body.format(t=grid.month(c)), FACTOR)


def inflation_row(grid: Grid, inflation: str) -> int:
    """(1 + i)^INT((t - 1) / 12), 1 in month 0: a line without an escalation of its own."""
    body = f"IF({{t}}=0,1,(1+{inflation})^INT(({{t}}-1)/12))"
    return grid.add(
        "Inflation factor", "factor", lambda c, p: "=" + body.format(t=grid.month(c)), FACTOR
    )


def cost_rows(
    grid: Grid, line: CostLine, cells: dict[str, str], currency: str, inflation: str = ""
) -> LineRows:
    first, last, every = cells["first_month"], cells["last_month"], cells["every_months"]
    grid.line_heading(line.name)
    charged = grid.add(
        "Charged this month (1 = yes)",
        "flag",
        lambda c, p: (
            f"=IF(AND({grid.month(c)}>={first},{grid.month(c)}<={last},"
            f"MOD({grid.month(c)}-{first},{every})=0),1,0)"
        ),
        "0",
    )
    escalation = _factor_row(grid, "Escalation factor", cells["escalation"], inflation)
    raw = grid.add(
        "Cost before risk",
        currency,
        lambda c, p: f"={cells['amount']}*{c}{charged}*{c}{escalation}",
        money(currency),
        total=True,
    )
    adjusted = grid.add(
        "Cost after risk (x (1 + risk))",
        currency,
        lambda c, p: f"={c}{raw}*(1+{cells['risk']})",
        money(currency),
        total=True,
    )
    return LineRows(line.name, raw, adjusted)


def _ramp_row(grid: Grid, cells: dict[str, str]) -> int:
    start, months = cells["ramp_start"], cells["ramp_months"]
    return grid.add(
        "Adoption ramp",
        "factor",
        lambda c, p: (
            f"=IF(OR({grid.month(c)}=0,{grid.month(c)}<{start}),0,"
            f"IF({months}<=1,1,MIN(1,({grid.month(c)}-{start}+1)/{months})))"
        ),
        FACTOR,
    )


@dataclass
class KindRows:
    """The Calculations grid as a kind's workbook formula sees it (``FormulaGrid``)."""

    grid: Grid
    currency: str
    #: The defined name of the case's inflation rate ("" when the case has none).
    inflation: str = ""

    @property
    def row(self) -> int:
        return self.grid.row

    def month(self, col: str) -> str:
        return self.grid.month(col)

    def formula_row(
        self,
        label: str,
        unit: str,
        style: Style,
        template: Callable[[str, str], str],
        *,
        total: bool = False,
    ) -> int:
        fmt = {"money": money(self.currency), "count": COUNT, "factor": FACTOR}[style]
        return self.grid.add(label, unit, template, fmt, total=total)

    def step_up_row(self, label: str, rate: str) -> int:
        return _factor_row(self.grid, label, rate, self.inflation)

    def inflation_row(self) -> int | None:
        return inflation_row(self.grid, self.inflation) if self.inflation else None


def benefit_rows(
    grid: Grid, line: BenefitLine, cells: dict[str, str], currency: str, inflation: str = ""
) -> LineRows:
    """A benefit's rows: its ramp, its kind's own formula (from the registry), its risk."""
    grid.line_heading(line.name)
    ramp = _ramp_row(grid, cells)
    raw = KINDS[line.kind].workbook(KindRows(grid, currency, inflation), cells, ramp, currency)
    adjusted = grid.add(
        "Benefit after risk (x (1 - risk))",
        currency,
        lambda c, p: f"={c}{raw}*(1-{cells['risk']})",
        money(currency),
        total=True,
    )
    return LineRows(line.name, raw, adjusted)


def all_line_rows(
    grid: Grid,
    case: CaseFile,
    cost_cells: list[dict[str, str]],
    benefit_cells: list[dict[str, str]],
    inflation: str = "",
) -> tuple[list[LineRows], list[LineRows]]:
    grid.heading("Costs")
    costs = [
        cost_rows(grid, line, cells, case.currency, inflation)
        for line, cells in zip(case.costs, cost_cells, strict=True)
    ]
    grid.heading("Benefits")
    benefits = [
        benefit_rows(grid, line, cells, case.currency, inflation)
        for line, cells in zip(case.benefits, benefit_cells, strict=True)
    ]
    return costs, benefits
