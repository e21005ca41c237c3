"""Proof (c): Gnumeric (``ssconvert --recalc``) recalculates the workbook to the engine's numbers.

A third spreadsheet engine beside ``formulas`` and LibreOffice: every reference and
synthetic case and 12 random ones, each as exported and after a what-if on the
Inputs sheet (see ``recalc.py``), must show the engine's metrics (money to the
cent) with the master check 0 and no error in any cell.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import openpyxl
import pytest

from cxroi.engine import Metrics, Result, analyse, load_case

from .cases import ERRORS, all_case_names, case_named, find_row, random_doc
from .recalc import (
    assert_distributions_recalculated,
    assert_recalculated,
    assert_scope_recalculated,
    moved_case,
    named,
    what_if,
    what_if_result,
    write_what_if,
)

pytestmark = [pytest.mark.gnumeric, pytest.mark.slow]

SKIP_REASON = "Gnumeric (ssconvert) not installed: apt-get install gnumeric"
SEEDS = range(12)
CASES = [*all_case_names(), *(f"random-{seed}" for seed in SEEDS)]

Recalculated = dict[tuple[str, str], tuple[Path, Metrics, list[float] | None, Result]]
Converted = tuple[openpyxl.Workbook, Metrics, list[float] | None, Result]


def _case(name: str):  # type: ignore[no-untyped-def]
    if name.startswith("random-"):
        return load_case(random_doc(int(name.removeprefix("random-"))))
    return case_named(name)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> Recalculated:
    ssconvert = shutil.which("ssconvert")
    if ssconvert is None:
        pytest.skip(SKIP_REASON)
    from cxroi.workbook import build_workbook

    source = tmp_path_factory.mktemp("gnumeric-in")
    out = tmp_path_factory.mktemp("gnumeric-out")
    done: Recalculated = {}
    for name in CASES:
        case = _case(name)
        result = analyse(case, trials=200)
        exported = source / f"{name}.xlsx"
        exported.write_bytes(build_workbook(case, result))
        changes, moved = what_if(case)
        changed = source / f"{name}-what-if.xlsx"
        write_what_if(exported, changed, changes)
        for variant, path, metrics, net, whole in (
            ("exported", exported, result.metrics, list(result.cashflow.net), result),
            ("what-if", changed, moved, None, what_if_result(case, changes)),
        ):
            target = out / path.name
            subprocess.run(
                [ssconvert, "--recalc", str(path), str(target)],
                check=True,
                capture_output=True,
                timeout=120,
            )
            done[(name, variant)] = (target, metrics, net, whole)
    return done


@pytest.fixture(params=[(n, v) for n in CASES for v in ("exported", "what-if")], ids=str)
def converted(request: pytest.FixtureRequest, recalculated: Recalculated) -> Converted:
    path, metrics, net, whole = recalculated[request.param]
    assert path.exists(), f"Gnumeric did not write {path.name}"
    with warnings.catch_warnings():
        # Gnumeric writes no default cell style; openpyxl warns and applies its own.
        warnings.filterwarnings("ignore", "Workbook contains no default style")
        wb = openpyxl.load_workbook(path, data_only=True)
    return wb, metrics, net, whole


def test_metrics_after_gnumeric_recalculation_equal_the_engine(converted: Converted) -> None:
    wb, metrics, net, _whole = converted
    assert_recalculated(lambda name: named(wb, name), metrics)
    if net is not None:
        ws = wb["Calculations"]
        row = find_row(ws, "Net cash flow")
        got = [ws.cell(row, 5 + m).value for m in range(len(net))]
        assert got == pytest.approx(net, abs=0.01)


def test_the_continuing_value_and_after_tax_after_gnumeric_recalculation_equal_the_engine(
    converted: Converted,
) -> None:
    wb, _metrics, _net, whole = converted
    assert_scope_recalculated(lambda name: named(wb, name), whole)


def test_annual_net_after_gnumeric_recalculation_equals_the_engine(converted: Converted) -> None:
    """Each year's net (fiscal years included), as exported and after the what-if."""
    wb, _metrics, _net, whole = converted
    ws = wb["Annual"]
    got = [ws[f"F{5 + i}"].value for i in range(len(whole.annual))]
    assert got == pytest.approx([year.net for year in whole.annual], abs=0.01)


def test_no_cell_anywhere_holds_an_error_after_gnumeric_recalculation(
    converted: Converted,
) -> None:
    wb, _metrics, _net, _whole = converted
    bad = [
        f"{ws.title}!{cell.coordinate}={cell.value}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "e" or (isinstance(cell.value, str) and cell.value in ERRORS)
    ]
    assert bad == []


@pytest.mark.parametrize("variant", ["exported", "what-if"])
def test_each_distribution_s_mean_and_sd_after_gnumeric_recalculation(
    recalculated: Recalculated, variant: str
) -> None:
    path = recalculated[("distributions", variant)][0]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Workbook contains no default style")
        ws = openpyxl.load_workbook(path, data_only=True)["Monte Carlo"]
    case = _case("distributions")
    if variant == "what-if":
        case = moved_case(case, what_if(case)[0])
    assert_distributions_recalculated(ws, lambda ref: ws[ref].value, case)
