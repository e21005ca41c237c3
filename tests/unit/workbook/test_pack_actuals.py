"""The council pack's Actuals sheet recalculates to the engine's realisation figures.

Two independent recalculations: the ``formulas`` package, and LibreOffice headless
(skipped with a reason when it is not installed).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cxroi.engine import analyse, load_case, result_to_dict
from cxroi.engine.realisation import LineActual, Realisation, realise
from cxroi.engine.timeline import discount_months, monthly_rate
from cxroi.workbook.actuals import PackInitiative, pack_workbook_bytes
from tests.unit.engine.calculator import factors as hand_factors

from .cases import Evaluated
from .recalc import libreoffice_recalculated

ANNUAL = 1.01**12 - 1.0

DOC = {
    "format": "cxroi-case/2",
    "title": "Fewer repeat calls",
    "currency": "GBP",
    "start_month": "2026-01",
    "horizon_months": 12,
    "discount_rate": ANNUAL,
    "assumptions": [{"id": "a1", "key": "volume", "label": "Calls", "value": 1000,
                     "unit": "calls"}],
    "costs": [{"id": "c1", "name": "Build", "category": "technology", "recurrence": "once",
               "amount": 1000, "month": 0}],
    "benefits": [{"id": "b1", "name": "Calls avoided", "kind": "cost_savings", "volume": "volume",
                  "reduction": 0.1, "unit_cost": 2, "ramp_start": 1, "ramp_months": 0}],
}  # fmt: skip

ACTUALS = {
    "c1": {0: LineActual(1100.0, None, {})},
    "b1": {1: LineActual(None, 150.0, {}), 2: LineActual(None, 150.0, {}),
           3: LineActual(None, 100.0, {})},
}  # fmt: skip


CONVENTIONS = ("end_of_month", "mid_month", "actual_365")


def _pack(tmp_path: Path, discounting: str = "end_of_month") -> tuple[Path, list[Realisation]]:
    case = load_case({**DOC, "discounting": discounting})
    plan = result_to_dict(analyse(case, trials=0))
    first = realise(case, plan, ACTUALS)
    second = realise(case, plan, {"b1": {1: LineActual(None, 260.0, {})}})
    timing = discount_months(12, discounting, "2026-01").tolist()
    items = [
        PackInitiative(t, "2026-01", monthly_rate(ANNUAL), r, timing)
        for t, r in (("Fewer repeat calls", first), ("Second initiative", second))
    ]
    path = tmp_path / "pack.xlsx"
    path.write_bytes(pack_workbook_bytes("2026-04", items))
    return path, [first, second]


def _check(read_actuals, read_summary, realisations: list[Realisation]) -> None:
    row = 2
    for s, r in enumerate(realisations, start=2):
        for i in range(len(r.months)):
            assert read_actuals(f"F{row}") == pytest.approx(r.variance[i], abs=1e-9)
            assert read_actuals(f"H{row}") == pytest.approx(r.cumulative_actual[i], abs=1e-9)
            row += 1
        assert read_summary(f"G{s}") == pytest.approx(r.realised_npv_to_date, abs=1e-9)
        assert read_summary(f"F{s}") == pytest.approx(sum(r.variance), abs=1e-9)


def test_actuals_sheet_has_live_variance_formulas(tmp_path: Path) -> None:
    path, _ = _pack(tmp_path)
    ws = openpyxl.load_workbook(path)["Actuals"]
    assert ws["F2"].value == "=E2-D2" and ws["F2"].value.startswith("=")
    assert ws["K5"].value == "=E5*J5"


def test_money_shows_each_initiatives_currency(tmp_path: Path) -> None:
    """The pack's money cells carry the initiative's currency, in the workbook's one money
    format (the Summary sheet's), not a bare number format of their own."""
    path, realisations = _pack(tmp_path)
    wb = openpyxl.load_workbook(path)
    expected = '"GBP" #,##0.00;[Red]"GBP" (#,##0.00);"GBP" 0.00'
    rows = len(realisations[0].months) + len(realisations[1].months)
    assert {
        wb["Actuals"][f"{c}{n}"].number_format for c in "DEFGHK" for n in range(2, rows + 2)
    } == {expected}
    assert {wb["Initiatives"][f"{c}{s}"].number_format for c in "DEFGHI" for s in (2, 3)} == {
        expected
    }
    assert wb["Actuals"]["C2"].number_format == "General"  # the month index is no money


@pytest.mark.parametrize("discounting", CONVENTIONS)
def test_formulas_recalculates_to_the_engine(tmp_path: Path, discounting: str) -> None:
    path, realisations = _pack(tmp_path, discounting)
    ev = Evaluated(path)
    _check(
        lambda ref: ev.cell("ACTUALS", ref), lambda ref: ev.cell("INITIATIVES", ref), realisations
    )
    # The hand-worked figures themselves, once more: variance -100, -50, -50, -100.
    assert [ev.cell("ACTUALS", f"F{n}") for n in range(2, 6)] == pytest.approx(
        [-100, -50, -50, -100]
    )
    # The realised NPV to date under the case's convention, by the hand calculator.
    for s, r in enumerate(realisations, start=2):
        weights = hand_factors(ANNUAL, len(r.actual_net) - 1, discounting, "2026-01")
        by_hand = sum(a * f for a, f in zip(r.actual_net, weights, strict=True))
        assert ev.cell("INITIATIVES", f"G{s}") == pytest.approx(by_hand, abs=1e-9)


@pytest.mark.libreoffice
@pytest.mark.parametrize("discounting", CONVENTIONS)
def test_libreoffice_recalculates_to_the_engine(tmp_path: Path, discounting: str) -> None:
    path, realisations = _pack(tmp_path, discounting)
    (converted,) = libreoffice_recalculated([path], tmp_path / "out", tmp_path / "profile")
    wb = openpyxl.load_workbook(converted, data_only=True)
    _check(lambda ref: wb["Actuals"][ref].value, lambda ref: wb["Initiatives"][ref].value,
           realisations)  # fmt: skip
