"""The in-memory writer writes the parts openpyxl's own ``save`` writes, byte for byte
(only the saved-at time in docProps/core.xml may differ), cells written as text included."""

from __future__ import annotations

import datetime
import io
import zipfile

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._writer import WorksheetWriter

from cxroi.workbook.writer import sheet_data, workbook_bytes


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_the_in_memory_writer_writes_what_openpyxl_writes() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    for r in range(1, 13):
        ws.cell(r, 1, r)
        ws.cell(r, 2, f"=A{r}*2").font = Font(bold=r == 1)
    ws.merge_cells("C1:D1")
    chart = LineChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=12))
    ws.add_chart(chart, "E2")
    wb.create_sheet("Other")["A1"] = "=SUM(Data!B1:B12)"
    wb.defined_names["total"] = DefinedName("total", attr_text="Other!$A$1")
    ours = workbook_bytes(wb)
    theirs = io.BytesIO()
    wb.save(theirs)
    assert _parts(ours) == _parts(theirs.getvalue())
    assert len(_parts(ours)) >= 10  # sheets, chart, drawing, styles, workbook, rels…


def _every_kind_of_cell(wb: Workbook) -> None:
    """Cells of each kind the fast path writes, with the characters XML escapes."""
    ws = wb.active
    assert ws is not None
    ws["A1"] = '=IF(A2<>0,"a&b<c>d",A3>=1)'
    ws["A2"] = " leading and trailing "
    ws["A3"] = "line\r\nbreak\ttab é € 😀 _x0041_ ]]>"
    ws["A4"] = ""
    ws["B4"].font = Font(italic=True)  # empty but styled: written
    ws["C4"] = "=-1"
    ws["C4"].quotePrefix = True
    for col, number in enumerate(
        (0, -7, 2**60, 0.1, -1e-300, 1e300, float("nan"), float("inf"), np.float64(1 / 3)), 1
    ):
        ws.cell(5, col, number)
    ws.row_dimensions[2].height = 45
    ws.row_dimensions[9].height = 20  # a row with no cells
    ws.merge_cells("A7:C7")
    ws["A7"] = "merged"
    wb.create_sheet("Empty")


def test_cells_written_as_text_are_what_openpyxl_writes() -> None:
    wb = Workbook()
    _every_kind_of_cell(wb)
    ours = workbook_bytes(wb)
    theirs = io.BytesIO()
    wb.save(theirs)
    assert _parts(ours) == _parts(theirs.getvalue())
    assert b"&amp;b&lt;c&gt;d" in _parts(ours)["xl/worksheets/sheet1.xml"]


def test_every_character_is_escaped_as_lxml_escapes_it() -> None:
    legal = [0x9, 0xA, 0xD, *range(0x20, 0xD800), *range(0xE000, 0xFFFE), *range(0x10000, 0x10400)]
    text = "".join(map(chr, legal))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row, start in enumerate(range(0, len(text), 2000), 1):
        ws.cell(row, 1, text[start : start + 2000])
        ws.cell(row, 2, f'="{text[start : start + 200]}"')
    ours = workbook_bytes(wb)
    theirs = io.BytesIO()
    wb.save(theirs)
    assert _parts(ours) == _parts(theirs.getvalue())


def test_a_sheet_with_other_kinds_of_cell_is_written_by_openpyxl() -> None:
    """A date, a boolean, a comment, a hyperlink: openpyxl's own code writes the sheet."""
    wb = Workbook()
    _every_kind_of_cell(wb)
    ws = wb.active
    assert ws is not None
    ws["D1"] = datetime.date(2027, 1, 31)
    ws["D2"] = True
    ws["D3"].comment = Comment("a note", "cxroi")
    ws["D4"].hyperlink = "https://example.com/"
    assert sheet_data(ws, WorksheetWriter(ws, out=io.BytesIO()).rows()) is None
    ours = workbook_bytes(wb)
    theirs = io.BytesIO()
    wb.save(theirs)
    assert _parts(ours) == _parts(theirs.getvalue())
