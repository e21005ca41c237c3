"""Random valid cases recalculate in LibreOffice to the engine's metrics and flows.

The reference cases cover the common shapes; these cover the corners of the
parameter space (negative escalation, ramps longer than the horizon, end months
past it, one-month horizons, assumptions and plain numbers mixed). All cases go
through one ``soffice`` run.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cxroi.engine import Result, analyse, load_case
from cxroi.workbook import build_workbook

from .cases import find_row, random_doc
from .recalc import (
    assert_recalculated,
    assert_scope_recalculated,
    libreoffice_recalculated,
    named,
)

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

SEEDS = range(12)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, Result]]:
    source, out = tmp_path_factory.mktemp("random-in"), tmp_path_factory.mktemp("random-out")
    results: dict[int, tuple[Path, Result]] = {}
    for seed in SEEDS:
        case = load_case(random_doc(seed))
        result = analyse(case, trials=200)
        path = source / f"random-{seed}.xlsx"
        path.write_bytes(build_workbook(case, result))
        results[seed] = (out / path.name, result)
    profile = tmp_path_factory.mktemp("random-profile")
    libreoffice_recalculated(
        [source / path.name for path, _r in results.values()], out, profile, timeout=300
    )
    return results


@pytest.mark.parametrize("seed", SEEDS)
def test_random_case_recalculates_to_the_engine_in_libreoffice(
    seed: int, converted: dict[int, tuple[Path, Result]]
) -> None:
    path, result = converted[seed]
    wb = openpyxl.load_workbook(path, data_only=True)
    assert_recalculated(lambda name: named(wb, name), result.metrics)
    assert_scope_recalculated(lambda name: named(wb, name), result)
    ws = wb["Calculations"]
    row = find_row(ws, "Net cash flow")
    got = [ws.cell(row, 5 + m).value for m in range(len(result.cashflow.net))]
    assert got == pytest.approx(list(result.cashflow.net), abs=0.01)
