"""``apply_style`` styles a cell as setting each part on it would, ids and styles.xml
included, and ``put_formula_row`` writes what ``put_formula`` writes cell by cell: they
only save work, never change the result."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import IllegalCharacterError

from cxroi.workbook.styles import (
    BOLD,
    HEADER_FILL,
    INPUT_FILL,
    INPUT_FONT,
    KEY_FILL,
    PERCENT,
    TOTAL_BORDER,
    UNLOCKED,
    VALUE_FONT,
    WRAP,
    apply_style,
    money,
    put_formula,
    put_formula_row,
)
from cxroi.workbook.writer import workbook_bytes

#: (row, column, quote prefix first, parts): repeated combinations, cells already
#: styled, a part given as a new but equal object, and a cell styled twice.
STEPS: list[tuple[int, int, bool, dict[str, Any]]] = [
    (1, 1, False, {"font": BOLD, "fill": HEADER_FILL}),
    (1, 2, False, {"font": BOLD, "fill": HEADER_FILL}),
    (2, 1, False, {"number_format": money("GBP"), "font": INPUT_FONT, "fill": INPUT_FILL,
                   "protection": UNLOCKED}),
    (2, 2, True, {"font": BOLD}),
    (2, 3, True, {"font": BOLD}),
    (2, 4, False, {"font": BOLD}),
    (3, 1, False, {"number_format": "0.0%"}),
    (3, 1, False, {"font": VALUE_FONT, "border": TOTAL_BORDER}),
    (3, 2, False, {"number_format": "0.0%"}),
    (3, 2, False, {"font": VALUE_FONT, "border": TOTAL_BORDER}),
    (4, 1, False, {"font": Font(bold=True, size=12), "fill": KEY_FILL}),
    (4, 2, False, {"font": Font(bold=True, size=12), "alignment": WRAP}),
    (5, 1, False, {"number_format": money("EUR")}),
    (5, 2, False, {"number_format": money("GBP"), "font": INPUT_FONT, "fill": INPUT_FILL,
                   "protection": UNLOCKED}),
]  # fmt: skip


def _styled(fast: bool) -> tuple[list[tuple[int, ...]], bytes]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row, col, quoted, parts in STEPS:
        cell = ws.cell(row, col, f"r{row}c{col}")
        if quoted:
            cell.quotePrefix = True
        if fast:
            apply_style(cell, **parts)
        else:
            for name, part in parts.items():
                setattr(cell, name, part)
    arrays = [tuple(ws.cell(row, col)._style) for row, col, _q, _p in STEPS]
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(wb))) as z:
        return arrays, z.read("xl/styles.xml")


def test_apply_style_styles_as_setting_each_part_does() -> None:
    fast, slow = _styled(True), _styled(False)
    assert fast == slow
    arrays = fast[0]
    assert arrays[0] == arrays[1] and arrays[3] == arrays[4]  # repeats share one style
    assert arrays[3][7] == 1  # the quote prefix set before is kept
    assert arrays[5] == (1, 0, 0, 0, 0, 0, 0, 0, 0)  # the same part on an unquoted cell
    assert arrays[2] == arrays[-1] and arrays[7] == arrays[9]
    assert len(set(arrays)) == 8


def _row_of(fast: bool, formulas: list[str], before: bool = False) -> list[tuple[Any, ...]]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if before:
        ws.cell(3, 4).font = BOLD  # a cell already there keeps its font
    if fast:
        put_formula_row(ws, 3, 2, formulas, PERCENT)
    else:
        for i, formula in enumerate(formulas):
            put_formula(ws.cell(3, 2 + i), formula, PERCENT)
    assert ws.max_row == 3 and ws._current_row == 3  # ws.append goes below it
    return [
        (cell.coordinate, cell.value, cell.data_type, tuple(cell._style))
        for cell in ws._cells.values()
    ]


def test_a_row_of_formulas_is_what_put_formula_writes_cell_by_cell() -> None:
    formulas = ["=A1*2", '=IF(B3<>0,"x&y",1)', "=SUM(B3:C3)"]
    fast = _row_of(True, formulas)
    assert fast == _row_of(False, formulas)
    assert [c[2] for c in fast] == ["f", "f", "f"] and len({c[3] for c in fast}) == 1
    assert _row_of(True, formulas, before=True) == _row_of(False, formulas, before=True)
    odd = ["=1", "text", "=", "#N/A"]  # not all formulas: typed as openpyxl types them
    assert [c[2] for c in _row_of(True, odd)] == ["f", "s", "s", "e"]


def test_a_row_with_a_character_a_sheet_cannot_hold_is_refused_as_before() -> None:
    ws = Workbook().active
    assert ws is not None
    with pytest.raises(IllegalCharacterError):
        put_formula_row(ws, 1, 1, ["=1", '="a\x01b"'], PERCENT)
