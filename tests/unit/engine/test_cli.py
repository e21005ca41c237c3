"""The cxroi command line: calc, validate, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxroi.cli import main
from cxroi.engine import analyse, load_case_file
from tests.support import EXAMPLES_DIR, reference_case_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_calc_prints_a_readable_summary() -> None:
    path = reference_case_path("lead-qualification")
    code, out, _ = run("calc", str(path), "--trials", "500")
    npv = analyse(load_case_file(path), trials=0).metrics.npv
    assert code == 0
    assert f"GBP {npv:,.0f}" in out
    assert "Payback" in out and "16.0 months" in out
    assert "Conservative" in out and "churn_reduction" in out and "P50" in out
    mc = analyse(load_case_file(path), trials=500).monte_carlo
    assert mc is not None
    assert f"Expected NPV (mean of 500 trials) GBP {mc.mean:,.0f}" in out


def test_calc_shows_the_continuing_value_and_both_npvs(tmp_path: Path) -> None:
    from tests.unit.workbook.cases import runoff_doc

    path = tmp_path / "runoff.json"
    path.write_text(json.dumps(runoff_doc()))
    code, out, _ = run("calc", str(path), "--trials", "0")
    cv = analyse(load_case_file(path), trials=0).continuing_value
    assert code == 0 and cv is not None
    assert "Continuing value (customer runoff); headline: with continuing value" in out
    assert f"GBP {cv.pv:,.0f}" in out
    assert f"GBP {cv.npv_with_continuing_value:,.0f}" in out


def test_calc_shows_the_after_tax_figures(tmp_path: Path) -> None:
    from tests.unit.workbook.cases import tax_doc

    path = tmp_path / "tax.json"
    path.write_text(json.dumps(tax_doc()))
    code, out, _ = run("calc", str(path), "--trials", "0")
    after = analyse(load_case_file(path), trials=0).after_tax
    assert code == 0 and after is not None
    assert "After tax (tax 25.0%, paid 3 months later; risk-adjusted)" in out
    assert f"GBP {after.metrics.npv:,.0f}" in out
    assert f"{after.metrics.payback_months:.1f} months" in out


def test_calc_states_the_discounting_convention(tmp_path: Path) -> None:
    from tests.unit.engine.calculator import npv as hand_npv
    from tests.unit.workbook.cases import mid_month_doc

    path = tmp_path / "mid.json"
    path.write_text(json.dumps(mid_month_doc()))
    code, out, _ = run("calc", str(path), "--trials", "0")
    result = analyse(load_case_file(path), trials=0)
    npv = hand_npv(result.cashflow.net.tolist(), 0.08, "mid_month", "2027-01")
    assert code == 0
    assert "discount rate 8.0% a year (discounting: mid-month), GBP" in out
    assert f"GBP {npv:,.0f}" in out


def test_calc_states_inflation_and_prices_nominal_flows(tmp_path: Path) -> None:
    from tests.unit.engine.calculator import npv as hand_npv
    from tests.unit.engine.test_inflation import RATE, hand_doc, hand_net

    path = tmp_path / "inflation.json"
    path.write_text(json.dumps(hand_doc()))
    code, out, _ = run("calc", str(path), "--trials", "0")
    assert code == 0
    assert (
        "Amounts in nominal terms: inflation 3.0% a year on top of each line's escalation"
        " (the discount rate is nominal)"
    ) in out
    assert f"GBP {hand_npv(hand_net(0.03), RATE):,.0f}" in out
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(hand_doc(inflation_rate=0)))
    assert "nominal" not in run("calc", str(plain), "--trials", "0")[1]


def test_calc_json_prints_the_result_document() -> None:
    path = reference_case_path("field-expenses")
    code, out, _ = run("calc", str(path), "--json", "--trials", "200")
    doc = json.loads(out)
    assert code == 0
    assert set(doc) >= {"metrics", "unadjusted", "cashflow", "scenarios", "tornado"}
    assert doc["metrics"]["npv"] == analyse(load_case_file(path), trials=0).metrics.npv
    assert doc["monte_carlo"]["trials"] == 200


def test_validate_accepts_a_good_file() -> None:
    code, out, _ = run("validate", str(EXAMPLES_DIR / "contact-centre.json"))
    assert code == 0 and out.strip().endswith("valid cxroi-case/2 file")


def test_validate_says_a_v1_file_loads_as_v2() -> None:
    code, out, _ = run("validate", str(reference_case_path("field-expenses")))
    assert code == 0 and "valid cxroi-case/1 file, loads as cxroi-case/2" in out


def test_validate_lists_every_error_and_exits_2(tmp_path: Path) -> None:
    doc = json.loads(reference_case_path("lead-qualification").read_text())
    doc["horizon_months"] = 0
    doc["benefits"][0]["reduction"] = "churn_reductio"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code, _, err = run("validate", str(bad))
    assert code == 2
    assert "horizon_months: must be from 1 to 120 months, not 0" in err
    assert 'benefits[0].reduction: unknown assumption "churn_reductio"' in err


@pytest.mark.parametrize("command", ["calc", "validate"])
def test_unreadable_or_broken_files_exit_2_without_traceback(tmp_path: Path, command: str) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    for path in (str(broken), str(tmp_path / "missing.json"), str(tmp_path)):
        code, _, err = run(command, path)
        assert code == 2, path
        assert "Traceback" not in err


def test_the_console_entry_point_runs_as_a_module() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cxroi",
            "calc",
            str(EXAMPLES_DIR / "contact-centre.json"),
            "--trials",
            "0",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "First-contact resolution" in proc.stdout
