"""``apply_style`` styles a cell as setting each part on it would, ids and styles.xml
included: its prepared style arrays only save the work, never change the result."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from cxroi.workbook.styles import (
    BOLD,
    HEADER_FILL,
    INPUT_FILL,
    INPUT_FONT,
    KEY_FILL,
    TOTAL_BORDER,
    UNLOCKED,
    VALUE_FONT,
    WRAP,
    apply_style,
    money,
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
