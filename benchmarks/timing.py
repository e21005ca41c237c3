"""Small timing helpers for the benchmark scripts (medians, never asserted)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(
    fn: Callable[[], object],
    repeat: int = 15,
    warmup: int = 2,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median time of ``fn()`` over ``repeat`` runs after ``warmup`` runs.

    ``clock`` is wall time by default; ``time.process_time`` gives CPU time, which
    a busy machine inflates far less.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)


def median_wall_and_cpu(fn: Callable[[], object], repeat: int = 15) -> tuple[float, float]:
    """Medians of wall time and of CPU time of ``fn()``."""
    return median_seconds(fn, repeat), median_seconds(fn, repeat, 1, time.process_time)


def report(
    name: str, seconds: float, target: float | None = None, cpu: float | None = None
) -> None:
    verdict = ""
    if target is not None:
        verdict = f"  (target <= {target * 1000:g} ms: {'met' if seconds <= target else 'MISSED'})"
    cpu_text = f"  cpu {cpu * 1000:10.3f} ms" if cpu is not None else ""
    print(f"{name:40} median {seconds * 1000:10.3f} ms{cpu_text}{verdict}")


#: Rows of the side-by-side table `make bench` prints at the end (benchmarks/run.py).
SIDE_BY_SIDE: list[tuple[str, str, str, float, str]] = []


def side_by_side(
    name: str,
    value: float,
    baseline: float,
    baseline_name: str,
    target: str = "",
    unit: str = "ms",
) -> None:
    """Keep a row for the closing table: ``value`` against ``baseline`` measured in the
    same run, with their ratio (value / baseline). ``unit`` "ms" shows seconds as ms."""

    def shown(x: float) -> str:
        return f"{x * 1000:,.3f} ms" if unit == "ms" else f"{x:,.1f} {unit}"

    SIDE_BY_SIDE.append(
        (name, shown(value), f"{shown(baseline)} ({baseline_name})", value / baseline, target)
    )


def print_side_by_side() -> None:
    if not SIDE_BY_SIDE:
        return
    print("\n== side by side (each row measured in one run; ratio = figure / baseline)")
    print(f"{'row':42}{'figure':>16}  {'baseline':44}{'ratio':>9}  target")
    for name, value, baseline, ratio, target in SIDE_BY_SIDE:
        print(f"{name:42}{value:>16}  {baseline:44}{ratio:9.2f}  {target}")
