"""The tax block: its inputs (rate, payment lag, each capex line's life) at the foot of
the Inputs sheet, and the monthly tax calculation and after-tax metrics below the
Calculations sheet's metrics (only for a case with a ``tax_rate``).

The formulas are those of :mod:`cxroi.engine.tax`. Depreciation of a capex line in
month t is (C_{t-1} - C_{t-1-L}) / L with C the line's cumulative cost after risk, so
every input (the life L too) stays live.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import CaseFile, Result

from .calculations import CalcRefs, _Metrics, annual_irr, present_value, sign_change_rows
from .inputs import InputRefs
from .layout import INPUTS
from .names import Names, quote_sheet
from .styles import EXACT, MONTH_INDEX, PERCENT, heading, money, put_input, put_text

#: The defined names of the after-tax metrics (reserved: no assumption may take them).
TAX_KEYS = (
    "npv_after_tax",
    "irr_after_tax",
    "irr_after_tax_unique",
    "payback_months_after_tax",
)


@dataclass
class TaxInputs:
    rate: str = ""
    lag: str = ""
    #: Where the after-tax IRR search starts: the app's monthly root (or 0).
    irr_start: str = ""
    #: Each capex cost's index in ``case.costs`` and its life cell.
    lives: dict[int, str] = field(default_factory=dict)


def write_tax_inputs(
    ws: Worksheet, case: CaseFile, result: Result, names: Names
) -> TaxInputs | None:
    """Rate, lag, lives and the after-tax IRR search start below the Inputs sheet's last
    row (None without tax)."""
    if case.tax_rate is None or result.after_tax is None:
        return None
    irr = result.after_tax.metrics.irr
    start = 0.0 if irr is None else float((1.0 + irr) ** (1.0 / 12.0) - 1.0)
    refs = TaxInputs()
    r = ws.max_row + 2
    heading(ws, r, "Tax")
    for offset, key, label, value, fmt, unit in (
        (1, "tax_rate", "Corporate tax rate", case.tax_rate, PERCENT, "of taxable profit"),
        (
            2,
            "tax_lag_months",
            "Tax paid after (months)",
            case.tax_lag_months,
            MONTH_INDEX,
            "months",
        ),
        (3, "irr_after_tax_start", "IRR after tax: search start", start, EXACT, "a month"),
    ):
        ws.cell(r + offset, 1, label)
        put_input(ws.cell(r + offset, 2), value, fmt)
        ws.cell(r + offset, 3, unit)
        name = names.claim(key, prefix="case_")
        names.point(name, INPUTS, f"$B${r + offset}")
        ws.cell(r + offset, 4, name)
        attribute = {"tax_rate": "rate", "tax_lag_months": "lag"}.get(key, "irr_start")
        setattr(refs, attribute, name)
    r += 4
    for i, cost in enumerate(case.costs):
        if cost.treatment == "capex" and cost.life_months:
            put_text(ws.cell(r, 1), f"Depreciation life of {cost.name} (capex)")
            put_input(ws.cell(r, 2), cost.life_months, MONTH_INDEX)
            ws.cell(r, 3, "months")
            refs.lives[i] = f"{quote_sheet(INPUTS)}!$B${r}"
            r += 1
    return refs


def write_tax(
    ws: Worksheet,
    case: CaseFile,
    result: Result,
    calc: CalcRefs,
    inputs: InputRefs,
    names: Names,
    tax: TaxInputs | None,
) -> None:
    """Depreciation, taxable profit, tax due and paid, the after-tax flow and metrics."""
    if tax is None or result.after_tax is None:
        return
    g, cur, fmt = calc.grid, case.currency, money(case.currency)
    rows = calc.rows
    g.heading("Tax (risk-adjusted)")
    capex_rows, dep_rows = [], []
    for i, life in tax.lives.items():
        line = calc.costs[i]
        cost_row = line.after_risk

        def cumulative_cost(c: str, p: str, r: int = cost_row) -> str:
            return f"=SUM(${g.first}${r}:{c}{r})"

        cum = g.add(f"Cumulative capex of {line.name}", cur, cumulative_cost, fmt)
        span = g.span(cum, absolute=True)

        def dep(c: str, p: str, span: str = span, life: str = life) -> str:
            t = g.month(c)
            return (
                f"=IF({t}=0,0,(INDEX({span},1,{t})-IF({t}-{life}>=1,"
                f"INDEX({span},1,MAX(1,{t}-{life})),0))/{life})"
            )

        dep_rows.append(g.add(f"Depreciation of {line.name}", cur, dep, fmt, total=True))
        capex_rows.append(cost_row)

    def minus(rows_: list[int], c: str) -> str:
        return "".join(f"-{c}{r}" for r in rows_)

    opex = g.add(
        "Opex (costs not capitalised)",
        cur,
        lambda c, p: f"={c}{rows['costs']}{minus(capex_rows, c)}",
        fmt,
        total=True,
    )
    taxable = g.add(
        "Taxable profit = benefits - opex - depreciation",
        cur,
        lambda c, p: f"={c}{rows['benefits']}-{c}{opex}{minus(dep_rows, c)}",
        fmt,
        total=True,
    )
    due = g.add(
        "Tax due = rate x taxable profit", cur, lambda c, p: f"={tax.rate}*{c}{taxable}", fmt
    )
    due_span = g.span(due, absolute=True)
    paid = g.add(
        "Tax paid (due lag months earlier)",
        cur,
        lambda c, p: (
            f"=IF({g.month(c)}>={tax.lag},INDEX({due_span},1,MAX(1,{g.month(c)}-{tax.lag}+1)),0)"
        ),
        fmt,
        total=True,
    )
    net = g.add(
        "Net cash flow after tax",
        cur,
        lambda c, p: f"={c}{rows['net']}-{c}{paid}",
        fmt,
        total=True,
        emphasis=True,
    )
    cumulative = g.add(
        "Cumulative net cash flow after tax",
        cur,
        lambda c, p: f"=SUM(${g.first}${net}:{c}{net})",
        fmt,
    )
    stays = g.add(
        "Cumulative after tax stays >= 0 from this month on (1 = yes)",
        "flag",
        lambda c, p: f"=IF(MIN({c}{cumulative}:${g.last}${cumulative})>=0,1,0)",
        "0",
    )
    calc.rows["tax_paid"], calc.rows["net_after_tax"] = paid, net
    g.heading("IRR after tax: uniqueness helpers (Descartes' rule of signs)")
    _sign, sign_change = sign_change_rows(g, net, "after-tax flow")
    g.heading("Metrics after tax (risk-adjusted)")
    mt = _Metrics(ws, g, calc, names, cur)
    mt.put(
        "NPV after tax = CF0 + NPV(m, CF1:CFH)"
        if inputs.discounting == "end_of_month"
        else "NPV after tax = SUMPRODUCT(after-tax flows, discount factors)",
        cur,
        present_value(g, rows, inputs, net),
        fmt,
        "npv_after_tax",
    )
    # Always live, as the pre-tax IRR is (cxroi/workbook/calculations): the rate moves
    # with the inputs, and whether it is the only one is its own live check.
    changes = mt.put(
        "IRR after tax: sign changes of the after-tax flow (at most this many rates)",
        "count",
        f"=SUM({g.span(sign_change, absolute=True)})",
        "0",
    )
    annual_irr(mt, rows, inputs, net, changes, tax.irr_start, "IRR after tax", "irr_after_tax")
    mt.put(
        "IRR after tax is the only rate (1 = proved by one sign change, 0 = not proved)",
        "flag",
        f"=IF({changes}=1,1,0)",
        "0",
        "irr_after_tax_unique",
    )
    mt.payback("Payback after tax", "payback_months_after_tax", stays, cumulative)
