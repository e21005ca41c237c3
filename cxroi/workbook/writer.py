"""A workbook's bytes, written in memory, with each sheet's cells written as text.

openpyxl's own writer puts each worksheet's XML in a temporary file first, then copies it
into the zip and deletes it: a file created, written, read and removed per sheet, a
share of an export that grows with the disk's latency. This writer is openpyxl's
``ExcelWriter`` with two steps changed:

- each sheet is written to a buffer and put in the archive from memory;
- a sheet's cells (``<sheetData>``, most of the file) are written as text rather than
  through one lxml element per cell, which was the largest single cost of an export.
  Only the kinds of cell the workbook writes take this path (formulas, text, numbers,
  empty styled cells; no comment nor hyperlink); a sheet holding any other kind is
  written by openpyxl's own code. The text is what openpyxl writes through
  lxml, byte for byte (``tests/unit/workbook/test_writer.py`` compares the two).

The parts and their bytes are otherwise openpyxl's own.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from io import BytesIO
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import LXML
from openpyxl.compat import safe_string
from openpyxl.compat.numbers import NUMERIC_TYPES
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter


def xml_text(text: str) -> str:
    """``text`` escaped as lxml escapes character data (``&``, ``<``, ``>``, CR).

    Characters beyond ASCII are left for the final ``encode`` (as ``&#N;``, as lxml
    writes them when no encoding is given).
    """
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def _attribute(value: Any) -> str:
    """A row attribute's value escaped as lxml escapes an attribute."""
    text = xml_text(str(value)).replace('"', "&quot;")
    return text.replace("\n", "&#10;").replace("\t", "&#9;")


def sheet_data(ws: Worksheet, rows: list[tuple[int, list[Any]]]) -> bytes | None:
    """The ``<sheetData>`` element of ``ws`` as openpyxl writes it, or None when a cell
    is of a kind only openpyxl's own writer handles (see the module's docstring).

    ``rows`` is ``WorksheetWriter.rows()``. Style ids are taken in the order openpyxl
    takes them (cell by cell, row by row), so styles.xml is unchanged too.
    """
    styles = ws.parent._cell_styles
    row_dims = ws.row_dimensions
    out = ["<sheetData>"]
    put = out.append
    # The previous cell's style and its id: a row's cells mostly share one style, and
    # comparing two style arrays is far cheaper than hashing one to look it up.
    last_style: Any = None
    last_id = ""
    for row_idx, cells in rows:
        dims = row_dims.get(row_idx)
        if dims is None:
            put(f'<row r="{row_idx}">')
        else:
            attrs = "".join(f' {k}="{_attribute(v)}"' for k, v in dims)
            put(f'<row r="{row_idx}"{attrs}>')
        for cell in cells:
            if cell._comment is not None or cell.hyperlink is not None:
                return None
            value = cell._value
            style = cell._style
            styled = style is not None and any(style)
            if value is None and not styled:
                continue
            ref = f"{get_column_letter(cell.column)}{cell.row}"
            if not styled:
                s = ""
            elif style == last_style:
                s = last_id
            else:
                s = last_id = f' s="{styles.add(style)}"'
                last_style = style
            kind = cell.data_type
            if value is None or value == "":
                put(f'<c r="{ref}"{s}{"" if kind == "f" else _T.get(kind, "")}></c>')
                if kind not in _T and kind != "f":
                    return None
            elif kind == "f" and type(value) is str:
                put(f'<c r="{ref}"{s}><f>{xml_text(value[1:])}</f><v></v></c>')
            elif kind == "s" and type(value) is str:
                space = ' xml:space="preserve"' if value != value.strip() else ""
                put(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{xml_text(value)}</t></is></c>')
            elif kind == "n" and isinstance(value, NUMERIC_TYPES):
                put(f'<c r="{ref}"{s} t="n"><v>{safe_string(value)}</v></c>')
            else:
                return None
        put("</row>")
    if len(out) == 1:
        return None  # openpyxl's own (an empty sheet's element)
    put("</sheetData>")
    return "".join(out).encode("ascii", "xmlcharrefreplace")


#: The ``t`` attribute openpyxl gives an empty cell of each data type (none for formulas).
_T = {"s": ' t="inlineStr"', "n": ' t="n"'}


class _SheetWriter(WorksheetWriter):  # type: ignore[misc]
    def rows(self) -> list[tuple[int, list[Any]]]:
        # As WorksheetWriter.rows (openpyxl 3.1), sorting the coordinates alone rather
        # than (coordinate, cell) pairs.
        cells = self.ws._cells
        rows: dict[int, list[Any]] = defaultdict(list)
        for key in sorted(cells):
            rows[key[0]].append(cells[key])
        for row in self.ws.row_dimensions.keys() - rows.keys():
            rows[row] = []
        return sorted(rows.items())

    def write_rows(self) -> None:
        data = sheet_data(self.ws, self.rows()) if LXML else None
        if data is None:
            super().write_rows()
            return
        xf = self.xf.send(True)
        xf.flush()  # everything lxml has written so far, then the cells after it
        self.out.write(data)
        self.xf.send(None)


class _InMemoryWriter(ExcelWriter):  # type: ignore[misc]
    def write_worksheet(self, ws: Worksheet) -> None:
        # As ExcelWriter.write_worksheet (openpyxl 3.1), with the sheet's XML in memory.
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = BytesIO()
        writer = _SheetWriter(ws, out=out)
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
