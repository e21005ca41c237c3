"""Proof (c): the workbook's structure, read back with openpyxl (no recalculation)."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.formula.translate import Translator

from cxroi.engine import CaseFile, analyse
from cxroi.workbook import AuditRow, WorkbookVersion, build_workbook

from .cases import METRICS, all_case_names, case_named, export, find_row, name_target

SHEETS = [
    "Summary",
    "Inputs",
    "Calculations",
    "Annual",
    "Scenarios",
    "Sensitivity",
    "Monte Carlo",
    "Checks",
    "Notes",
]
ALLOWED_NUMBERS = {"0", "1", "12"}
INPUT_FILL = "00FFF9D6"


@pytest.fixture(scope="module", params=all_case_names())
def exported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[openpyxl.Workbook, CaseFile]:
    path, case, _result = export(request.param, tmp_path_factory.mktemp("structure"))
    return openpyxl.load_workbook(path), case


@pytest.fixture
def workbook(exported: tuple[openpyxl.Workbook, CaseFile]) -> openpyxl.Workbook:
    return exported[0]


def _formulas(wb: openpyxl.Workbook) -> list[tuple[str, str, str]]:
    return [
        (ws.title, cell.coordinate, cell.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_sheets_come_in_the_reading_order(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == SHEETS


def test_every_defined_name_resolves_to_a_cell(workbook: openpyxl.Workbook) -> None:
    assert set(METRICS) <= set(workbook.defined_names)
    for name in workbook.defined_names:
        sheet, ref = name_target(workbook, name)
        assert sheet in workbook.sheetnames, name
        assert ":" not in ref, name
        assert workbook[sheet][ref].value is not None, name


def test_each_assumption_key_has_a_name_on_its_input_value(
    exported: tuple[openpyxl.Workbook, CaseFile],
) -> None:
    workbook, case = exported
    ws = workbook["Inputs"]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Key")
    for r, assumption in enumerate(case.assumptions, start=header + 1):
        key, name = ws.cell(r, 1).value, ws.cell(r, 10).value
        assert key == assumption.key
        assert name in (key, f"a_{key}")
        assert name_target(workbook, name) == ("Inputs", f"C{r}")
        assert ws.cell(r, 3).value == assumption.value


def test_input_cells_are_unlocked_and_styled_as_inputs(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Inputs"]
    inputs = [c for row in ws.iter_rows() for c in row if c.fill.fgColor.rgb == INPUT_FILL]
    assert inputs
    for cell in inputs:
        assert cell.protection.locked is False, cell.coordinate
        assert cell.font.color.rgb == "000000CC", cell.coordinate
        assert cell.data_type == "n", cell.coordinate
    assert _discount_rate_input(workbook) in inputs


def _discount_rate_input(workbook: openpyxl.Workbook) -> Any:
    """The cell a reader changes to move the discount rate: its own, or (when an
    assumption sets the rate) that assumption's, which the rate's cell links to."""
    sheet, ref = name_target(workbook, "discount_rate")
    cell = workbook[sheet][ref]
    if isinstance(cell.value, str) and cell.value.startswith("="):
        sheet, ref = name_target(workbook, cell.value[1:])
        cell = workbook[sheet][ref]
    return cell


def test_each_calculation_row_has_one_formula_along_the_months(
    workbook: openpyxl.Workbook,
) -> None:
    ws = workbook["Calculations"]
    months = [c.value for c in ws[4][4:] if c.value is not None]
    assert months == list(range(len(months)))
    checked = 0
    for r in range(7, ws.max_row + 1):
        first = ws.cell(r, 5)
        if first.data_type != "f" or ws.cell(r, 6).data_type != "f":
            continue
        for m in range(1, len(months)):
            cell = ws.cell(r, 5 + m)
            expected = Translator(first.value, origin=first.coordinate).translate_formula(
                cell.coordinate
            )
            assert cell.value == expected, f"row {r} month {m}: {cell.value} != {expected}"
        checked += 1
    assert checked >= 10


def test_every_month_cell_of_the_model_is_a_formula(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Calculations"]
    width = sum(1 for c in ws[4][4:] if c.value is not None)
    for r in range(6, ws.max_row + 1):
        values = [ws.cell(r, 5 + m) for m in range(width)]
        filled = [c for c in values if c.value is not None]
        if ws.cell(r, 3).data_type == "f" and ws.cell(r, 5).data_type != "f":
            continue  # a metric row: value in column C, a note beside it
        assert all(c.data_type == "f" for c in filled), f"row {r} has typed numbers"


def test_no_number_is_typed_inside_a_formula_beyond_zero_one_twelve(
    workbook: openpyxl.Workbook,
) -> None:
    for sheet, ref, formula in _formulas(workbook):
        numbers = {
            t.value
            for t in Tokenizer(formula).items
            if t.type == Token.OPERAND and t.subtype == Token.NUMBER
        }
        assert numbers <= ALLOWED_NUMBERS, f"{sheet}!{ref}: {formula}"


def test_headline_metrics_on_summary_point_at_the_named_cells(
    workbook: openpyxl.Workbook,
) -> None:
    ws = workbook["Summary"]
    cells = {c.value for row in ws.iter_rows(min_col=2, max_col=2) for c in row}
    for key in METRICS:
        assert f"={key}" in cells
    assert "=master_check" in cells
    (chart,) = ws._charts
    titles = [s.tx.strRef.f if s.tx.strRef else s.tx.v for s in chart.series]
    assert titles == ["Cumulative net", "Cumulative discounted", "Payback", "Discounted payback"]


def test_formatting_freeze_panes_print_setup_and_properties(
    workbook: openpyxl.Workbook,
) -> None:
    calc = workbook["Calculations"]
    assert calc.freeze_panes == "E7"
    assert calc.print_title_rows == "$4:$6"
    assert calc.print_title_cols == "$A:$C"
    months = calc.max_column - 4
    assert calc.page_setup.fitToWidth == -(-months // 13)  # about a year of months a page
    assert workbook["Summary"].page_setup.fitToHeight == 1  # the Summary on one page
    for ws in workbook.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        if ws.title != "Calculations":
            assert ws.page_setup.fitToWidth == 1, ws.title
    props = workbook.properties
    assert props.creator == "cxroi"
    assert props.title == workbook["Summary"]["A1"].value
    assert props.subject
    sheet, ref = name_target(workbook, "npv")
    currency = (
        workbook["Inputs"]
        .cell(next(r for r in range(1, 30) if workbook["Inputs"].cell(r, 1).value == "Currency"), 2)
        .value
    )
    assert currency in workbook[sheet][ref].number_format
    sheet, ref = name_target(workbook, "payback_months")
    assert "0.0" in workbook[sheet][ref].number_format


def test_sensitivity_and_monte_carlo_have_their_charts(tmp_path: Path) -> None:
    path, _case, result = export("lead-qualification", tmp_path)
    wb = openpyxl.load_workbook(path)
    assert result.tornado and result.monte_carlo is not None
    assert len(wb["Sensitivity"]._charts) == 1
    assert len(wb["Monte Carlo"]._charts) == 1
    counts = [wb["Monte Carlo"].cell(r, 3).value for r in range(1, wb["Monte Carlo"].max_row + 1)]
    assert sum(c for c in counts if isinstance(c, int)) == result.monte_carlo.trials


def test_irr_is_live_even_when_the_app_found_no_unique_rate(tmp_path: Path) -> None:
    path, _case, result = export("multiple-irr", tmp_path)
    assert result.metrics.irr is None and result.metrics.irr_note == "multiple"
    wb = openpyxl.load_workbook(path)
    calc = wb["Calculations"]
    monthly = calc.cell(find_row(calc, "IRR, monthly (IRR over months 0..H)"), 3).value
    assert "IRR(" in monthly
    sheet, ref = name_target(wb, "irr")
    assert wb[sheet][ref].value.startswith("=IF(ISNUMBER(")
    sheet, ref = name_target(wb, "irr_unique")
    assert wb[sheet][ref].value.startswith("=IF(")


def test_payback_indexes_its_one_row_range_by_row_and_column(tmp_path: Path) -> None:
    path, _case, _result = export("field-expenses", tmp_path)
    wb = openpyxl.load_workbook(path)
    formulas = [str(c.value) for row in wb["Calculations"].iter_rows() for c in row]
    index = [f for f in formulas if "INDEX(" in f]
    assert len(index) == 4
    assert all(re.search(r"INDEX\(\$E\$\d+:\$[A-Z]+\$\d+,1,", f) for f in index), index


def test_version_and_audit_appear_when_given() -> None:
    case = case_named("field-expenses")
    version = WorkbookVersion(status="approved", number=3, case_hash="ab" * 32, frozen_at="today")
    audit = [AuditRow("2027-01-02 10:00", "ana", "changed margin", "0.5", "0.62")]
    data = build_workbook(case, analyse(case, trials=0), version=version, audit=audit)
    wb = openpyxl.load_workbook(BytesIO(data))
    assert wb.sheetnames == [*SHEETS, "Audit"]
    summary = [c.value for row in wb["Summary"].iter_rows(max_col=2) for c in row]
    assert "approved" in summary and "3" in summary and "ab" * 32 in summary
    assert [c.value for c in wb["Audit"][4]] == [
        "2027-01-02 10:00",
        "ana",
        "changed margin",
        "0.5",
        "0.62",
    ]


def test_month_columns_are_labelled_with_calendar_months(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Calculations"]
    assert ws["E5"].value == "start"
    inputs = workbook["Inputs"]
    start = next(
        inputs.cell(r, 2).value
        for r in range(1, 30)
        if inputs.cell(r, 1).value == "Start month (month 1)"
    )
    assert ws["F5"].value == start


def test_sheets_are_protected_without_a_password_leaving_inputs_open(
    workbook: openpyxl.Workbook,
) -> None:
    for title in ("Summary", "Inputs", "Calculations", "Annual", "Checks"):
        protection = workbook[title].protection
        assert protection.sheet, title
        assert not protection.password, title
    assert _discount_rate_input(workbook).protection.locked is False
