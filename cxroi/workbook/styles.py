"""Cell styles, number formats and safe writing of user text.

Inputs are blue on pale yellow and unlocked; calculations black; links to other
sheets green; values copied from the engine grey italic. User text never becomes
a formula: :func:`put_text` writes it as a string with the quote-prefix style.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from weakref import WeakKeyDictionary

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart._chart import ChartBase
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

#: Characters that make a spreadsheet read typed text as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_TEXT = 32_767
_XSTRING = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

PERCENT = "0.0%"
PERCENT_FINE = "0.0##%"
MONTHS = '0.0" months"'
MONTH_INDEX = "0"
FACTOR = "0.0000"
COUNT = "#,##0.00"
RATIO = "0.00"
NUMBER = "#,##0.####;-#,##0.####;0"
EXACT = "0.000000000"

INPUT_FONT = Font(color="0000CC")
INPUT_FILL = PatternFill("solid", fgColor="FFF9D6")
LINK_FONT = Font(color="007A33")
VALUE_FONT = Font(color="595959", italic=True)
TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=11, color="1F3864")
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
KEY_FILL = PatternFill("solid", fgColor="E2EFDA")
TOTAL_BORDER = Border(top=Side(style="thin"))
UNLOCKED = Protection(locked=False)
PASS_FILL = PatternFill("solid", bgColor="C6EFCE")
PASS_FONT = Font(color="006100")
FAIL_FILL = PatternFill("solid", bgColor="FFC7CE")
FAIL_FONT = Font(color="9C0006")
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="bottom")
SECTION_FONT = Font(bold=True, size=12, color="1F3864")

#: Per workbook: (a cell's style before, the parts set) -> the style after, and the parts.
_PREPARED: WeakKeyDictionary[Any, dict[tuple[Any, ...], tuple[StyleArray, tuple[Any, ...]]]]
_PREPARED = WeakKeyDictionary()


def apply_style(
    cell: Cell,
    *,
    number_format: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
    border: Border | None = None,
    alignment: Alignment | None = None,
    protection: Protection | None = None,
) -> Cell:
    """Style a cell: the one way every sheet sets a number format, font, fill, border,
    alignment or protection.

    Setting a style part on an openpyxl cell hashes the part (a Font hashes every field,
    recursively) to find its id in the workbook, one part at a time. Here the first cell
    given a combination is styled that way (so the workbook registers each part in the
    order it always did, and styles.xml is unchanged); every later cell starting from the
    same style and given the same parts (the same objects) copies the prepared style
    array: no hashing, no lookups.
    """
    wb = cell.parent.parent
    prepared = _PREPARED.get(wb)
    if prepared is None:
        prepared = _PREPARED[wb] = {}
    parts = (font, fill, border, alignment, protection)
    before = cell._style
    key = (
        None if before is None else tuple(before),
        number_format,
        *(id(part) for part in parts),
    )
    found = prepared.get(key)
    if found is not None:
        cell._style = StyleArray(found[0])
        return cell
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if alignment is not None:
        cell.alignment = alignment
    if protection is not None:
        cell.protection = protection
    # The parts are kept with the style so that their ids stay theirs.
    prepared[key] = (StyleArray(cell._style), parts)
    return cell


def money(currency: str) -> str:
    """A number format showing the case currency, negatives in parentheses."""
    code = "".join(ch for ch in currency if ch.isalnum()) or "XXX"
    return f'"{code}" #,##0.00;[Red]"{code}" (#,##0.00);"{code}" 0.00'


def clean_text(value: str) -> str:
    """Text openpyxl can store: no control characters it refuses, at most 32,767 chars."""
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return cleaned[:MAX_TEXT]


def xstring(text: str) -> str:
    """OOXML's escaping of a string: a carriage return survives as ``_x000D_``.

    An XML reader turns a raw CR into a line feed; spreadsheets read ``_xHHHH_`` as
    the character HHHH, so a literal ``_x0041_`` in the text is escaped too.
    """
    return _XSTRING.sub(r"_x005F_\1", text).replace("\r", "_x000D_")


def put_text(cell: Cell, value: str | None) -> Cell:
    """Write user text as text, never as a formula (quote prefix when it could be one).

    The quote prefix is a style, so nothing visible is added to the text.
    """
    if value is None:
        return cell
    text = clean_text(value)
    cell.value = xstring(text)
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def put_input(cell: Cell, value: float | int | str, number_format: str) -> Cell:
    """An input the reader may change: styled as an input and unlocked."""
    cell.value = value
    return apply_style(
        cell, number_format=number_format, font=INPUT_FONT, fill=INPUT_FILL, protection=UNLOCKED
    )


def put_value(cell: Cell, value: float | int | None, number_format: str) -> Cell:
    """A number copied from the engine at export (not a formula): grey italic."""
    cell.value = value
    return apply_style(cell, number_format=number_format, font=VALUE_FONT)


def put_formula(cell: Cell, formula: str, number_format: str, link: bool = False) -> Cell:
    cell.value = formula
    return apply_style(cell, number_format=number_format, font=LINK_FONT if link else None)


def put_formula_row(
    ws: Worksheet, row: int, col: int, formulas: list[str], number_format: str
) -> None:
    """Formulas in consecutive new cells of a row, in one number format: what
    ``put_formula`` on each cell writes, without openpyxl's per-cell work.

    ``ws.cell(row, col, formula)`` checks each formula for characters a sheet cannot
    hold, infers its type and looks its cell up; the Calculations sheet writes thousands.
    Here the checks run once over the row and each cell is made with its style already
    set. Anything else (a cell already there, a value that is not a formula, a character
    openpyxl refuses) takes ``put_formula`` cell by cell, which behaves as it always did.
    """
    cells = ws._cells
    if (
        not formulas
        or not all(type(f) is str and 1 < len(f) <= MAX_TEXT and f[0] == "=" for f in formulas)
        or ILLEGAL_CHARACTERS_RE.search("".join(formulas)) is not None
        or any((row, col + i) in cells for i in range(len(formulas)))
    ):
        for i, formula in enumerate(formulas):
            put_formula(ws.cell(row, col + i), formula, number_format)
        return
    style = None
    for i, formula in enumerate(formulas):
        cell = Cell(ws, row=row, column=col + i, style_array=style)
        cell._value = formula
        cell.data_type = "f"
        cells[(row, col + i)] = cell
        if style is None:
            style = apply_style(cell, number_format=number_format)._style
    ws._current_row = max(row, ws._current_row)


def heading(ws: Worksheet, row: int, text: str, col: int = 1) -> None:
    apply_style(ws.cell(row, col, text), font=HEADING_FONT)


def header_row(ws: Worksheet, row: int, labels: Iterable[str], col: int = 1) -> None:
    for i, label in enumerate(labels):
        apply_style(
            ws.cell(row, col + i, label), font=BOLD, fill=HEADER_FILL, alignment=HEADER_ALIGNMENT
        )


def widths(ws: Worksheet, sizes: Iterable[float], first: int = 1) -> None:
    for i, size in enumerate(sizes):
        ws.column_dimensions[get_column_letter(first + i)].width = size


def print_setup(
    ws: Worksheet,
    title_rows: str | None = None,
    title_cols: str | None = None,
    *,
    one_page: bool = False,
    pages_wide: int = 1,
) -> None:
    """Landscape, fit to ``pages_wide`` pages wide (and one tall with ``one_page``).

    A sheet too wide for one readable page (the monthly Calculations) fits to several
    pages wide instead, its title rows and label columns repeated on each.
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols


def show_axes(chart: ChartBase) -> None:
    """A readable chart size, with both axes drawn (openpyxl 3.1 leaves them to the reader)."""
    chart.height, chart.width = 8, 18
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def pass_fail(ws: Worksheet, ref: str) -> None:
    """Colour a check cell (or range): green when 0, red otherwise."""
    ws.conditional_formatting.add(
        ref, CellIsRule(operator="equal", formula=["0"], fill=PASS_FILL, font=PASS_FONT)
    )
    ws.conditional_formatting.add(
        ref, CellIsRule(operator="notEqual", formula=["0"], fill=FAIL_FILL, font=FAIL_FONT)
    )


def protect(ws: Worksheet) -> None:
    """Protect a sheet without a password: only unlocked (input) cells take typing.

    One click (Review > Unprotect sheet) lifts it; it guards the formulas against a
    stray keystroke, not against a reader. Formatting rows, columns and cells stays
    allowed.
    """
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
