"""Engine speed on a 60-month case with 10 cost and 6 benefit lines (issue 11 targets).

Every figure is a median of repeated runs (wall and CPU time); the load average is
printed first because two shared cores make wall time noisy. Monte Carlo is compared
with the machine's own multiply pass measured in the same run, and the engine with a
plain numpy-financial implementation of the same case (benchmarks/plain_npf.py).
Peak memory is measured with tracemalloc here, never in the tests.
"""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable

import numpy as np
from cases import large_case_document, wide_case_document
from plain_npf import plain_metrics
from timing import median_wall_and_cpu, report, side_by_side

from cxroi.engine import analyse, load_case
from cxroi.engine.analysis import CHUNK_TRIALS, monte_carlo
from cxroi.engine.casefile import CaseFile
from cxroi.engine.pricing import cashflow_of, metrics_of, price, values_for
from cxroi.engine.timeline import Timeline

HORIZON = 60


def _timeline(case: CaseFile) -> Timeline:
    return Timeline.of(case.horizon_months, case.discount_rate)


def multiply_pass(lines: int, months: int = HORIZON + 1) -> tuple[float, float]:
    """One numpy multiply over CHUNK_TRIALS trials x months x lines cells (wall, cpu)."""
    cells = (CHUNK_TRIALS, months * lines)
    a, b, out = np.full(cells, 1.0001), np.full(cells, 0.9999), np.empty(cells)
    return median_wall_and_cpu(lambda: np.multiply(a, b, out=out), 21)


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def ratio_line(name: str, value: float, target: str, detail: str) -> None:
    print(f"{name:40} {value:10.2f}   ({target}; {detail})")


def main() -> None:
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    doc = large_case_document(HORIZON)
    case = load_case(doc)
    tl = _timeline(case)

    def one_evaluation() -> None:
        """Price every line and compute both metric sets and the cash flow."""
        priced = price(case, tl, values_for(case), detail=True)
        metrics_of(priced.costs[0], priced.benefits[0], tl)
        metrics_of(priced.costs_unadjusted[0], priced.benefits_unadjusted[0], tl)
        cashflow_of(priced.costs[0], priced.benefits[0], tl)

    wall, cpu = median_wall_and_cpu(one_evaluation, repeat=200)
    report("one base evaluation (16 lines)", wall, 0.0005, cpu)
    wall, cpu = median_wall_and_cpu(lambda: analyse(case, trials=0), 21)
    report("analyse() without Monte Carlo", wall, 0.005, cpu)

    # Monte Carlo against one multiply pass over its own cells, in the same run.
    pass_wall, pass_cpu = multiply_pass(16)
    report(f"multiply pass ({CHUNK_TRIALS} x {HORIZON + 1} x 16 cells)", pass_wall, None, pass_cpu)
    mc10k, mc10k_cpu = median_wall_and_cpu(lambda: monte_carlo(case, tl, trials=10_000), 9)
    report("Monte Carlo 10,000 trials", mc10k, None, mc10k_cpu)
    mc, mc_cpu = median_wall_and_cpu(lambda: monte_carlo(case, tl, trials=100_000), 5)
    report("Monte Carlo 100,000 trials", mc, 0.150, mc_cpu)
    per_pass = pass_wall / CHUNK_TRIALS
    side_by_side(
        "MC per trial vs one multiply pass",
        mc / 100_000,
        per_pass,
        "multiply pass over a trial's cells",
        "<= 4; about 18 before issue 11",
    )
    ratio_line(
        "MC per trial / multiply pass (wall)",
        (mc / 100_000) / per_pass,
        "target <= 4; about 18 before issue 11",
        f"{mc / 100_000 * 1e6:.3f} us per trial vs {per_pass * 1e6:.3f} us per pass",
    )
    ratio_line(
        "MC per trial / multiply pass (cpu)",
        (mc_cpu / 100_000) / (pass_cpu / CHUNK_TRIALS),
        "target <= 4",
        f"{mc_cpu / 100_000 * 1e6:.3f} us vs {pass_cpu / CHUNK_TRIALS * 1e6:.3f} us",
    )

    # Width: 200 lines, the same mix of kinds; time should grow linearly with lines.
    wide = load_case(wide_case_document(200, HORIZON))
    wide_tl = _timeline(wide)
    w200, w200_cpu = median_wall_and_cpu(lambda: monte_carlo(wide, wide_tl, trials=10_000), 5)
    report("Monte Carlo 10,000 trials, 200 lines", w200, None, w200_cpu)
    ratio_line(
        "200 lines / 16 lines, per line (cpu)",
        (w200_cpu / 200) / (mc10k_cpu / 16),
        "linear in lines: about 1 or below",
        f"{w200_cpu / 200 / 10_000 * 1e9:.1f} vs {mc10k_cpu / 16 / 10_000 * 1e9:.1f} ns "
        "per line-trial",
    )
    print(
        f"{'analyse() peak memory, 200 lines':40} "
        f"{peak_mb(lambda: analyse(wide)):10.1f} MB  (target <= 50 MB; 10,000 trials)"
    )
    print(
        f"{'Monte Carlo 1,000,000 trials peak memory':40} "
        f"{peak_mb(lambda: monte_carlo(case, tl, trials=1_000_000)):10.1f} MB  "
        "(target <= 100 MB)"
    )

    # Side by side: the engine's base evaluation against plain numpy-financial.
    def engine_metrics() -> None:
        priced = price(case, tl, values_for(case))
        metrics_of(priced.costs[0], priced.benefits[0], tl)

    engine, engine_cpu = median_wall_and_cpu(engine_metrics, 200)
    plain, plain_cpu = median_wall_and_cpu(lambda: plain_metrics(doc), 200)
    same = np.isclose(plain_metrics(doc)["npv"], analyse(case, trials=0).metrics.npv, rtol=1e-12)
    report("engine: flows + metrics (16 lines)", engine, None, engine_cpu)
    report("plain numpy-financial, same case", plain, None, plain_cpu)
    side_by_side(
        "plain numpy-financial vs engine",
        plain,
        engine,
        "engine: flows + metrics",
        "about 3 before issue 11; higher is better",
    )
    libreoffice_vs_engine(doc)
    ratio_line(
        "plain numpy-financial / engine (wall)",
        plain / engine,
        "about 3 before issue 11; higher is better",
        f"cpu {plain_cpu / engine_cpu:.2f}; same NPV: {bool(same)}",
    )


def libreoffice_vs_engine(doc: dict[str, object]) -> None:
    """LibreOffice recalculating the exported workbook against the engine on the same case.

    soffice's start-up is left out: one run converts 1 copy, another 11 copies, and the
    difference over 10 is LibreOffice's time per workbook (load, recalculate, save).
    """
    import shutil
    import subprocess
    import tempfile
    import time
    from pathlib import Path

    from cxroi.workbook import build_workbook

    soffice = shutil.which("soffice")
    if soffice is None:
        print("(LibreOffice not installed: no engine vs LibreOffice row)")
        return
    case = load_case(doc)
    result = analyse(case, trials=0)
    data = build_workbook(case, result)
    engine, _ = median_wall_and_cpu(lambda: analyse(case, trials=0), 21)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        profile = root / "profile"

        def convert(copies: int) -> float:
            src, out = root / f"in{copies}", root / f"out{copies}"
            src.mkdir(exist_ok=True)
            out.mkdir(exist_ok=True)
            for i in range(copies):
                (src / f"case{i}.xlsx").write_bytes(data)
            started = time.perf_counter()
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--headless",
                    "--convert-to",
                    "xlsx",
                    "--outdir",
                    str(out),
                    *sorted(map(str, src.iterdir())),
                ],
                check=True,
                capture_output=True,
                timeout=600,
            )
            return time.perf_counter() - started

        convert(1)  # the profile's first start
        one = sorted(convert(1) for _ in range(3))[1]
        eleven = sorted(convert(11) for _ in range(3))[1]
    per_book = max(eleven - one, 0.0) / 10
    report("LibreOffice: one workbook recalculated", per_book, None)
    report("engine: analyse() without Monte Carlo", engine, None)
    side_by_side(
        "LibreOffice recalculation vs engine",
        per_book,
        engine,
        "engine analyse(), same case",
        "about 20 before issue 11; keep at least that",
    )


if __name__ == "__main__":  # python benchmarks/bench_engine.py, from any directory
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here), str(here.parent)]
    main()
