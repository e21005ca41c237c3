"""The case timeline: month 0 (up-front, undiscounted) then months 1..H at month end.

All factors are numpy vectors over months ``t = 0..H``; a rate that is a batch
of trial values arrives as a column ``(N, 1)`` and broadcasts to ``(N, H+1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Value = float | FloatArray
"""A parameter's value: a number, or a column ``(N, 1)`` of trial values."""


def monthly_rate(annual_rate: float) -> float:
    """m = (1 + annual)^(1/12) - 1.

    >>> round(monthly_rate(0.1268250301319698), 12)
    0.01
    """
    return float((1.0 + annual_rate) ** (1.0 / 12.0) - 1.0)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Month indices and the factors every line shares."""

    horizon: int
    annual_rate: float
    months: FloatArray  # t = 0..H
    anniversaries: FloatArray  # floor((t-1)/12) for t >= 1, 0 for t = 0
    discount_factor: FloatArray  # (1 + m)^-t

    @classmethod
    def of(cls, horizon: int, annual_rate: float) -> Timeline:
        t = np.arange(horizon + 1, dtype=np.float64)
        anniversaries = np.where(t >= 1, np.floor((t - 1.0) / 12.0), 0.0)
        m = monthly_rate(annual_rate)
        return cls(horizon, annual_rate, t, anniversaries, (1.0 + m) ** -t)

    @property
    def monthly_rate(self) -> float:
        return monthly_rate(self.annual_rate)

    def step_up(self, rate: Value) -> FloatArray:
        """Escalation or growth factor e_t = (1 + rate)^floor((t - 1) / 12), 1 at t = 0."""
        return np.asarray((1.0 + rate) ** self.anniversaries, dtype=np.float64)

    def ramp(self, start: int, months: int) -> FloatArray:
        """Adoption a_t: 0 before ``start``, then linear over ``months`` to 1 (0 in month 0)."""
        t = self.months
        if months <= 1:
            a = (t >= start).astype(np.float64)
        else:
            a = np.clip((t - start + 1.0) / months, 0.0, 1.0)
        a[0] = 0.0
        return a

    def mask(self, first: int, last: int, every: int = 1) -> FloatArray:
        """1.0 in months first, first+every, ... up to last (inclusive), else 0.0."""
        t = self.months
        hit = (t >= first) & (t <= last) & (((t - first) % every) == 0)
        return np.asarray(hit, dtype=np.float64)

    def year_starts(self) -> npt.NDArray[np.intp]:
        """Index of the first month of each year: year 0 is month 0, then 12-month years."""
        starts = np.concatenate(([0], np.arange(1, self.horizon + 1, 12)))
        return np.asarray(starts, dtype=np.intp)
