"""The Notes sheet (the model's conventions in words) and the Audit sheet.

The notes on benefit kinds come from the registry (:data:`cxroi.engine.kinds.KINDS`):
each kind's label, summary, formula and parameters, so that a new kind is explained
on this sheet without a change here.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine.kinds import KINDS

from .model import AuditRow
from .styles import (
    BOLD,
    TITLE_FONT,
    WRAP,
    apply_style,
    header_row,
    heading,
    print_setup,
    put_text,
    widths,
)

Notes = tuple[tuple[str, str], ...]

#: The conventions of the model: timing, discounting, the metrics, risk.
CONVENTIONS: Notes = (
    (
        "Timeline",
        "Month 0 is the start of the case: up-front payments, not discounted. "
        "Months 1 to H are cash flows at the end of each month.",
    ),
    ("Monthly rate", "m = (1 + annual discount rate)^(1/12) - 1 (Inputs, name monthly_rate)."),
    (
        "Discount rate from an assumption",
        "A case may take its discount rate from one of its assumptions: the rate's cell on "
        "Inputs is then a link to that assumption's value, so changing the assumption "
        "reprices every sheet. The app's tornado and break-even list it like any assumption "
        "(the break-even is the annual rate at which NPV is 0), and its Monte Carlo draws "
        "the rate per trial and discounts each trial at its own rate.",
    ),
    (
        "NPV",
        "NPV = CF0 + NPV(m, CF1:CFH): Excel's NPV discounts its first value by one "
        "period, so month 0 is added undiscounted.",
    ),
    (
        "Discounting convention",
        "The case states one (Inputs; month ends by default). Month ends: the factor of "
        "month t is 1 / (1 + m)^t. Mid-month: 1 / (1 + m)^(t - 0.5) for t >= 1 (month 0 "
        "stays up front). Act/365 (Excel's XNPV): month 0 is dated the 1st of the start "
        "month, month t the 1st of the month after it, and the factor is "
        "1 / (1 + rate)^((date - date of month 0) / 365). Under mid-month and act/365 the "
        "NPV and PVs are SUMPRODUCT(flows, factors) and the IRR is Excel's XIRR (over the "
        "flow dates, or for mid-month over a clock of 30 days a month, converted to a "
        "year); payback counts the same months, and discounted payback uses the factors. "
        "MIRR stays on whole months.",
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
        "(1 + i)^12 - 1. Always a live formula: its search starts at the app's monthly root "
        "(Inputs), so after an input changes it follows the root; where no rate is found "
        "it shows text.",
    ),
    (
        "IRR uniqueness",
        "Descartes' rule of signs: the NPV has at most as many rates as the net flow "
        "changes sign, and exactly one when it changes sign once. The workbook counts the "
        "sign changes live (Calculations, irr_sign_changes) and proves the IRR unique when "
        "there is one (irr_unique = 1). With more sign changes the app counts the rates "
        "exactly (integer arithmetic on the NPV polynomial in x = 1 / (1 + i), bisected "
        "with Descartes' rule), so close rates are never missed; the workbook then says "
        "'not proved' and its IRR may be one of several rates.",
    ),
    (
        "MIRR",
        "Excel's MIRR over months 0..H: negative flows discounted to month 0 at the monthly "
        "finance rate, positive ones compounded to month H at the monthly reinvestment "
        "rate, each monthly rate (1 + annual)^(1/12) - 1 (Inputs; both default to the "
        "discount rate); annualised like the IRR, (1 + monthly MIRR)^12 - 1.",
    ),
    (
        "IRR caution",
        "An IRR above 1,000 % a year (Checks, an input) is shown with a caution on the "
        "Summary: so high a rate says little on its own; read it with the NPV, the payback "
        "and the MIRR.",
    ),
    (
        "Checks",
        "The master check sums only the model's integrity checks and stays 0 after any "
        "what-if. The differences from the app's values at export are counted apart, for "
        "information: they are expected once an input changes.",
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
        "Step up on each anniversary: e_t = (1 + rate)^INT((t - 1) / 12) for t >= 1, and 1 "
        "in month 0. g_t is the same for a growth rate.",
    ),
    (
        "Inflation (real and nominal)",
        "When the case states an inflation rate i (Inputs), every line amount is in "
        "today's money and each escalation or growth rate is real growth on top of it: the "
        "factor is ((1 + i)(1 + rate))^INT((t - 1) / 12), and a churn or referrals line "
        "is multiplied by (1 + i)^INT((t - 1) / 12). Flows, NPV, IRR and tax are then "
        "nominal, and the discount rate is nominal. A fixed-price line sets its "
        "escalation to 1 / (1 + i) - 1. Without an inflation rate, i is 0.",
    ),
    (
        "Ramp",
        "a_t = 0 before ramp_start, then min(1, (t - ramp_start + 1) / ramp_months); 1 from "
        "ramp_start when ramp_months <= 1.",
    ),
    (
        "Risk",
        "A cost line is multiplied by (1 + risk), a benefit line by (1 - risk). The "
        "headline figures are risk-adjusted.",
    ),
)

#: Symbols that benefit kinds share, defined after the kinds' formulas that use them.
KIND_SYMBOLS: Notes = (
    (
        "Churn cohort",
        "c = 1 - (1 - annual_churn)^(1/12) is the baseline monthly churn. Customers "
        "without the initiative: A^base_0 = customers, A^base_t = A^base_(t-1) x (1 - c) "
        "+ gross_adds; with it: A^cx_0 = customers, A^cx_t = A^cx_(t-1) x (1 - c x (1 - "
        "a_t x reduction)) + gross_adds.",
    ),
)

#: How to read the workbook itself.
READING: Notes = (
    (
        "Colours",
        "Blue on yellow: inputs (unlocked). Black: formulas. Green: links to "
        "another sheet. Grey italic: values computed by the app at export.",
    ),
    (
        "Analyses",
        "Scenarios, Sensitivity and Monte Carlo re-price the whole case many "
        "times; they are the app's values at export. The workbook does not simulate: "
        "the rank correlations listed on the Monte Carlo sheet are those the app drew "
        "with (Iman–Conover), shown for reference, not recalculated.",
    ),
)


def kind_notes() -> Notes:
    """One note per benefit kind, in the registry's words: a new kind explains itself."""
    notes: list[tuple[str, str]] = []
    for kind in KINDS.values():
        inputs = "; ".join(f"{p.name} = {p.label}" for p in kind.parameters)
        notes.append(
            (
                f"{kind.label} ({kind.name})",
                f"{kind.summary} Monthly benefit in month t >= 1, before risk: "
                f"{kind.formula}. Inputs: {inputs}.",
            )
        )
    return tuple(notes)


def write_notes(ws: Worksheet) -> None:
    apply_style(ws.cell(1, 1, "Notes: the conventions of this model"), font=TITLE_FONT)
    sections = (
        ("Conventions", CONVENTIONS),
        ("Benefit kinds", kind_notes() + KIND_SYMBOLS),
        ("Reading this workbook", READING),
    )
    row = 3
    for title, notes in sections:
        heading(ws, row, title)
        row += 1
        for topic, text in notes:
            apply_style(put_text(ws.cell(row, 1), topic), font=BOLD)
            apply_style(put_text(ws.cell(row, 2), text), alignment=WRAP)
            row += 1
        row += 1
    widths(ws, [30, 110])
    print_setup(ws)


def write_audit(ws: Worksheet, audit: Sequence[AuditRow]) -> None:
    apply_style(ws.cell(1, 1, "Audit trail"), font=TITLE_FONT)
    header_row(ws, 3, ["When", "Who", "What", "Old value", "New value"])
    for i, row in enumerate(audit, start=4):
        for col, value in enumerate((row.when, row.who, row.what, row.old, row.new), start=1):
            apply_style(put_text(ws.cell(i, col), value), alignment=WRAP)
    widths(ws, [20, 24, 40, 30, 30])
    ws.freeze_panes = "A4"
    print_setup(ws, title_rows="3:3")
