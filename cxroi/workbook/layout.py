"""Sheet names and the grid of the Calculations sheet (one column per month)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from openpyxl.utils import get_column_letter as _column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .names import quote_sheet
from .styles import BOLD, SECTION_FONT, TOTAL_BORDER, apply_style, put_formula_row, put_text

SUMMARY = "Summary"
INPUTS = "Inputs"
CALCULATIONS = "Calculations"
ANNUAL = "Annual"
SCENARIOS = "Scenarios"
SENSITIVITY = "Sensitivity"
MONTE_CARLO = "Monte Carlo"
CHECKS = "Checks"
NOTES = "Notes"
AUDIT = "Audit"

LABEL_COL, UNIT_COL, TOTAL_COL, PRIOR_COL, FIRST_MONTH_COL = 1, 2, 3, 4, 5
MONTH_ROW, CALENDAR_ROW, YEAR_ROW = 4, 5, 6
#: The annual IRR above which the workbook adds a caution: an input on the Checks sheet.
IRR_CAUTION_ROW = 6
IRR_CAUTION_CELL = f"{CHECKS}!$B${IRR_CAUTION_ROW}"
FIRST_BODY_ROW = 8


def get_column_letter(index: int) -> str:
    """The column letters of a 1-based column index (typed wrapper of openpyxl's)."""
    letters: str = _column_letter(index)
    return letters


Template = Callable[[str, str], str]
"""Builds a month's formula from its column letter and the previous column's letter."""


@dataclass
class Grid:
    """The Calculations sheet: rows built left to right with one formula per row."""

    ws: Worksheet
    horizon: int
    row: int = FIRST_BODY_ROW

    @property
    def first(self) -> str:
        return get_column_letter(FIRST_MONTH_COL)

    @property
    def last(self) -> str:
        return get_column_letter(FIRST_MONTH_COL + self.horizon)

    @property
    def second(self) -> str:
        return get_column_letter(FIRST_MONTH_COL + 1)

    def month(self, col: str) -> str:
        """The month-index cell of a column, row-absolute (``E$4``)."""
        return f"{col}${MONTH_ROW}"

    def span(self, row: int, *, absolute: bool = False, sheet: bool = False) -> str:
        """Months 0..H of ``row`` as a range."""
        d = "$" if absolute else ""
        ref = f"{d}{self.first}{d}{row}:{d}{self.last}{d}{row}"
        return f"{quote_sheet(CALCULATIONS)}!{ref}" if sheet else ref

    def tail(self, row: int, *, sheet: bool = False) -> str:
        """Months 1..H of ``row`` (what Excel's NPV discounts)."""
        ref = f"${self.second}${row}:${self.last}${row}" if self.horizon else f"$E${row}:$E${row}"
        return f"{quote_sheet(CALCULATIONS)}!{ref}" if sheet else ref

    def at(self, row: int, month: int) -> str:
        return f"{get_column_letter(FIRST_MONTH_COL + month)}{row}"

    def heading(self, text: str) -> None:
        self.row += 1
        apply_style(self.ws.cell(self.row, LABEL_COL, text), font=SECTION_FONT)
        self.row += 1

    def line_heading(self, text: str) -> None:
        apply_style(put_text(self.ws.cell(self.row, LABEL_COL), text), font=BOLD)
        self.row += 1

    def add(
        self,
        label: str,
        unit: str,
        template: Template,
        number_format: str,
        *,
        total: bool = False,
        emphasis: bool = False,
    ) -> int:
        """One row: label, unit, the same formula in every month, optionally a row total."""
        ws, r = self.ws, self.row
        put_text(ws.cell(r, LABEL_COL), label)
        put_text(ws.cell(r, UNIT_COL), unit)
        letters = [get_column_letter(FIRST_MONTH_COL + m) for m in range(-1, self.horizon + 1)]
        formulas = [template(letters[m + 1], letters[m]) for m in range(self.horizon + 1)]
        put_formula_row(ws, r, FIRST_MONTH_COL, formulas, number_format)
        if total:
            cell = ws.cell(r, TOTAL_COL, f"=SUM({self.span(r)})")
            apply_style(cell, number_format=number_format)
        if emphasis:
            for c in range(LABEL_COL, FIRST_MONTH_COL + self.horizon + 1):
                apply_style(ws.cell(r, c), font=BOLD, border=TOTAL_BORDER)
        self.row += 1
        return r
