"""The in-memory writer writes the parts openpyxl's own ``save`` writes, byte for byte
(only the saved-at time in docProps/core.xml may differ)."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName

from cxroi.workbook.writer import workbook_bytes


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
