"""A workbook's bytes, written in memory.

openpyxl's own writer puts each worksheet's XML in a temporary file first, then copies it
into the zip and deletes it: a file created, written, read and removed per sheet, a
share of an export that grows with the disk's latency. This writer is openpyxl's
``ExcelWriter`` with only that step changed: each sheet is written to a buffer and put in
the archive from memory. The parts and their bytes are otherwise openpyxl's own.
"""

from __future__ import annotations

import datetime
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter


class _InMemoryWriter(ExcelWriter):  # type: ignore[misc]
    def write_worksheet(self, ws: Worksheet) -> None:
        # As ExcelWriter.write_worksheet (openpyxl 3.1), with the sheet's XML in memory.
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = BytesIO()
        writer = WorksheetWriter(ws, out=out)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], out.getvalue())
        self.manifest.append(ws)


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx file of ``wb`` (what ``wb.save`` writes), built in memory."""
    if wb.write_only or wb.read_only:
        raise TypeError("only an ordinary (not read- or write-only) workbook")
    buffer = BytesIO()
    archive = ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    _InMemoryWriter(wb, archive).save()  # closes the archive
    return buffer.getvalue()
