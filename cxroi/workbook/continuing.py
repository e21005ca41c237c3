"""The continuing value block: its inputs on the Inputs sheet and its formulas on the
Calculations sheet, below the metrics (only for a case with a continuing value).

The formulas are those of :mod:`cxroi.engine.continuing`: a churn or referrals line's
run-off B_H x q / (1 - q) with q = (1 - annual_churn)^(1/12) / (1 + m), or Gordon
growth Y x (1 + g) / (r - g) on the final year's net flow Y; either times month H's
discount factor, added to the NPV.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import CaseFile
from cxroi.engine.continuing import RUNOFF_KINDS

from .calculations import CalcRefs
from .inputs import InputRefs
from .layout import CALCULATIONS, FIRST_MONTH_COL, INPUTS, LABEL_COL, TOTAL_COL, UNIT_COL
from .layout import get_column_letter as column
from .names import Names
from .styles import (
    BOLD,
    KEY_FILL,
    PERCENT,
    apply_style,
    heading,
    money,
    put_formula,
    put_input,
    put_text,
)

#: The defined names of the block (reserved: no assumption may take them).
CONTINUING_KEYS = ("continuing_value", "npv_with_continuing_value", "headline_npv")
METHOD_TEXT = {
    "customer_runoff": "customer run-off (kept customers leave at the baseline churn)",
    "gordon_growth": "Gordon growth on the final year's net flow",
}


def write_continuing_inputs(ws: Worksheet, case: CaseFile, names: Names) -> str | None:
    """The method, the growth rate (an input) and the headline, below the Inputs sheet's
    last row; the growth cell's defined name (None without a continuing value)."""
    if case.continuing_value == "none":
        return None
    r = ws.max_row + 2
    heading(ws, r, "Continuing value (beyond the horizon)")
    ws.cell(r + 1, 1, "Method")
    put_text(ws.cell(r + 1, 2), METHOD_TEXT[case.continuing_value])
    ws.cell(r + 2, 1, "Growth a year after the horizon (Gordon growth, below the rate)")
    put_input(ws.cell(r + 2, 2), case.continuing_growth, PERCENT)
    ws.cell(r + 2, 3, "a year")
    name = names.claim("continuing_growth", prefix="case_")
    names.point(name, INPUTS, f"$B${r + 2}")
    ws.cell(r + 2, 4, name)
    ws.cell(r + 3, 1, "Headline NPV")
    put_text(ws.cell(r + 3, 2), case.headline_npv.replace("_", " "))
    return name


def write_continuing_value(
    ws: Worksheet,
    case: CaseFile,
    calc: CalcRefs,
    inputs: InputRefs,
    names: Names,
    growth: str | None,
) -> None:
    """Rows below the metrics: the value at month H, its PV, both NPVs and the headline."""
    if case.continuing_value == "none" or growth is None:
        return
    g, fmt, cur = calc.grid, money(case.currency), case.currency
    g.heading("Continuing value (beyond the horizon, risk-adjusted)")

    def put(label: str, unit: str, formula: str, number_format: str, key: str = "") -> str:
        r = g.row
        put_text(ws.cell(r, LABEL_COL), label)
        put_text(ws.cell(r, UNIT_COL), unit)
        cell = put_formula(ws.cell(r, TOTAL_COL), formula, number_format)
        if key:
            name = names.claim(key, reserved=True)
            names.point(name, CALCULATIONS, f"$C${r}")
            calc.metrics[key] = name
            apply_style(cell, font=BOLD, fill=KEY_FILL)
            put_text(ws.cell(r, FIRST_MONTH_COL), f"name: {name}")
        g.row += 1
        return f"$C${r}"

    last, m = g.last, inputs.monthly_rate
    if case.continuing_value == "gordon_growth":
        first = column(FIRST_MONTH_COL + case.horizon_months - 11)
        net = calc.rows["net"]
        final_year = put(
            "Final year's net cash flow Y (months H-11..H)",
            cur,
            f"=SUM(${first}${net}:${last}${net})",
            fmt,
        )
        at_horizon = put(
            "Continuing value at month H = Y x (1 + g) / (rate - g)",
            cur,
            f"={final_year}*(1+{growth})/({inputs.discount_rate}-{growth})",
            fmt,
        )
    else:
        parts = []
        for line, rows, cells in zip(
            case.benefits, calc.benefits, inputs.benefit_params, strict=True
        ):
            if line.kind not in RUNOFF_KINDS:
                continue
            q = f"(1-{cells['annual_churn']})^(1/12)/(1+{m})"
            parts.append(
                put(
                    f"Run-off of {line.name}: month H benefit x q / (1 - q)",
                    cur,
                    f"=${last}${rows.after_risk}*({q})/(1-{q})",
                    fmt,
                )
            )
        at_horizon = put(
            "Continuing value at month H (sum of the run-offs)",
            cur,
            "=" + ("+".join(parts) if parts else "0"),
            fmt,
        )
    factor = f"${last}${calc.rows['discount_factor']}"
    pv = put(
        "PV of the continuing value (x month H's discount factor)",
        cur,
        f"={at_horizon}*{factor}",
        fmt,
        "continuing_value",
    )
    with_cv = put(
        "NPV with continuing value = NPV + its PV",
        cur,
        f"={calc.metrics['npv']}+{pv}",
        fmt,
        "npv_with_continuing_value",
    )
    chosen = with_cv if case.headline_npv == "with_continuing_value" else calc.metrics["npv"]
    put(
        f"Headline NPV (the case's choice: {case.headline_npv.replace('_', ' ')})",
        cur,
        f"={chosen}",
        fmt,
        "headline_npv",
    )
