"""Small timing helpers for the benchmark scripts (medians, never asserted)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int = 15, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, seconds: float, target: float | None = None) -> None:
    verdict = ""
    if target is not None:
        verdict = f"  (target <= {target * 1000:g} ms: {'met' if seconds <= target else 'MISSED'})"
    print(f"{name:48} median {seconds * 1000:10.3f} ms{verdict}")
