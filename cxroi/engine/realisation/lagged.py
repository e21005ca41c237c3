"""A CX metric read against the money: Pearson correlation at lags, in plain words."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LagCorrelation:
    lag: int  # months y lags behind x
    r: float | None
    n: int


def lagged_correlation(
    x: Sequence[float | None], y: Sequence[float | None], max_lag: int = 6
) -> list[LagCorrelation]:
    """Pearson r of x[t] against y[t + lag] for lag 0..max_lag, on complete pairs only.

    r is None when fewer than 3 pairs remain or either side does not vary.

    >>> [c.r for c in lagged_correlation([1, 2, 3, 4], [2, 4, 6, 8], 1)]
    [1.0, 1.0]
    """
    xs = np.array([np.nan if v is None else float(v) for v in x], dtype=np.float64)
    ys = np.array([np.nan if v is None else float(v) for v in y], dtype=np.float64)
    out: list[LagCorrelation] = []
    for lag in range(max_lag + 1):
        length = min(len(xs), len(ys) - lag)
        if length <= 0:
            out.append(LagCorrelation(lag, None, 0))
            continue
        a, b = xs[:length], ys[lag : lag + length]
        keep = np.isfinite(a) & np.isfinite(b)
        a, b = a[keep], b[keep]
        n = int(a.size)
        r: float | None = None
        if n >= 3:
            da, db = a - a.mean(), b - b.mean()
            denominator = math.sqrt(float(da @ da) * float(db @ db))
            if denominator > 0:
                r = round(float(da @ db) / denominator, 12)
        out.append(LagCorrelation(lag, r, n))
    return out


CAUTION = (
    "Correlation is not causation: both series may follow a third cause, "
    "and a few months of data can line up by chance."
)


def reading(
    corrs: Sequence[LagCorrelation], x_name: str = "the first series", y_name: str = "the second"
) -> str:
    """The strongest lag in plain words, with the caution that correlation is not causation."""
    known = [c for c in corrs if c.r is not None]
    if not known:
        return f"Too few months in common to read a link. {CAUTION}"
    best = max(known, key=lambda c: (abs(c.r or 0.0), -c.lag))
    r = best.r or 0.0
    size = abs(r)
    strength = "strong" if size >= 0.7 else "moderate" if size >= 0.4 else "weak"
    direction = "the same way" if r > 0 else "the opposite way"
    when = (
        "in the same month"
        if best.lag == 0
        else (f"{best.lag} month{'s' if best.lag != 1 else ''} later")
    )
    if strength == "weak":
        head = (
            f"No clear link: the strongest is weak (r = {r:.2f} at a lag of {best.lag}, "
            f"{best.n} months)."
        )
    else:
        head = (
            f"A {strength} link: when {x_name} moves, {y_name} tends to move {direction} "
            f"{when} (r = {r:.2f}, {best.n} months)."
        )
    return f"{head} {CAUTION}"
