"""Export time and file size of a 60-month case with 16 lines (issue 4: <= 300 ms median).

Ten costs of every recurrence, six benefits of every kind, twelve assumptions with
ranges, generated here. Only ``build_workbook`` is timed; the engine runs once.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from timing import median_seconds, report

HORIZON = 60
TARGET_SECONDS = 0.300


def case_document(horizon: int = HORIZON) -> dict[str, Any]:
    ranged = [
        ("customers", 200_000, 180_000, 220_000, "customers"),
        ("annual_churn", 0.2, 0.15, 0.25, "ratio/year"),
        ("churn_cut", 0.1, 0.05, 0.15, "ratio"),
        ("arpu", 30.0, 27.0, 33.0, "GBP/month"),
        ("margin", 0.5, 0.45, 0.55, "ratio"),
        ("calls", 50_000, 45_000, 55_000, "calls/month"),
        ("call_cut", 0.2, 0.1, 0.3, "ratio"),
        ("call_cost", 5.0, 4.5, 5.5, "GBP/call"),
        ("revenue", 4_000_000, 3_800_000, 4_200_000, "GBP/month"),
        ("uplift", 0.004, 0.002, 0.006, "ratio"),
        ("licence", 250_000, 220_000, 300_000, "GBP/year"),
        ("build", 900_000, 800_000, 1_100_000, "GBP"),
    ]
    costs: list[dict[str, Any]] = [
        {"name": "Build", "category": "it", "recurrence": "once", "amount": "build", "risk": 0.2},
        {"name": "Licence", "category": "it", "recurrence": "annual", "amount": "licence"},
    ]
    costs += [
        {
            "name": f"Team {i}",
            "category": "people",
            "recurrence": "monthly",
            "start_month": i,
            "amount": 10_000 + 1_000 * i,
            "escalation": 0.03,
            "risk": 0.05,
        }
        for i in range(1, 9)
    ]
    benefits: list[dict[str, Any]] = [
        {
            "name": "Churn",
            "kind": "churn",
            "customers": "customers",
            "annual_churn": "annual_churn",
            "reduction": "churn_cut",
            "arpu": "arpu",
            "margin": "margin",
            "gross_adds": 1_500,
            "ramp_start": 3,
            "ramp_months": 9,
            "risk": 0.2,
        },
        {
            "name": "Calls",
            "kind": "cost_savings",
            "volume": "calls",
            "reduction": "call_cut",
            "unit_cost": "call_cost",
            "escalation": 0.02,
            "ramp_months": 6,
        },
        {
            "name": "Conversion",
            "kind": "revenue_uplift",
            "base_revenue": "revenue",
            "uplift": "uplift",
            "margin": "margin",
            "growth": 0.04,
        },
        {"name": "Savings", "kind": "custom", "amount": 20_000, "escalation": 0.02},
        {"name": "Fees", "kind": "custom", "amount": 5_000, "ramp_start": 4},
        {
            "name": "Churn, small accounts",
            "kind": "churn",
            "customers": 10_000,
            "annual_churn": 0.3,
            "reduction": 0.05,
            "arpu": 80,
            "margin": 0.4,
        },
    ]
    return {
        "format": "cxroi-case/1",
        "title": "Benchmark: sixteen lines over five years",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": horizon,
        "discount_rate": 0.1,
        "assumptions": [
            {"key": k, "label": k, "value": v, "low": lo, "high": hi, "unit": unit}
            for k, v, lo, hi, unit in ranged
        ],
        "costs": costs,
        "benefits": benefits,
        "scenarios": [{"name": "Low", "overrides": {"churn_cut": 0.05}}],
    }


def cpu_median_seconds(fn: Callable[[], object], repeat: int = 15) -> float:
    """Median CPU time of ``fn()``: less swayed than wall time by other processes."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    # Imported here so that a direct run picks up this checkout's cxroi (see below).
    from cxroi.engine import analyse, load_case
    from cxroi.workbook import build_workbook

    case = load_case(case_document())
    result = analyse(case)
    data = build_workbook(case, result)
    seconds = median_seconds(lambda: build_workbook(case, result))
    report(f"build_workbook: {HORIZON} months, 16 lines", seconds, TARGET_SECONDS)
    cpu = cpu_median_seconds(lambda: build_workbook(case, result))
    print(f"{'  the same, process CPU time':48} median {cpu * 1000:10.3f} ms")
    print(f"{'workbook size':48} {len(data) / 1024:10.1f} KiB ({len(data):,} bytes)")


if __name__ == "__main__":  # python benchmarks/bench_workbook.py, from any directory
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here), str(here.parent)]
    main()
