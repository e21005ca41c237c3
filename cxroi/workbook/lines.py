"""Rows of the Calculations sheet that build each cost and benefit line from its inputs.

The formulas are the engine's (``cxroi/engine/drivers.py``, ``timeline.py``) written
per month: escalation steps up on anniversaries, (1 + r)^INT((t - 1) / 12); the ramp
is linear from ``ramp_start`` over ``ramp_months``; the churn cohort is a row that
refers to the previous month's column (the blank column before month 0 is never read
in month 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.engine import BenefitLine, CaseFile, CostLine

from .layout import Grid
from .styles import COUNT, FACTOR, money


@dataclass(frozen=True)
class LineRows:
    """The rows of one line that the totals and checks need."""

    name: str
    before_risk: int
    after_risk: int


def step_up(grid: Grid, rate: str) -> str:
    """e_t = (1 + rate)^INT((t - 1) / 12), 1 in month 0, as a template body."""
    return f"IF({{t}}=0,1,(1+{rate})^INT(({{t}}-1)/12))"


def _factor_row(grid: Grid, label: str, rate: str) -> int:
    body = step_up(grid, rate)
    return grid.add(label, "factor", lambda c, p: "=" + body.format(t=grid.month(c)), FACTOR)


def cost_rows(grid: Grid, line: CostLine, cells: dict[str, str], currency: str) -> LineRows:
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
    escalation = _factor_row(grid, "Escalation factor", cells["escalation"])
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


def _churn_rows(grid: Grid, cells: dict[str, str], ramp: int, currency: str) -> int:
    customers, churn = cells["customers"], cells["annual_churn"]
    reduction, adds = cells["reduction"], cells["gross_adds"]
    base = grid.add(
        "Customers without the initiative",
        "customers",
        lambda c, p: f"=IF({grid.month(c)}=0,{customers},{p}{grid.row}*(1-{churn})^(1/12)+{adds})",
        COUNT,
    )
    with_cx = grid.add(
        "Customers with the initiative",
        "customers",
        lambda c, p: (
            f"=IF({grid.month(c)}=0,{customers},{p}{grid.row}*"
            f"(1-(1-(1-{churn})^(1/12))*(1-{c}{ramp}*{reduction}))+{adds})"
        ),
        COUNT,
    )
    kept = grid.add(
        "Customers kept",
        "customers",
        lambda c, p: f"={c}{with_cx}-{c}{base}",
        COUNT,
    )
    return grid.add(
        "Benefit before risk",
        currency,
        lambda c, p: f"={c}{kept}*{cells['arpu']}*{cells['margin']}",
        money(currency),
        total=True,
    )


#: For each linear benefit kind: its step-up row's label, the parameter that drives
#: it, and the parameters multiplied together (as in ``cxroi.engine.drivers``).
_LINEAR_KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "revenue_uplift": ("Growth factor", "growth", ("base_revenue", "uplift", "margin")),
    "cost_savings": ("Escalation factor", "escalation", ("volume", "reduction", "unit_cost")),
    "custom": ("Escalation factor", "escalation", ("amount",)),
}


def benefit_rows(grid: Grid, line: BenefitLine, cells: dict[str, str], currency: str) -> LineRows:
    grid.line_heading(line.name)
    ramp = _ramp_row(grid, cells)
    fmt = money(currency)
    if line.kind == "churn":
        raw = _churn_rows(grid, cells, ramp, currency)
    else:
        # The linear kinds: a product of parameters x a yearly step-up x the ramp.
        label, rate, factors = _LINEAR_KINDS[line.kind]
        step_up = _factor_row(grid, label, cells[rate])
        product = "*".join(cells[name] for name in factors)
        raw = grid.add(
            "Benefit before risk",
            currency,
            lambda c, p: f"={product}*{c}{step_up}*{c}{ramp}",
            fmt,
            total=True,
        )
    adjusted = grid.add(
        "Benefit after risk (x (1 - risk))",
        currency,
        lambda c, p: f"={c}{raw}*(1-{cells['risk']})",
        fmt,
        total=True,
    )
    return LineRows(line.name, raw, adjusted)


def all_line_rows(
    grid: Grid,
    case: CaseFile,
    cost_cells: list[dict[str, str]],
    benefit_cells: list[dict[str, str]],
) -> tuple[list[LineRows], list[LineRows]]:
    grid.heading("Costs")
    costs = [
        cost_rows(grid, line, cells, case.currency)
        for line, cells in zip(case.costs, cost_cells, strict=True)
    ]
    grid.heading("Benefits")
    benefits = [
        benefit_rows(grid, line, cells, case.currency)
        for line, cells in zip(case.benefits, benefit_cells, strict=True)
    ]
    return costs, benefits
