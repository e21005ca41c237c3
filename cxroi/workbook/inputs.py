"""The Inputs sheet: case parameters, the assumption register and every line's parameters.

Every number a formula uses lives here as a visible cell: an assumption (with a
defined name per key), or a line's own parameter. A line parameter that names an
assumption is a link (``=key``) so the register stays the one place to change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import COST_PARAMETERS, KINDS, Assumption, BenefitLine, CaseFile, CostLine
from cxroi.engine.casefile import Param
from cxroi.engine.kinds import Parameter

from .layout import INPUTS
from .names import Names, quote_sheet
from .styles import (
    BOLD,
    EXACT,
    MONTH_INDEX,
    NUMBER,
    PERCENT,
    PERCENT_FINE,
    TITLE_FONT,
    apply_style,
    header_row,
    heading,
    money,
    print_setup,
    put_formula,
    put_input,
    put_text,
    widths,
)

#: The workbook's own timing inputs of a line (whole months, not parameters of a kind).
TIMING_LABELS = {
    "first_month": "First month charged",
    "last_month": "Last month charged",
    "every_months": "Charged every (months)",
    "ramp_start": "Ramp starts in month",
    "ramp_months": "Ramp length (months)",
}


def parameter_of(line: CostLine | BenefitLine, name: str) -> Parameter | None:
    """The registry's definition of a line's parameter (None for a timing input)."""
    if name in TIMING_LABELS:
        return None
    if isinstance(line, CostLine):
        return next(p for p in COST_PARAMETERS if p.name == name)
    return KINDS[line.kind].parameter(name)


_Group = tuple[str, Sequence[CostLine | BenefitLine], list[dict[str, Param]], list[dict[str, str]]]


@dataclass
class InputRefs:
    """Where the formulas find their inputs."""

    assumption_names: dict[str, str] = field(default_factory=dict)
    #: Each assumption's row on the register (its low in column E, its high in F).
    assumption_rows: dict[str, int] = field(default_factory=dict)
    cost_params: list[dict[str, str]] = field(default_factory=list)
    benefit_params: list[dict[str, str]] = field(default_factory=list)
    discount_rate: str = ""
    monthly_rate: str = ""
    irr_start: str = ""
    mirr_finance: str = ""
    mirr_reinvestment: str = ""
    fiscal_shift: str = ""
    #: The case's discounting convention, and the date of month 0 (a named cell, only
    #: when the convention is not the default month ends).
    discounting: str = "end_of_month"
    start_date: str = ""
    #: The case's inflation rate's defined name (only when the case states one).
    inflation_rate: str = ""
    days_per_year: str = ""
    mid_month: str = ""
    clock_days: str = ""


#: Each discounting convention in words (Inputs, Notes).
DISCOUNTING_WORDS = {
    "end_of_month": "each month's flow at its end: factor (1 + m)^-t",
    "mid_month": "each month's flow in its middle: factor (1 + m)^-(t - 0.5), month 0 at 1",
    "actual_365": (
        "act/365 on calendar dates (Excel's XNPV): month t on the 1st of the month after it, "
        "factor (1 + rate)^-((date - date of month 0) / 365)"
    ),
}
DATE = "yyyy-mm-dd"


def param_format(param: Parameter | None, currency: str) -> str:
    if param is None:
        return MONTH_INDEX
    if param.unit in ("ratio", "rate"):
        return PERCENT_FINE
    if param.unit == "money":
        return money(currency)
    return NUMBER


def assumption_format(a: Assumption, currency: str) -> str:
    unit = a.unit.lower()
    if "ratio" in unit or "%" in unit or "rate" in unit:
        return PERCENT_FINE
    if unit.startswith(currency.lower()):
        return money(currency)
    return NUMBER


def cost_parameters(case: CaseFile) -> list[dict[str, Param]]:
    """Each cost's parameters, its timing as first/last month and a period."""
    out: list[dict[str, Param]] = []
    for c in case.costs:
        if c.recurrence == "once":
            first, last, every = c.month, c.month, 1
        else:
            first = c.start_month
            last = c.end_month if c.end_month is not None else case.horizon_months
            every = 12 if c.recurrence == "annual" else 1
        out.append(
            {
                "amount": c.amount,
                "escalation": c.escalation,
                "risk": c.risk,
                "first_month": float(first),
                "last_month": float(last),
                "every_months": float(every),
            }
        )
    return out


def benefit_parameters(case: CaseFile) -> list[dict[str, Param]]:
    out: list[dict[str, Param]] = []
    for b in case.benefits:
        params: dict[str, Param] = dict(b.params)
        params["ramp_start"] = float(b.ramp_start)
        params["ramp_months"] = float(b.ramp_months)
        params["risk"] = b.risk
        out.append(params)
    return out


def write_inputs(ws: Worksheet, case: CaseFile, names: Names, irr_start: float) -> InputRefs:
    """Write the Inputs sheet; return where formulas find each input."""
    refs = InputRefs()
    apply_style(ws.cell(1, 1, "Inputs"), font=TITLE_FONT)
    ws.cell(2, 1, "Blue on yellow cells are inputs: change one and every sheet recalculates.")
    r = _case_parameters(ws, case, names, irr_start, refs)
    r = _inflation(ws, case, names, r, refs)
    r = _assumption_register(ws, case, names, r + 1, refs)
    if case.discount_rate_key is not None:  # the rate is an assumption's: a live link
        target = refs.assumption_names[case.discount_rate_key]
        put_formula(ws.cell(6, 2), f"={target}", PERCENT, link=True)
        ws.cell(6, 5, f"from assumption {case.discount_rate_key}")
    _line_parameters(ws, case, r + 1, refs)
    widths(ws, [44, 34, 16, 18, 14, 14, 30, 18, 30, 22])
    ws.freeze_panes = "A4"
    print_setup(ws, title_rows="1:2")
    return refs


def _case_parameters(
    ws: Worksheet, case: CaseFile, names: Names, irr_start: float, refs: InputRefs
) -> int:
    """Discount rate, monthly rate, horizon, IRR search start, start month, currency."""
    heading(ws, 4, "Case parameters")
    header_row(ws, 5, ["Parameter", "Value", "Unit", "Defined name"])

    def parameter(r: int, key: str, label: str, unit: str) -> str:
        name = names.claim(key, prefix="case_")
        names.point(name, INPUTS, f"$B${r}")
        ws.cell(r, 1, label)
        ws.cell(r, 3, unit)
        ws.cell(r, 4, name)
        return name

    refs.discount_rate = parameter(6, "discount_rate", "Discount rate", "a year")
    if case.discount_rate_key is None:  # else a link to its assumption (write_inputs)
        put_input(ws.cell(6, 2), case.discount_rate, PERCENT)
    refs.monthly_rate = parameter(
        7, "monthly_rate", "Monthly rate m = (1 + rate)^(1/12) - 1", "a month"
    )
    put_formula(ws.cell(7, 2), f"=(1+{refs.discount_rate})^(1/12)-1", EXACT)
    parameter(8, "horizon_months", "Horizon (the columns of Calculations)", "months")
    apply_style(ws.cell(8, 2, case.horizon_months), number_format=MONTH_INDEX)
    refs.irr_start = parameter(
        9, "irr_start", "IRR search start (the app's monthly root)", "a month"
    )
    put_input(ws.cell(9, 2), irr_start, EXACT)
    ws.cell(10, 1, "Start month (month 1)")
    put_text(ws.cell(10, 2), case.start_month)
    ws.cell(11, 1, "Currency")
    put_text(ws.cell(11, 2), case.currency)
    # MIRR's rates: the case's own, or a link to the discount rate (its default).
    for r, key, label, value in (
        (12, "mirr_finance_rate", "MIRR finance rate", case.mirr_finance_rate),
        (13, "mirr_reinvestment_rate", "MIRR reinvestment rate", case.mirr_reinvestment_rate),
    ):
        name = parameter(r, key, label, "a year")
        if value is None:
            put_formula(ws.cell(r, 2), f"={refs.discount_rate}", PERCENT, link=True)
            ws.cell(r, 5, "the discount rate (default)")
        else:
            put_input(ws.cell(r, 2), value, PERCENT)
        if key == "mirr_finance_rate":
            refs.mirr_finance = name
        else:
            refs.mirr_reinvestment = name
    # The Annual roll-up's years: fiscal years from a calendar month, or the case's own.
    # The start month's calendar month, read from its text ("2027-03" -> 3).
    start_month_number = 'VALUE(RIGHT($B$10,LEN($B$10)-FIND("-",$B$10)))'
    start = parameter(14, "fiscal_year_start", "Fiscal year starts in calendar month", "1-12")
    if case.fiscal_year_start is None:
        put_formula(ws.cell(14, 2), f"={start_month_number}", MONTH_INDEX, link=True)
        ws.cell(14, 5, "the start month's (default: the case's own years)")
    else:
        put_input(ws.cell(14, 2), case.fiscal_year_start, MONTH_INDEX)
    refs.fiscal_shift = parameter(
        15, "fiscal_shift", "Months of its fiscal year gone when month 1 begins", "months"
    )
    put_formula(ws.cell(15, 2), f"=MOD({start_month_number}-{start},12)", MONTH_INDEX)
    refs.discounting = case.discounting
    if case.discounting == "end_of_month":
        return 16  # the default: the sheet as it always was
    ws.cell(16, 1, "Discounting convention (set in the app; see Notes)")
    put_text(ws.cell(16, 2), case.discounting)
    ws.cell(16, 5, DISCOUNTING_WORDS[case.discounting])
    refs.start_date = parameter(
        17, "start_date", "Date of month 0 (1st of the start month)", "date"
    )
    start_year_month = 'VALUE(LEFT($B$10,FIND("-",$B$10)-1))'
    put_formula(ws.cell(17, 2), f"=DATE({start_year_month},{start_month_number},1)", DATE)
    # The conventions' constants, named so that no formula types a number of its own.
    for r, key, label, value, attribute in (
        (18, "days_per_year", "Days in a year of the day count (act/365)", 365, "days_per_year"),
        (19, "mid_month_offset", "Mid-month: months before the month's end", 0.5, "mid_month"),
        (20, "clock_days", "Mid-month XIRR clock: days per month", 30, "clock_days"),
    ):
        setattr(refs, attribute, parameter(r, key, label, "days" if r != 19 else "months"))
        ws.cell(r, 2, value)
        ws.cell(r, 5, "a convention, not an input")
    return 21


#: The inflation input's meaning (Inputs, Notes).
INFLATION_WORDS = (
    "amounts are in today's money; each line's escalation is real growth on top: "
    "factor ((1 + inflation)(1 + escalation))^INT((t - 1) / 12); the discount rate is nominal"
)


def _inflation(ws: Worksheet, case: CaseFile, names: Names, r: int, refs: InputRefs) -> int:
    """The case's inflation rate, a named input (only when the case states one, so that
    a case without it keeps its sheet as it always was)."""
    if case.inflation_rate == 0.0:
        return r
    name = names.claim("inflation_rate", prefix="case_")
    names.point(name, INPUTS, f"$B${r}")
    ws.cell(r, 1, "Inflation (under each line's escalation)")
    put_input(ws.cell(r, 2), case.inflation_rate, PERCENT)
    ws.cell(r, 3, "a year")
    ws.cell(r, 4, name)
    ws.cell(r, 5, INFLATION_WORDS)
    refs.inflation_rate = name
    return r + 1


def _assumption_register(
    ws: Worksheet, case: CaseFile, names: Names, r: int, refs: InputRefs
) -> int:
    """One row per assumption; its value cell carries the key's defined name."""
    heading(ws, r, "Assumption register")
    columns = ["Key", "Label", "Value", "Unit", "Low", "High", "Source", "Owner", "Notes", "Name"]
    header_row(ws, r + 1, columns)
    r += 2
    for a in case.assumptions:
        name = names.claim(a.key)
        refs.assumption_names[a.key] = name
        refs.assumption_rows[a.key] = r
        names.point(name, INPUTS, f"$C${r}")
        fmt = assumption_format(a, case.currency)
        put_text(ws.cell(r, 1), a.key)
        put_text(ws.cell(r, 2), a.label)
        put_input(ws.cell(r, 3), a.value, fmt)
        put_text(ws.cell(r, 4), a.unit)
        for col, bound in ((5, a.low), (6, a.high)):
            if bound is not None:
                put_input(ws.cell(r, col), bound, fmt)
        put_text(ws.cell(r, 7), a.source)
        put_text(ws.cell(r, 8), a.owner)
        put_text(ws.cell(r, 9), a.notes)
        put_text(ws.cell(r, 10), name)
        r += 1
    if not case.assumptions:
        ws.cell(r, 1, "(no assumptions: every parameter is entered on its line below)")
        r += 1
    return r


def _line_parameters(ws: Worksheet, case: CaseFile, r: int, refs: InputRefs) -> int:
    """Each line's parameters: an input, or a link to the assumption it names."""
    sheet, cur = quote_sheet(INPUTS), case.currency
    heading(ws, r, "Line parameters")
    header_row(ws, r + 1, ["Line", "Parameter", "Value", "Unit", "From assumption"])
    r += 2
    groups: tuple[_Group, ...] = (
        ("Cost", case.costs, cost_parameters(case), refs.cost_params),
        ("Benefit", case.benefits, benefit_parameters(case), refs.benefit_params),
    )
    for side, lines, params_of, out in groups:
        for i, (line, params) in enumerate(zip(lines, params_of, strict=True), start=1):
            kind = line.recurrence if isinstance(line, CostLine) else line.kind
            apply_style(put_text(ws.cell(r, 1), f"{side} {i}: {line.name} ({kind})"), font=BOLD)
            if isinstance(line, CostLine):
                ws.cell(r, 2, "Category, department")
                put_text(ws.cell(r, 3), line.category)
                put_text(ws.cell(r, 4), line.department)
            r += 1
            cells: dict[str, str] = {}
            for pname, param in params.items():
                definition = parameter_of(line, pname)
                fmt = param_format(definition, cur)
                label = definition.label if definition else TIMING_LABELS[pname]
                ws.cell(r, 2, label)
                if isinstance(param, str):
                    target = refs.assumption_names[param]
                    put_formula(ws.cell(r, 3), f"={target}", fmt, link=True)
                    put_text(ws.cell(r, 5), param)
                else:
                    put_input(ws.cell(r, 3), param, fmt)
                ws.cell(r, 4, _param_unit(pname, definition, cur))
                cells[pname] = f"{sheet}!$C${r}"
                r += 1
            if isinstance(line, BenefitLine):
                r = _line_choices(ws, line, r, cells)
            out.append(cells)
    return r


def _line_choices(ws: Worksheet, line: BenefitLine, r: int, cells: dict[str, str]) -> int:
    """A benefit's choices: an input each holding the option's number (0 the default)."""
    kind = KINDS[line.kind]
    for name, value in kind.chosen(line.choices).items():
        choice = kind.choice(name)
        ws.cell(r, 2, choice.label)
        put_input(ws.cell(r, 3), choice.number(value), NUMBER)
        ws.cell(r, 4, choice.numbers_text())
        cells[name] = f"{quote_sheet(INPUTS)}!$C${r}"
        r += 1
    return r


def _param_unit(name: str, param: Parameter | None, currency: str) -> str:
    if param is None:
        return "months" if name in {"every_months", "ramp_months"} else "month"
    return {"money": currency, "ratio": "ratio", "rate": "ratio a year"}.get(param.unit, "count")
