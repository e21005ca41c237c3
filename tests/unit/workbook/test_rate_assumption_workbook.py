"""A discount rate that an assumption sets is a live link in the workbook (issue 13 item 5).

The Inputs sheet's rate cell is ``=<the assumption's name>``: changing the assumption
reprices every sheet. ``formulas`` and LibreOffice recalculate a what-if on the
assumption to the engine's figures at the moved rate, to the cent (Gnumeric's suite
does the same for every case, these included); the engine's side is priced anew from
the moved case, not read from the workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from cxroi.engine import analyse
from cxroi.workbook import build_workbook
from cxroi.workbook.readback import input_cells, read_changes

from .cases import Evaluation, case_named, name_target
from .recalc import (
    assert_recalculated,
    assert_scope_recalculated,
    libreoffice_recalculated,
    moved_case,
    what_if,
    what_if_result,
    write_what_if,
)
from .test_formulas_recalculation import assert_metric_matches

pytestmark = pytest.mark.slow

RATE_CASES = ("discount-rate-assumption", "rate_gordon", "rate_dated")
LIVE = ("npv", "irr", "mirr", "discounted_payback_months", "pv_costs", "pv_benefits")


@pytest.mark.parametrize("name", RATE_CASES)
def test_the_rate_cell_links_to_its_assumption(
    name: str, evaluate: Callable[[str], Evaluation]
) -> None:
    model, _result, wb = evaluate(name)
    case = case_named(name)
    key = case.discount_rate_key
    assert key is not None
    sheet, ref = name_target(wb, "discount_rate")
    cell = wb[sheet][ref]
    assert cell.value == f"={key}"
    assert name_target(wb, key)[0] == "Inputs"
    assert model.name("discount_rate") == pytest.approx(case.discount_rate, rel=1e-15)
    # The rate's row says where it comes from; the tornado and break-even list it.
    assert wb[sheet].cell(cell.row, 5).value == f"from assumption {key}"
    labels = [c.value for c in wb["Sensitivity"]["B"] if isinstance(c.value, str)]
    assert sum(label.endswith("(the discount rate)") for label in labels) == 2


@pytest.mark.parametrize("name", RATE_CASES)
def test_a_what_if_on_the_rate_s_assumption_reprices_every_sheet(
    name: str, evaluate: Callable[[str], Evaluation]
) -> None:
    model, _result, _wb = evaluate(name)
    case = case_named(name)
    key = case.discount_rate_key
    assert key is not None
    moved = 0.12
    expected = analyse(moved_case(case, {key: moved}), trials=0)
    assert expected.metrics.npv != pytest.approx(analyse(case, trials=0).metrics.npv, abs=1.0)
    names = [*LIVE]
    if expected.continuing_value is not None:
        names.append("continuing_value")
    if expected.after_tax is not None:
        names.append("npv_after_tax")
    got = model.with_inputs({key: moved}, names)
    for metric in LIVE:
        assert_metric_matches(metric, got[metric], getattr(expected.metrics, metric))
    if expected.continuing_value is not None:
        assert got["continuing_value"] == pytest.approx(expected.continuing_value.pv, abs=0.01)
    if expected.after_tax is not None:
        assert got["npv_after_tax"] == pytest.approx(expected.after_tax.metrics.npv, abs=0.01)


def test_the_rate_cell_is_no_input_to_read_back_and_its_assumption_is(tmp_path: Path) -> None:
    case = case_named("discount-rate-assumption")
    cells = input_cells(case)
    assert not [c for c in cells if c.path == ("discount_rate",)]
    path = tmp_path / "rate.xlsx"
    path.write_bytes(build_workbook(case, analyse(case, trials=0)))
    changed = tmp_path / "changed.xlsx"
    write_what_if(path, changed, {"wacc": 0.1})
    (change,) = read_changes(case, changed.read_bytes())
    assert change.cell.path == ("assumptions", 0, "value") and change.new == 0.1


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_rate_cases_as_exported_and_after_a_what_if(
    tmp_path: Path,
) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    expected = {}
    for name in RATE_CASES:
        case = case_named(name)
        result = analyse(case, trials=200)
        exported = source / f"{name}.xlsx"
        exported.write_bytes(build_workbook(case, result))
        changes, moved = what_if(case)
        assert case.discount_rate_key in changes and "discount_rate" not in changes
        write_what_if(exported, source / f"{name}-what-if.xlsx", changes)
        expected[f"{name}.xlsx"] = (result.metrics, result)
        expected[f"{name}-what-if.xlsx"] = (moved, what_if_result(case, changes))
    libreoffice_recalculated([source / file for file in expected], out, tmp_path / "profile")
    for file, (metrics, whole) in expected.items():
        wb = openpyxl.load_workbook(out / file, data_only=True)

        def read(name: str, wb: openpyxl.Workbook = wb) -> object:
            sheet, ref = name_target(wb, name)
            return wb[sheet][ref].value

        assert_recalculated(read, metrics)
        assert_scope_recalculated(read, whole)
