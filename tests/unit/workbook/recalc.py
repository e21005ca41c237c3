"""What-if edits of an exported workbook, and its checks after a spreadsheet recalculated it.

Shared by the LibreOffice and Gnumeric suites: each case is exported as is and once
more with inputs changed (the discount rate, the inflation rate where the case states
one, and the first assumption) on the Inputs sheet, like a reader's what-if; the engine
prices the same change independently, and the recalculated workbook must show its
metrics with the master check still 0.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from formulas.tokens.operand import XlError

from cxroi.engine import CaseFile, Metrics, Result, analyse
from cxroi.engine.pricing import evaluate_metrics

from .cases import AFTER_TAX, CONTINUING, ERRORS, METRICS, MONEY, RATES, name_target

#: The discount rate moves by this much in the what-if.
RATE_STEP = 0.04
#: A case's inflation rate (where it states one) moves by this much in the what-if.
INFLATION_STEP = 0.02


def _moved_rates(case: CaseFile, changes: dict[str, float]) -> CaseFile:
    """The case at the what-if's discount rate, and inflation rate where it moved (a rate
    an assumption sets moves with that assumption's value: :func:`moved_case`)."""
    return dataclasses.replace(
        case,
        discount_rate=changes.get("discount_rate", case.discount_rate),
        inflation_rate=changes.get("inflation_rate", case.inflation_rate),
    )


def what_if(case: CaseFile) -> tuple[dict[str, float], Metrics]:
    """The inputs a reader changes (by defined name) and the engine's metrics after it.

    When an assumption sets the discount rate, the reader moves that assumption (the
    rate's cell is a live link to it) and the rate follows.
    """
    rate = case.discount_rate + RATE_STEP
    changes: dict[str, float] = {}
    overrides: dict[str, float] = {}
    if case.discount_rate_key is None:
        changes["discount_rate"] = rate
    else:
        changes[case.discount_rate_key] = overrides[case.discount_rate_key] = rate
    if case.inflation_rate != 0.0:
        changes["inflation_rate"] = case.inflation_rate + INFLATION_STEP
    if case.assumptions and case.assumptions[0].key != case.discount_rate_key:
        a = case.assumptions[0]
        value = a.low if a.low is not None and a.low != a.value else a.value * 0.9
        changes[a.key] = value
        overrides[a.key] = value
    return changes, evaluate_metrics(_moved_rates(case, changes), overrides)


def moved_case(case: CaseFile, changes: dict[str, float]) -> CaseFile:
    """The case with ``what_if``'s discount rate and assumption values."""
    assumptions = tuple(
        dataclasses.replace(a, value=changes[a.key]) if a.key in changes else a
        for a in case.assumptions
    )
    return dataclasses.replace(_moved_rates(case, changes), assumptions=assumptions)


def what_if_result(case: CaseFile, changes: dict[str, float]) -> Result:
    """The engine's whole result (continuing value, after tax) after ``what_if``'s changes.

    The case is rebuilt with the moved discount rate and assumption values, and priced
    anew (no Monte Carlo): what the recalculated workbook must then show.
    """
    assumptions = tuple(
        dataclasses.replace(a, value=changes[a.key]) if a.key in changes else a
        for a in case.assumptions
    )
    moved = dataclasses.replace(_moved_rates(case, changes), assumptions=assumptions)
    return analyse(moved, trials=0)


def write_what_if(source: Path, target: Path, changes: dict[str, float]) -> None:
    """A copy of the workbook with the discount rate and assumptions set to new values.

    An assumption is found by its key on the Inputs sheet's register (its defined
    name may carry a prefix); the discount and inflation rates by their defined names.
    """
    wb = openpyxl.load_workbook(source)
    inputs = wb["Inputs"]
    for key, value in changes.items():
        if key in ("discount_rate", "inflation_rate"):
            sheet, ref = name_target(wb, key)
            wb[sheet][ref].value = value
            continue
        (row,) = [c.row for (c,) in inputs.iter_rows(min_col=1, max_col=1) if c.value == key]
        inputs.cell(row, 3).value = value
    wb.save(target)


def assert_metric_matches(key: str, got: Any, expected: float | None) -> None:
    """Money to the cent, rates and ratios 1e-9 relative, months 1e-6; text where None."""
    if expected is None:
        assert isinstance(got, str) and got, f"{key}: expected text, got {got!r}"
        assert got not in ERRORS and not isinstance(got, XlError), f"{key}: {got!r}"
        return
    assert isinstance(got, int | float), f"{key}: expected a number, got {got!r}"
    if key in MONEY:
        assert got == pytest.approx(expected, abs=0.01), key
    elif key in RATES:
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), key
    else:
        assert got == pytest.approx(expected, abs=1e-6), key


def named(wb: openpyxl.Workbook, name: str) -> Any:
    """The value (as cached by the spreadsheet that saved it) of a defined name's cell."""
    sheet, ref = name_target(wb, name)
    return wb[sheet][ref].value


def assert_recalculated(read: Callable[[str], Any], metrics: Metrics) -> None:
    """Every metric equals the engine's, the master check is 0 and no rate is falsely unique.

    Where the engine finds several rates, the workbook's live IRR may show one of
    them: its separate uniqueness check must then not claim it is the only one.
    """
    for key in METRICS:
        expected = getattr(metrics, key)
        if key == "irr" and expected is None and metrics.irr_note == "multiple":
            assert read("irr_unique") == 0
            continue
        assert_metric_matches(key, read(key), expected)
    assert read("master_check") == 0


def assert_scope_recalculated(read: Callable[[str], Any], result: Result) -> None:
    """The continuing value and the after-tax metrics equal the engine's, where the case
    has them; an after-tax IRR the engine finds several rates for is not claimed unique."""
    continuing, after_tax = result.continuing_value, result.after_tax
    if continuing is not None:
        for name, attribute in CONTINUING.items():
            assert read(name) == pytest.approx(getattr(continuing, attribute), abs=0.01), name
    if after_tax is not None:
        m = after_tax.metrics
        for name, key in AFTER_TAX.items():
            expected = getattr(m, key)
            if key == "irr" and expected is None and m.irr_note == "multiple":
                assert read("irr_after_tax_unique") == 0
                continue
            assert_metric_matches(key, read(name), expected)


#: The header of the Monte Carlo sheet's table of distributions.
DISTRIBUTION_HEADER = ("Assumption", "Distribution", "Mean", "Standard deviation")


def assert_distributions_recalculated(ws: Any, read: Callable[[str], Any], case: CaseFile) -> None:
    """The Monte Carlo sheet's live mean and standard deviation of each drawn assumption
    equal the closed forms at the case's (possibly moved) low, value and high.

    ``ws`` is the sheet (for its labels), ``read`` a cell's recalculated value by
    reference; the closed forms are the engine's, checked on their own against samples
    and scipy in tests/unit/engine/test_distributions.py.
    """
    from cxroi.engine.distributions import moments

    header = next(
        r
        for r in range(1, ws.max_row + 1)
        if tuple(ws.cell(r, c).value for c in range(1, 5)) == DISTRIBUTION_HEADER
    )
    drawn = {a.key: a for a in case.assumptions if a.has_range}
    seen = []
    r = header + 1
    while ws.cell(r, 1).value:
        a = drawn[ws.cell(r, 1).value]
        mean, var = moments(a)
        assert read(f"C{r}") == pytest.approx(mean, rel=1e-9), a.key
        assert read(f"D{r}") == pytest.approx(math.sqrt(var), rel=1e-9), a.key
        seen.append(a.key)
        r += 1
    assert seen == sorted(drawn)


LIBREOFFICE_MISSING = "LibreOffice (soffice) not installed: apt-get install libreoffice-calc-nogui"


def libreoffice_recalculated(
    sources: Sequence[Path], out: Path, profile: Path, timeout: int = 240
) -> list[Path]:
    """Each workbook opened, recalculated and saved again as xlsx in ``out`` by LibreOffice
    headless, all in one run with a private profile (the test is skipped, saying why, when
    LibreOffice is not installed). The converted paths, in the order of ``sources``."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip(LIBREOFFICE_MISSING)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return [out / path.name for path in sources]
