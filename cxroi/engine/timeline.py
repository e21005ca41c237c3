"""The case timeline: month 0 (up-front, undiscounted) then months 1..H at month end.

All factors are numpy vectors over months ``t = 0..H``; a rate that is a batch
of trial values arrives as a column ``(N, 1)`` and broadcasts to ``(N, H+1)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Value = float | FloatArray
"""A parameter's value: a number, or a column ``(N, 1)`` of trial values."""


def fiscal_shift(start_month: str, fiscal_year_start: int | None) -> int:
    """Months of its fiscal year that have passed when the case's month 1 begins.

    0 when the years are the case's own (``fiscal_year_start`` None, or the start month's
    calendar month); the year of month t >= 1 is then ``(shift + t - 1) // 12 + 1``.

    >>> fiscal_shift("2027-03", None), fiscal_shift("2027-03", 4), fiscal_shift("2027-03", 1)
    (0, 11, 2)
    """
    if fiscal_year_start is None:
        return 0
    return (int(start_month[5:7]) - fiscal_year_start) % 12


def monthly_rate(annual_rate: float) -> float:
    """m = (1 + annual)^(1/12) - 1.

    >>> round(monthly_rate(0.1268250301319698), 12)
    0.01
    """
    return float((1.0 + annual_rate) ** (1.0 / 12.0) - 1.0)


@dataclass(frozen=True, eq=False)
class Timeline:
    """Month indices and the factors every line shares.

    Instances are shared (``Timeline.of`` is memoised) and so are the profiles
    they compute for numeric arguments: the arrays returned are read-only.
    """

    horizon: int
    annual_rate: float
    months: FloatArray  # t = 0..H
    anniversaries: FloatArray  # floor((t-1)/12) for t >= 1, 0 for t = 0
    discount_factor: FloatArray  # (1 + m)^-t

    @classmethod
    def of(cls, horizon: int, annual_rate: float) -> Timeline:
        return _timeline(horizon, annual_rate)

    @property
    def monthly_rate(self) -> float:
        return monthly_rate(self.annual_rate)

    def step_up(self, rate: Value) -> FloatArray:
        """Escalation or growth factor e_t = (1 + rate)^floor((t - 1) / 12), 1 at t = 0."""
        if np.ndim(rate) == 0:
            return self._step_up(float(rate))
        return np.asarray((1.0 + rate) ** self.anniversaries, dtype=np.float64)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - timelines are few and shared
    def _step_up(self, rate: float) -> FloatArray:
        return _frozen((1.0 + rate) ** self.anniversaries)

    @functools.lru_cache(maxsize=1024)  # noqa: B019
    def ramp(self, start: int, months: int) -> FloatArray:
        """Adoption a_t: 0 before ``start``, then linear over ``months`` to 1 (0 in month 0)."""
        a = np.zeros(self.horizon + 1)
        first = max(start, 1)
        if months <= 1:
            a[first:] = 1.0
        else:
            a[first:] = np.minimum(1.0, (self.months[first:] - start + 1.0) / months)
        return _frozen(a)

    @functools.lru_cache(maxsize=1024)  # noqa: B019
    def mask(self, first: int, last: int, every: int = 1) -> FloatArray:
        """1.0 in months first, first+every, ... up to last (inclusive), else 0.0."""
        hit = np.zeros(self.horizon + 1)
        hit[max(first, 0) : max(last + 1, 0) : every] = 1.0
        return _frozen(hit)

    @functools.lru_cache(maxsize=1024)  # noqa: B019
    def profile(self, first: int, last: int, every: int, rate: float) -> FloatArray:
        """A cost's months charged times its escalation: mask x e_t."""
        return _frozen(self.mask(first, last, every) * self._step_up(rate))

    @functools.lru_cache(maxsize=1024)  # noqa: B019
    def ramped(self, start: int, months: int, rate: float) -> FloatArray:
        """A benefit's adoption times its escalation or growth: a_t x e_t."""
        return _frozen(self.ramp(start, months) * self._step_up(rate))

    def year_starts(self, shift: int = 0) -> npt.NDArray[np.intp]:
        """Index of the first month of each year: year 0 is month 0, then 12-month years;
        with ``shift`` (see :func:`fiscal_shift`) the years are fiscal and the first is short.

        >>> Timeline.of(30, 0.1).year_starts().tolist()
        [0, 1, 13, 25]
        >>> Timeline.of(30, 0.1).year_starts(11).tolist()  # starts in March, FY in April
        [0, 1, 2, 14, 26]
        """
        t = np.arange(1, self.horizon + 1)
        year = (shift + t - 1) // 12 + 1  # the year of month t (year 1: the first)
        firsts = t[np.concatenate(([True], year[1:] != year[:-1]))]
        return np.asarray(np.concatenate(([0], firsts)), dtype=np.intp)


def _frozen(array: FloatArray) -> FloatArray:
    array.setflags(write=False)
    return array


@functools.lru_cache(maxsize=64)
def _timeline(horizon: int, annual_rate: float) -> Timeline:
    t = np.arange(horizon + 1, dtype=np.float64)
    anniversaries = np.where(t >= 1, np.floor((t - 1.0) / 12.0), 0.0)
    m = monthly_rate(annual_rate)
    return Timeline(
        horizon, annual_rate, _frozen(t), _frozen(anniversaries), _frozen((1.0 + m) ** -t)
    )
