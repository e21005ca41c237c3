"""Export time and file size of a 60-month case with 16 lines (issue 4: <= 300 ms median).

Ten costs of every recurrence, six benefits of every kind, twelve assumptions with
ranges (benchmarks/cases.py, shared with the engine benchmark). Only
``build_workbook`` is timed; the engine runs once.
"""

from __future__ import annotations

from cases import large_case_document
from timing import median_wall_and_cpu, report

HORIZON = 60
TARGET_SECONDS = 0.300


def main() -> None:
    # Imported here so that a direct run picks up this checkout's cxroi (see below).
    from cxroi.engine import analyse, load_case
    from cxroi.workbook import build_workbook

    case = load_case(large_case_document(HORIZON))
    result = analyse(case)
    data = build_workbook(case, result)
    seconds, cpu = median_wall_and_cpu(lambda: build_workbook(case, result))
    report(f"build_workbook: {HORIZON} months, 16 lines", seconds, TARGET_SECONDS, cpu)
    print(f"{'workbook size':40} {len(data) / 1024:10.1f} KiB ({len(data):,} bytes)")


if __name__ == "__main__":  # python benchmarks/bench_workbook.py, from any directory
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here), str(here.parent)]
    main()
