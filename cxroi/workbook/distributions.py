"""The Monte Carlo sheet's table of how each ranged assumption is drawn: its distribution
and the distribution's mean and standard deviation as live formulas of the assumption's
low, value and high on the Inputs sheet (:mod:`cxroi.engine.distributions`' closed forms).

The simulation itself is the app's (values at export); these formulas follow a what-if,
so a reader sees what each range and mode imply. The distributions' constants are cells
of their own, named in the table's heading rows (no formula types a number).
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import CaseFile

from .inputs import InputRefs
from .layout import INPUTS
from .names import quote_sheet
from .styles import EXACT, NUMBER, apply_style, header_row, heading, put_formula, put_text

#: (label, value) of each constant the formulas read, in the order of CONSTANT_KEYS.
CONSTANTS = (
    ("Triangular: the mean divides low + mode + high by", 3),
    ("Triangular: the variance divides its sum of squares by", 18),
    ("PERT: the mode's weight in the mean", 4),
    ("PERT: the mean's divisor (1 + weight + 1)", 6),
    ("PERT: the variance divides (mean - low)(high - mean) by", 7),
    ("Uniform: the mean divides low + high by", 2),
    ("Truncated normal: the range over the standard deviation", 4),
)
CONSTANT_KEYS = ("tri_n", "tri_v", "pert_w", "pert_n", "pert_v", "uni_n", "norm_spread")


def distribution_formulas(
    shape: str, low: str, mode: str, high: str, c: dict[str, str]
) -> tuple[str, str]:
    """(mean, standard deviation) formulas of a distribution over cells low, mode, high."""
    if shape == "pert":
        mean = f"({low}+{c['pert_w']}*{mode}+{high})/{c['pert_n']}"
        return f"={mean}", f"=SQRT(({mean}-{low})*({high}-{mean})/{c['pert_v']})"
    if shape == "uniform":
        return f"=({low}+{high})/{c['uni_n']}", f"=({high}-{low})/SQRT(12)"
    if shape == "truncated_normal":
        sd = f"(({high}-{low})/{c['norm_spread']})"
        a, b = f"(({low}-{mode})/{sd})", f"(({high}-{mode})/{sd})"
        pa, pb = f"NORMDIST({a},0,1,FALSE)", f"NORMDIST({b},0,1,FALSE)"
        z = f"(NORMDIST({b},0,1,TRUE)-NORMDIST({a},0,1,TRUE))"
        shift = f"(({pa}-{pb})/{z})"
        return (
            f"={mode}+{sd}*{shift}",
            f"={sd}*SQRT(1+({a}*{pa}-{b}*{pb})/{z}-{shift}*{shift})",
        )
    squares = f"{low}*{low}+{mode}*{mode}+{high}*{high}-{low}*{mode}-{low}*{high}-{mode}*{high}"
    return f"=({low}+{mode}+{high})/{c['tri_n']}", f"=SQRT(({squares})/{c['tri_v']})"


def write_distributions(ws: Worksheet, case: CaseFile, inputs: InputRefs, r: int) -> int:
    """The table from row ``r``; returns the row after it (``r`` when nothing is drawn)."""
    drawn = [
        a
        for a in sorted(case.assumptions, key=lambda a: a.key)
        if a.low is not None and a.high is not None and a.high > a.low
    ]
    if not drawn:
        return r
    heading(ws, r, "How each assumption is drawn (live: follows the Inputs sheet)")
    cells: dict[str, str] = {}
    r += 1
    for (label, value), key in zip(CONSTANTS, CONSTANT_KEYS, strict=True):
        ws.cell(r, 1, label)
        apply_style(ws.cell(r, 2, value), number_format=NUMBER)
        cells[key] = f"$B${r}"
        r += 1
    header_row(ws, r, ["Assumption", "Distribution", "Mean", "Standard deviation"])
    r += 1
    sheet = quote_sheet(INPUTS)
    for a in drawn:
        row = inputs.assumption_rows[a.key]
        low, mode, high = (f"{sheet}!${col}${row}" for col in ("E", "C", "F"))
        mean, sd = distribution_formulas(a.distribution or "triangular", low, mode, high, cells)
        put_text(ws.cell(r, 1), a.key)
        put_text(ws.cell(r, 2), a.distribution or "triangular")
        put_formula(ws.cell(r, 3), mean, EXACT)
        put_formula(ws.cell(r, 4), sd, EXACT)
        r += 1
    return r
