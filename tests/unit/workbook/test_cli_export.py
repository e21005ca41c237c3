"""Proof (e): ``python -m cxroi export`` writes a workbook, or exits 2 naming every problem."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl

from tests.support import ROOT, reference_case_path

from .cases import name_target


def _export(case: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cxroi", "export", str(case), "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_export_writes_a_workbook_with_the_named_metrics(tmp_path: Path) -> None:
    out = tmp_path / "case.xlsx"
    done = _export(reference_case_path("lead-qualification"), out)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout
    wb = openpyxl.load_workbook(out)
    assert "Calculations" in wb.sheetnames
    sheet, ref = name_target(wb, "npv")
    assert str(wb[sheet][ref].value).startswith("=")


def test_export_of_an_invalid_case_exits_2_with_every_problem(tmp_path: Path) -> None:
    doc = json.loads(reference_case_path("lead-qualification").read_text())
    doc["horizon_months"] = 0
    doc["benefits"][0]["reduction"] = "churn_reductio"
    case = tmp_path / "bad.json"
    case.write_text(json.dumps(doc))
    out = tmp_path / "bad.xlsx"
    done = _export(case, out)
    assert done.returncode == 2
    assert "horizon_months" in done.stderr
    assert "churn_reductio" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_export_to_an_unwritable_place_exits_2(tmp_path: Path) -> None:
    done = _export(reference_case_path("field-expenses"), tmp_path / "missing" / "x.xlsx")
    assert done.returncode == 2
    assert "cannot write" in done.stderr
