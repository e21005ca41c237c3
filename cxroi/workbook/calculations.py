"""The Calculations sheet: timeline, lines, totals, flows, payback helpers and metrics.

One column per month (month 0 first), the timeline in the frozen rows, labels and
units in the frozen columns. Every metric is a formula; each carries the defined
name of its key in the result document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import METRIC_KEYS, CaseFile, Result
from cxroi.engine.realisation import month_label

from .inputs import DATE, InputRefs
from .layout import (
    CALCULATIONS,
    CALENDAR_ROW,
    FIRST_MONTH_COL,
    IRR_CAUTION_CELL,
    LABEL_COL,
    MONTH_ROW,
    TOTAL_COL,
    UNIT_COL,
    YEAR_ROW,
    Grid,
    Template,
    get_column_letter,
)
from .lines import LineRows, all_line_rows
from .names import Names
from .styles import (
    BOLD,
    EXACT,
    FACTOR,
    KEY_FILL,
    MONTHS,
    PERCENT,
    RATIO,
    TITLE_FONT,
    apply_style,
    header_row,
    money,
    print_setup,
    put_formula,
    put_text,
    widths,
)

IRR_NOT_FOUND = "no IRR found"
#: Above this annual IRR the Summary and the app add a caution (the engine's threshold).
IRR_CAUTION = "Caution: an IRR above 1,000 % a year; read it with the NPV and payback"
IRR_WORDS = (
    "no rate: the net flow never changes sign",
    "unique: the net flow changes sign once",
    "not proved unique: the net flow changes sign more than once (the app counts the rates)",
)
NEVER = "never"
NO_MIRR = "n/a (needs a negative and a positive flow)"
#: The named metric cells: the result document's metrics and the MIRR.
WORKBOOK_METRICS = (*METRIC_KEYS, "mirr")
MONTHS_PER_PAGE = 13
NOT_DEFINED = "n/a (no costs)"


@dataclass
class CalcRefs:
    """Rows and cells of the Calculations sheet that other sheets refer to."""

    grid: Grid
    costs: list[LineRows] = field(default_factory=list)
    benefits: list[LineRows] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)


def calendar(start_month: str, month: int) -> str:
    """The calendar month of case month ``month`` (month 1 is ``start_month``)."""
    return "start" if month == 0 else month_label(start_month, month)


def _timeline(ws: Worksheet, case: CaseFile, grid: Grid, shift: str) -> None:
    """Month, calendar month and year rows; ``shift`` names the months of the first
    fiscal year gone when month 1 begins (0: the case's own years)."""
    apply_style(
        ws.cell(1, 1, f"Calculations: the monthly model ({case.currency})"), font=TITLE_FONT
    )
    ws.cell(2, 1, "Month 0 is the start (up-front, undiscounted); months 1..H end each month.")
    header_row(ws, MONTH_ROW, ["Month", "Unit", "Total", ""])
    ws.cell(CALENDAR_ROW, LABEL_COL, "Calendar month")
    ws.cell(YEAR_ROW, LABEL_COL, "Year (year 0 = month 0; fiscal years: see Inputs)")
    ws.cell(YEAR_ROW, UNIT_COL, "year")
    for m in range(case.horizon_months + 1):
        col = FIRST_MONTH_COL + m
        cell = ws.cell(MONTH_ROW, col, m)
        apply_style(cell, font=BOLD, fill=KEY_FILL)
        ws.cell(CALENDAR_ROW, col, calendar(case.start_month, m))
        letter = get_column_letter(col)
        t = grid.month(letter)
        ws.cell(YEAR_ROW, col, f"=IF({t}=0,0,INT(({shift}+{t}-1)/12)+1)")


def _sum_of(rows: list[int]) -> Template:
    def template(c: str, p: str) -> str:
        return "=" + "+".join(f"{c}{r}" for r in rows) if rows else "=0"

    return template


def _flows(grid: Grid, refs: CalcRefs, names: InputRefs, currency: str) -> None:
    fmt = money(currency)
    rows = refs.rows
    grid.heading("Cash flow")
    for key, label, side in (
        ("costs_unadjusted", "Total costs before risk", [x.before_risk for x in refs.costs]),
        (
            "benefits_unadjusted",
            "Total benefits before risk",
            [x.before_risk for x in refs.benefits],
        ),
        ("costs", "Total costs", [x.after_risk for x in refs.costs]),
        ("benefits", "Total benefits", [x.after_risk for x in refs.benefits]),
    ):
        rows[key] = grid.add(label, currency, _sum_of(side), fmt, total=True)
    rows["net"] = grid.add(
        "Net cash flow",
        currency,
        lambda c, p: f"={c}{rows['benefits']}-{c}{rows['costs']}",
        fmt,
        total=True,
        emphasis=True,
    )
    first = grid.first
    rows["cumulative"] = grid.add(
        "Cumulative net cash flow",
        currency,
        lambda c, p: f"=SUM(${first}${rows['net']}:{c}{rows['net']})",
        fmt,
    )
    rows["discount_factor"] = discount_factor_rows(grid, rows, names)
    rows["discounted"] = grid.add(
        "Discounted net cash flow",
        currency,
        lambda c, p: f"={c}{rows['net']}*{c}{rows['discount_factor']}",
        fmt,
        total=True,
    )
    rows["cumulative_discounted"] = grid.add(
        "Cumulative discounted net cash flow",
        currency,
        lambda c, p: f"=SUM(${first}${rows['discounted']}:{c}{rows['discounted']})",
        fmt,
    )
    grid.heading("IRR uniqueness helpers (Descartes' rule of signs)")
    rows["net_sign"], rows["sign_change"] = sign_change_rows(grid, rows["net"], "net flow")
    grid.heading("Payback helpers")
    last = grid.last
    for key, source in (("stays", "cumulative"), ("stays_discounted", "cumulative_discounted")):
        r = rows[source]
        rows[key] = grid.add(
            f"{'Cumulative' if key == 'stays' else 'Discounted cumulative'} stays >= 0 "
            "from this month on (1 = yes)",
            "flag",
            _stays(r, last),
            "0",
        )


def discount_factor_rows(grid: Grid, rows: dict[str, int], names: InputRefs) -> int:
    """The discount factor row under the case's convention (and the rows it reads).

    - ``end_of_month``: 1 / (1 + m)^t;
    - ``mid_month``: a timing row t − ½ (0 in month 0), then 1 / (1 + m)^timing;
    - ``actual_365``: a date row (month t on the 1st of the month after it), act/365
      years from month 0, then 1 / (1 + rate)^years.

    Under a dated convention ``rows["xirr_dates"]`` is what XIRR reads: the flow dates,
    or for mid-month the date of month 0 plus 30 × timing days (a whole number of days
    for every month, so XIRR reads it exactly; see :func:`annual_irr`).
    """
    if names.discounting == "end_of_month":
        return grid.add(
            "Discount factor 1 / (1 + m)^t",
            "factor",
            lambda c, p: f"=1/(1+{names.monthly_rate})^{grid.month(c)}",
            FACTOR,
        )
    start = names.start_date
    if names.discounting == "mid_month":
        timing = grid.add(
            "Discount timing: mid-month, t - 0.5 (month 0 up front, at 0)",
            "months",
            lambda c, p: f"=IF({grid.month(c)}=0,0,{grid.month(c)}-{names.mid_month})",
            "0.0",
        )
        rows["xirr_dates"] = grid.add(
            "XIRR clock: date of month 0 + 30 days per month of timing",
            "date",
            lambda c, p: f"={start}+{names.clock_days}*{c}{timing}",
            DATE,
        )
        return grid.add(
            "Discount factor 1 / (1 + m)^(t - 0.5)",
            "factor",
            lambda c, p: f"=1/(1+{names.monthly_rate})^{c}{timing}",
            FACTOR,
        )
    dates = grid.add(
        "Flow date (month t on the 1st of the month after it)",
        "date",
        lambda c, p: f"=DATE(YEAR({start}),MONTH({start})+{grid.month(c)},1)",
        DATE,
    )
    rows["xirr_dates"] = dates
    first = grid.first
    years = grid.add(
        "Years from month 0, act/365 = (date - date of month 0) / 365",
        "years",
        lambda c, p: f"=({c}{dates}-${first}${dates})/{names.days_per_year}",
        EXACT,
    )
    return grid.add(
        "Discount factor 1 / (1 + rate)^years (act/365)",
        "factor",
        lambda c, p: f"=1/(1+{names.discount_rate})^{c}{years}",
        FACTOR,
    )


def present_value(grid: Grid, rows: dict[str, int], names: InputRefs, row: int) -> str:
    """The formula of ``row``'s present value: CF0 + NPV(m, CF1:CFH) at month ends (Excel's
    NPV discounts its first value one period), else the sum of the flows times the
    convention's discount factors."""
    if names.discounting == "end_of_month":
        return f"=${grid.first}${row}+NPV({names.monthly_rate},{grid.tail(row)})"
    factors = grid.span(rows["discount_factor"], absolute=True)
    return f"=SUMPRODUCT({grid.span(row, absolute=True)},{factors})"


def annual_irr(
    mt: _Metrics,
    rows: dict[str, int],
    names: InputRefs,
    net: int,
    changes: str,
    start: str,
    what: str = "IRR",
    key: str | None = None,
) -> str:
    """The live IRR of the ``net`` row under the case's convention; returns its cell.

    Month ends: Excel's IRR over months 0..H, annualised (1 + monthly)^12 − 1. Act/365:
    XIRR over the flow dates (already annual). Mid-month: XIRR over the clock of 30 days
    per month gives x with (1 + x)^(30/365) = 1 + the monthly rate, so the IRR is
    (1 + x)^(360/365) − 1.
    ``start`` is the app's monthly root, where the search starts.
    """
    g = mt.grid
    span = g.span(net, absolute=True)
    none = f'IF({changes}=0,"{IRR_WORDS[0]}",'
    if names.discounting == "end_of_month":
        monthly = mt.put(
            f"{what}, monthly ({what.split(' ')[0]} over months 0..H)",
            "a month",
            f'={none}IFERROR(IRR({span},{start}),"{IRR_NOT_FOUND}"))',
            EXACT,
        )
        return mt.put(
            f"{what} = (1 + monthly IRR)^12 - 1",
            "a year",
            f"=IF(ISNUMBER({monthly}),(1+{monthly})^12-1,{monthly})",
            PERCENT,
            key,
        )
    dates = g.span(rows["xirr_dates"], absolute=True)
    if names.discounting == "actual_365":
        return mt.put(
            f"{what} = XIRR(flows, flow dates): act/365",
            "a year",
            f'={none}IFERROR(XIRR({span},{dates},(1+{start})^12-1),"{IRR_NOT_FOUND}"))',
            PERCENT,
            key,
        )
    clock = mt.put(
        f"{what}: XIRR over the mid-month clock (a rate per 365 days of 30 a month)",
        "rate",
        f"={none}IFERROR(XIRR({span},{dates},"
        f'(1+{start})^({names.days_per_year}/{names.clock_days})-1),"{IRR_NOT_FOUND}"))',
        EXACT,
    )
    return mt.put(
        f"{what} = (1 + clock rate)^(360/365) - 1 (mid-month)",
        "a year",
        f"=IF(ISNUMBER({clock}),"
        f"(1+{clock})^(12*{names.clock_days}/{names.days_per_year})-1,{clock})",
        PERCENT,
        key,
    )


def sign_change_rows(grid: Grid, net: int, flow: str) -> tuple[int, int]:
    """The rows of the sign of the latest non-zero ``flow`` and of its sign changes.

    Their sum counts the sign changes: Descartes' rule bounds the number of rates by
    it, and one change proves the IRR unique (every IRR of the workbook uses these).
    """
    sign = grid.row  # this row refers to its own previous month
    grid.add(
        f"Sign of the latest non-zero {flow}",
        "sign",
        lambda c, p: (
            f"=IF({grid.month(c)}=0,SIGN({c}{net}),IF({c}{net}=0,{p}{sign},SIGN({c}{net})))"
        ),
        "0",
    )
    change = grid.add(
        f"The {flow} changes sign this month (1 = yes)",
        "flag",
        lambda c, p: (
            f"=IF({grid.month(c)}=0,0,IF(AND({c}{net}<>0,{p}{sign}<>0,{c}{sign}<>{p}{sign}),1,0))"
        ),
        "0",
    )
    return sign, change


def _stays(row: int, last: str) -> Template:
    def template(c: str, p: str) -> str:
        return f"=IF(MIN({c}{row}:${last}${row})>=0,1,0)"

    return template


class _Metrics:
    """Writes the metric block (label, unit, value) below the monthly rows."""

    def __init__(
        self, ws: Worksheet, grid: Grid, refs: CalcRefs, names: Names, currency: str
    ) -> None:
        self.ws, self.grid, self.refs, self.names = ws, grid, refs, names
        self.currency, self.money = currency, money(currency)

    def put(self, label: str, unit: str, formula: str, fmt: str, key: str | None = None) -> str:
        """One metric row; ``key`` names its cell (a metric's key, or a helper's name)."""
        r = self.grid.row
        put_text(self.ws.cell(r, LABEL_COL), label)
        put_text(self.ws.cell(r, UNIT_COL), unit)
        cell = put_formula(self.ws.cell(r, TOTAL_COL), formula, fmt)
        ref = f"$C${r}"
        if key is not None:
            name = self.names.claim(key, prefix="cxroi_", reserved=self.names.reserves(key))
            self.names.point(name, CALCULATIONS, ref)
            self.refs.metrics[key] = name
            apply_style(cell, font=BOLD, fill=KEY_FILL)
            put_text(self.ws.cell(r, FIRST_MONTH_COL), f"name: {name}")
        self.grid.row += 1
        return ref

    def payback(self, label: str, key: str, stays: int, cumulative: int) -> None:
        g = self.grid
        months = g.span(MONTH_ROW, absolute=True)
        cum = g.span(cumulative, absolute=True)
        count = self.put(
            f"{label}: months from which the cumulative stays >= 0",
            "months",
            f"=SUM({g.span(stays, absolute=True)})",
            "0",
        )
        k = self.put(
            f"{label}: first month k from which it stays >= 0",
            "month",
            f"=MAX({months})+1-{count}",
            "0",
        )
        before = self.put(
            f"{label}: cumulative in month k - 1",
            self.currency,
            f"=INDEX({cum},1,MAX({k},1))",
            self.money,
        )
        after = self.put(
            f"{label}: cumulative in month k",
            self.currency,
            f"=INDEX({cum},1,MIN({k}+1,MAX({months})+1))",
            self.money,
        )
        self.put(
            label,
            "months",
            f'=IF({count}=0,"{NEVER}",IF({k}=0,0,{k}-1-{before}/({after}-{before})))',
            MONTHS,
            key,
        )


def _metrics(
    ws: Worksheet, case: CaseFile, result: Result, refs: CalcRefs, names: Names, inputs: InputRefs
) -> None:
    g, rows = refs.grid, refs.rows
    g.heading("Metrics (risk-adjusted)")
    fmt = money(case.currency)
    mt = _Metrics(ws, g, refs, names, case.currency)

    def pv(row: int) -> str:
        return present_value(g, rows, inputs, row)

    mt.put(
        "Total costs",
        case.currency,
        f"=SUM({g.span(rows['costs'], absolute=True)})",
        fmt,
        "total_costs",
    )
    mt.put(
        "Total benefits",
        case.currency,
        f"=SUM({g.span(rows['benefits'], absolute=True)})",
        fmt,
        "total_benefits",
    )
    pv_costs = mt.put("PV of costs", case.currency, pv(rows["costs"]), fmt, "pv_costs")
    pv_benefits = mt.put("PV of benefits", case.currency, pv(rows["benefits"]), fmt, "pv_benefits")
    npv_label = (
        "NPV = CF0 + NPV(m, CF1:CFH)"
        if inputs.discounting == "end_of_month"
        else "NPV = SUMPRODUCT(net flows, discount factors)"
    )
    mt.put(npv_label, case.currency, pv(rows["net"]), fmt, "npv")
    mt.put(
        "ROI = (PV benefits - PV costs) / PV costs",
        "ratio",
        f'=IF({pv_costs}=0,"{NOT_DEFINED}",({pv_benefits}-{pv_costs})/{pv_costs})',
        PERCENT,
        "roi",
    )
    mt.put(
        "Benefit/cost ratio = PV benefits / PV costs",
        "ratio",
        f'=IF({pv_costs}=0,"{NOT_DEFINED}",{pv_benefits}/{pv_costs})',
        RATIO,
        "bcr",
    )
    # Always live: after a what-if the rate moves with the inputs. Whether it is the
    # only rate is a separate live check (the sign changes of the net flow).
    changes = mt.put(
        "IRR: sign changes of the net flow (Descartes: at most this many rates)",
        "count",
        f"=SUM({g.span(rows['sign_change'], absolute=True)})",
        "0",
        "irr_sign_changes",
    )
    irr = annual_irr(mt, rows, inputs, rows["net"], changes, inputs.irr_start, key="irr")
    mirr_monthly = mt.put(
        "MIRR, monthly: MIRR(flows, finance m, reinvestment m)",
        "a month",
        f"=IFERROR(MIRR({g.span(rows['net'], absolute=True)},"
        f"(1+{inputs.mirr_finance})^(1/12)-1,(1+{inputs.mirr_reinvestment})^(1/12)-1),"
        f'"{NO_MIRR}")',
        EXACT,
    )
    mt.put(
        "MIRR = (1 + monthly MIRR)^12 - 1",
        "a year",
        f"=IF(ISNUMBER({mirr_monthly}),(1+{mirr_monthly})^12-1,{mirr_monthly})",
        PERCENT,
        "mirr",
    )
    mt.put(
        "IRR is the only rate (1 = proved by one sign change, 0 = not proved)",
        "flag",
        f"=IF({changes}=1,1,0)",
        "0",
        "irr_unique",
    )
    mt.put(
        "IRR uniqueness in words",
        "text",
        f'=IF({changes}=0,"{IRR_WORDS[0]}",IF({changes}=1,"{IRR_WORDS[1]}","{IRR_WORDS[2]}"))',
        "@",
    )
    mt.put(
        "IRR caution (above 1,000 % a year)",
        "text",
        f'=IF(ISNUMBER({irr}),IF({irr}>{IRR_CAUTION_CELL},"{IRR_CAUTION}",""),"")',
        "@",
        "irr_caution",
    )
    mt.payback("Payback", "payback_months", rows["stays"], rows["cumulative"])
    mt.payback(
        "Discounted payback",
        "discounted_payback_months",
        rows["stays_discounted"],
        rows["cumulative_discounted"],
    )


def write_calculations(
    ws: Worksheet, case: CaseFile, result: Result, inputs: InputRefs, names: Names
) -> CalcRefs:
    grid = Grid(ws, case.horizon_months)
    _timeline(ws, case, grid, inputs.fiscal_shift)
    refs = CalcRefs(grid)
    refs.costs, refs.benefits = all_line_rows(
        grid, case, inputs.cost_params, inputs.benefit_params, inputs.inflation_rate
    )
    _flows(grid, refs, inputs, case.currency)
    _metrics(ws, case, result, refs, names, inputs)
    widths(ws, [46, 12, 18, 3])
    for m in range(case.horizon_months + 1):
        ws.column_dimensions[get_column_letter(FIRST_MONTH_COL + m)].width = 14
    ws.freeze_panes = ws.cell(YEAR_ROW + 1, FIRST_MONTH_COL)
    # Up to 121 month columns cannot fit one page wide and stay readable: a page
    # width per year of months, the timeline rows and the label columns on each.
    pages = -(-(case.horizon_months + 1) // MONTHS_PER_PAGE)
    print_setup(ws, title_rows=f"{MONTH_ROW}:{YEAR_ROW}", title_cols="A:C", pages_wide=pages)
    return refs
