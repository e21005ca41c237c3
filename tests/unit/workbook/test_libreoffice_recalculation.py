"""Proof (b): after a LibreOffice headless recalculation the workbook shows the engine's numbers.

All cases are converted in one ``soffice --convert-to xlsx`` run (a private user
profile, so concurrent runs do not clash); the converted files hold LibreOffice's
cached values, read with ``openpyxl`` (``data_only=True``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from cxroi.engine import Result

from .cases import ERRORS, all_case_names, export, find_row, name_target
from .recalc import (
    assert_distributions_recalculated,
    assert_recalculated,
    assert_scope_recalculated,
    libreoffice_recalculated,
)

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Result]]:
    source = tmp_path_factory.mktemp("lo-in")
    out = tmp_path_factory.mktemp("lo-out")
    profile = tmp_path_factory.mktemp("lo-profile")
    exported = {name: export(name, source) for name in all_case_names()}
    libreoffice_recalculated([path for path, _c, _r in exported.values()], out, profile)
    return {name: (out / path.name, result) for name, (path, _c, result) in exported.items()}


@pytest.fixture(params=all_case_names())
def converted(
    request: pytest.FixtureRequest, recalculated: dict[str, tuple[Path, Result]]
) -> tuple[openpyxl.Workbook, Result]:
    path, result = recalculated[request.param]
    assert path.exists(), f"LibreOffice did not convert {path.name}"
    return openpyxl.load_workbook(path, data_only=True), result


def _named(wb: openpyxl.Workbook, name: str) -> Any:
    sheet, ref = name_target(wb, name)
    return wb[sheet][ref].value


def test_metrics_after_libreoffice_recalculation_equal_the_engine(
    converted: tuple[openpyxl.Workbook, Result],
) -> None:
    wb, result = converted
    assert_recalculated(lambda name: _named(wb, name), result.metrics)


def test_the_continuing_value_and_after_tax_after_libreoffice_recalculation_equal_the_engine(
    converted: tuple[openpyxl.Workbook, Result],
) -> None:
    wb, result = converted
    assert_scope_recalculated(lambda name: _named(wb, name), result)


def test_monthly_net_flows_after_libreoffice_recalculation_equal_the_engine(
    converted: tuple[openpyxl.Workbook, Result],
) -> None:
    wb, result = converted
    ws = wb["Calculations"]
    row = find_row(ws, "Net cash flow")
    got = [ws.cell(row, 5 + m).value for m in range(len(result.cashflow.net))]
    assert got == pytest.approx(list(result.cashflow.net), abs=0.01)


def test_annual_roll_up_after_libreoffice_recalculation_equals_the_engine(
    converted: tuple[openpyxl.Workbook, Result],
) -> None:
    """Each year's months, net and cumulative net (fiscal years included: SUMIF over the
    year row's live formula)."""
    wb, result = converted
    ws = wb["Annual"]
    for i, year in enumerate(result.annual):
        r = 5 + i
        assert (ws[f"A{r}"].value, ws[f"B{r}"].value, ws[f"C{r}"].value) == (
            year.year,
            year.first_month,
            year.last_month,
        )
        assert ws[f"F{r}"].value == pytest.approx(year.net, abs=0.01)
        assert ws[f"H{r}"].value == pytest.approx(year.cumulative, abs=0.01)


def test_no_cell_anywhere_holds_an_error_after_libreoffice_recalculation(
    converted: tuple[openpyxl.Workbook, Result],
) -> None:
    wb, _result = converted
    bad = [
        f"{ws.title}!{cell.coordinate}={cell.value}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "e" or (isinstance(cell.value, str) and cell.value in ERRORS)
    ]
    assert bad == []


def test_each_distribution_s_mean_and_sd_after_libreoffice_recalculation(
    recalculated: dict[str, tuple[Path, Result]],
) -> None:
    from .cases import case_named

    path, _result = recalculated["distributions"]
    ws = openpyxl.load_workbook(path, data_only=True)["Monte Carlo"]
    assert_distributions_recalculated(ws, lambda ref: ws[ref].value, case_named("distributions"))
