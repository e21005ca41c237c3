"""The workbook's Monte Carlo sheet lists the rank correlations the app drew with; the
Notes say the workbook does not simulate them (issue 13 item 6)."""

from __future__ import annotations

import io

import openpyxl

from cxroi.engine import analyse, load_case
from cxroi.workbook import build_workbook
from tests.unit.engine.test_correlations import PAIRS, drivers_doc

from .cases import find_row

HEADING = "Rank correlations the app drew with (Iman–Conover; values at export)"


def _sheets(doc: dict) -> openpyxl.Workbook:
    case = load_case(doc)
    return openpyxl.load_workbook(io.BytesIO(build_workbook(case, analyse(case, trials=500))))


def test_the_monte_carlo_sheet_lists_each_pair() -> None:
    wb = _sheets(drivers_doc(PAIRS))
    ws = wb["Monte Carlo"]
    r = find_row(ws, HEADING)
    assert [c.value for c in ws[r + 1][:3]] == [
        "First assumption",
        "Second assumption",
        "Rank correlation",
    ]
    rows = [tuple(c.value for c in ws[r + 2 + i][:3]) for i in range(len(PAIRS))]
    assert rows == [("saving_a", "saving_b", 0.7), ("run", "saving_a", -0.4)]
    assert ws.cell(r + 2 + len(PAIRS), 1).value is None
    notes = " ".join(str(c.value) for row in wb["Notes"].iter_rows() for c in row if c.value)
    assert "The workbook does not simulate" in notes and "Iman–Conover" in notes


def test_no_pairs_no_table() -> None:
    ws = _sheets(drivers_doc())["Monte Carlo"]
    assert all(c.value != HEADING for row in ws.iter_rows(max_col=1) for c in row)
