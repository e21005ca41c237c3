"""Reading an edited workbook back: every input cell of every named case maps to the
document field it was written from (so a change there changes exactly that field)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from cxroi.engine import analyse
from cxroi.engine.loader import case_to_dict
from cxroi.workbook import WorkbookVersion, build_workbook
from cxroi.workbook.readback import apply_changes, content_hash, input_cells, read_changes

from .cases import all_case_names, case_named


def _field(doc: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    target: Any = doc
    for step in path:
        target = target[step]
    return target


@pytest.mark.parametrize("name", all_case_names())
def test_each_input_cell_reads_back_into_its_own_field(name: str) -> None:
    case = case_named(name)
    data = build_workbook(
        case, analyse(case, trials=0), version=WorkbookVersion(status="draft", case_hash="h")
    )
    assert content_hash(data) == "h"
    assert read_changes(case, data) == []  # as exported: nothing differs
    cells = input_cells(case)
    doc = case_to_dict(case)
    for cell in cells:
        assert _field(doc, cell.path) == pytest.approx(cell.value), cell  # written from there
    book = load_workbook(io.BytesIO(data))
    sheet = book["Inputs"]
    for cell in cells:  # every input, moved by a whole step (months stay whole)
        sheet[cell.ref].value = cell.value + 1
    out = io.BytesIO()
    book.save(out)
    changes = read_changes(case, out.getvalue())
    assert [c.cell for c in changes] == cells
    # a spreadsheet keeps 15 significant digits
    assert all(f"{c.new:.15g}" == f"{c.cell.value + 1:.15g}" for c in changes)
    moved = apply_changes(doc, [(c.cell.path, c.new) for c in changes])
    for cell in cells:
        assert _field(moved, cell.path) == pytest.approx(cell.value + 1, rel=1e-14)
        assert _field(doc, cell.path) == pytest.approx(cell.value)  # the original is untouched
    assert len({c.path for c in cells}) == len(cells)
    assert len({c.ref for c in cells}) == len(cells)


def test_the_inflation_rate_reads_back_when_the_case_states_one() -> None:
    cells = {c.path: c for c in input_cells(case_named("inflation"))}
    assert cells[("inflation_rate",)].value == 0.03 and cells[("inflation_rate",)].percent
    assert ("inflation_rate",) not in {c.path for c in input_cells(case_named("tax"))}
