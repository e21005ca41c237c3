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
