"""The case timeline: month 0 (up-front, undiscounted) then months 1..H at month end.

Discounting follows the case's convention (``discounting``, :func:`discount_factors`):
each month's flow at its end (the default), in its middle, or on its calendar date with
an act/365 day count (Excel's XNPV). All factors are numpy vectors over months
``t = 0..H``; a rate that is a batch of trial values arrives as a column ``(N, 1)``
and broadcasts to ``(N, H+1)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .casefile import CaseFile

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


def flow_dates(start_month: str, horizon: int) -> npt.NDArray[np.datetime64]:
    """The calendar date of each month's flow under ``actual_365``: month 0 on the first
    day of ``start_month``, month t >= 1 on the day its month ends, taken as the first
    day of the following calendar month (so month t is exactly t calendar months on).

    >>> [str(d) for d in flow_dates("2027-12", 3)]
    ['2027-12-01', '2028-01-01', '2028-02-01', '2028-03-01']
    """
    first = np.datetime64(start_month, "M")
    months = first + np.arange(horizon + 1)
    return np.asarray(months.astype("datetime64[D]"))


def year_fractions(dates: npt.ArrayLike) -> FloatArray:
    """Act/365 years from the first date: (d − d0) / 365 (Excel's XNPV and XIRR day count).

    >>> year_fractions(np.array(["2008-01-01", "2008-03-01"], dtype="datetime64[D]")).tolist()
    [0.0, 0.1643835616438356]
    """
    days = np.asarray(dates, dtype="datetime64[D]")
    return np.asarray((days - days[0]).astype(np.float64) / 365.0, dtype=np.float64)


def _exponent(horizon: int, discounting: str, start_month: str) -> tuple[bool, FloatArray]:
    """The one statement of each discounting convention: month t's factor is
    (1 + rate)^−exponent, the rate annual (``True``: act/365's years from month 0's date,
    :func:`flow_dates`) or monthly (t at month ends, t − ½ mid-month; month 0 is never
    discounted)."""
    if discounting == "actual_365":
        return True, year_fractions(flow_dates(start_month, horizon))
    t = np.arange(horizon + 1, dtype=np.float64)
    return False, np.maximum(t - 0.5, 0.0) if discounting == "mid_month" else t


def discount_months(
    horizon: int, discounting: str = "end_of_month", start_month: str = ""
) -> FloatArray:
    """How far month t's flow is discounted, in months, t = 0..H: month t's factor is
    (1 + m)^−this under each convention of :func:`discount_factors` (act/365's years
    times 12), so a spreadsheet needs only the monthly rate and this column.

    >>> discount_months(2, "mid_month").tolist(), discount_months(2).tolist()
    ([0.0, 0.5, 1.5], [0.0, 1.0, 2.0])
    >>> float(discount_months(1, "actual_365", "2027-02")[1]) == 12 * 28 / 365
    True
    """
    annual, exponent = _exponent(horizon, discounting, start_month)
    return np.asarray(12.0 * exponent if annual else exponent, dtype=np.float64)


def discount_factors(
    horizon: int, annual_rate: float, discounting: str = "end_of_month", start_month: str = ""
) -> FloatArray:
    """Month t's discount factor under a convention, t = 0..H (month 0 is never discounted):

    - ``end_of_month``: (1 + m)^−t;
    - ``mid_month``: (1 + m)^−(t − ½) for t >= 1 (a month's flow in its middle);
    - ``actual_365``: (1 + r)^−(d_t − d_0)/365 on the dates of :func:`flow_dates`.

    >>> discount_factors(2, 0.1268250301319698, "mid_month").round(6).tolist()
    [1.0, 0.995037, 0.985185]
    >>> discount_factors(1, 0.1, "actual_365", "2027-02").round(6).tolist()  # 28 days
    [1.0, 0.992715]
    """
    annual, exponent = _exponent(horizon, discounting, start_month)
    base = 1.0 + (annual_rate if annual else monthly_rate(annual_rate))
    return np.asarray(base**-exponent, dtype=np.float64)


def discount_matrix(
    horizon: int, annual_rates: FloatArray, discounting: str = "end_of_month", start_month: str = ""
) -> FloatArray:
    """(N, H+1): row i holds :func:`discount_factors` at ``annual_rates[i]`` (a rate per
    trial or tornado row), every convention vectorised over the rows at once.

    >>> discount_matrix(2, np.array([0.1268250301319698, 0.0]), "mid_month").round(6).tolist()
    [[1.0, 0.995037, 0.985185], [1.0, 1.0, 1.0]]
    """
    rates = np.reshape(np.asarray(annual_rates, dtype=np.float64), (-1, 1))
    annual, exponent = _exponent(horizon, discounting, start_month)
    base = 1.0 + (rates if annual else (1.0 + rates) ** (1.0 / 12.0) - 1.0)
    return np.asarray(base**-exponent, dtype=np.float64)


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
    discount_factor: FloatArray  # (1 + m)^-t by default: see :func:`discount_factors`
    discounting: str = "end_of_month"
    start_month: str = ""
    #: The case's annual inflation (``inflation_rate``): every line's amounts are in
    #: today's money and inflate on the same anniversaries as escalation steps up.
    inflation: float = 0.0
    #: (1 + inflation)^floor((t - 1) / 12), 1 at t = 0: :meth:`step_up` at a rate of 0.
    inflation_factor: FloatArray = field(default_factory=lambda: _frozen(np.ones(1)))

    @classmethod
    def of(
        cls,
        horizon: int,
        annual_rate: float,
        discounting: str = "end_of_month",
        start_month: str = "",
        inflation: float = 0.0,
    ) -> Timeline:
        """The shared timeline; ``start_month`` matters only under ``actual_365``."""
        if discounting != "actual_365":
            start_month = ""
        return _timeline(horizon, annual_rate, discounting, start_month, float(inflation))

    @classmethod
    def for_case(cls, case: CaseFile, annual_rate: float | None = None) -> Timeline:
        """The case's timeline (its horizon, discounting, start month and inflation), at
        its own discount rate or at ``annual_rate``."""
        rate = case.discount_rate if annual_rate is None else annual_rate
        return cls.of(
            case.horizon_months, rate, case.discounting, case.start_month, case.inflation_rate
        )

    def discount_matrix(self, annual_rates: FloatArray) -> FloatArray:
        """(N, H+1): this timeline's discount factors at each of N annual rates."""
        return discount_matrix(self.horizon, annual_rates, self.discounting, self.start_month)

    @property
    def dated(self) -> bool:
        """Whether discounting is not the default month ends (the IRR then follows it)."""
        return self.discounting != "end_of_month"

    @property
    def monthly_rate(self) -> float:
        return monthly_rate(self.annual_rate)

    def step_up(self, rate: Value) -> FloatArray:
        """Nominal escalation or growth factor e_t = ((1 + i)(1 + rate))^floor((t - 1) / 12),
        1 at t = 0, with i the case's inflation (``rate`` is real growth on top of it).

        >>> Timeline.of(25, 0.1, inflation=0.03).step_up(0.02)[[0, 12, 13, 25]].round(6).tolist()
        [1.0, 1.0, 1.0506, 1.10376]
        """
        if np.ndim(rate) == 0:
            return self._step_up(float(rate))
        return np.asarray(self._nominal(rate) ** self.anniversaries, dtype=np.float64)

    def _nominal(self, rate: Value) -> Value:
        """1 + the nominal rate: (1 + i)(1 + rate); exactly 1 + rate without inflation."""
        if self.inflation == 0.0:
            return 1.0 + rate
        return (1.0 + self.inflation) * (1.0 + rate)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - timelines are few and shared
    def _step_up(self, rate: float) -> FloatArray:
        return _frozen(self._nominal(rate) ** self.anniversaries)

    def inflated(self, series: FloatArray) -> FloatArray:
        """A series in today's money made nominal: x_t times (1 + i)^floor((t - 1) / 12)
        (the series itself, unchanged, without inflation)."""
        if self.inflation == 0.0:
            return series
        return np.asarray(series * self.inflation_factor, dtype=np.float64)

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
def _timeline(
    horizon: int, annual_rate: float, discounting: str, start_month: str, inflation: float
) -> Timeline:
    t = np.arange(horizon + 1, dtype=np.float64)
    anniversaries = np.where(t >= 1, np.floor((t - 1.0) / 12.0), 0.0)
    if discounting == "end_of_month":
        m = monthly_rate(annual_rate)
        factors = (1.0 + m) ** -t  # exactly as before conventions existed
    else:
        factors = discount_factors(horizon, annual_rate, discounting, start_month)
    return Timeline(
        horizon,
        annual_rate,
        _frozen(t),
        _frozen(anniversaries),
        _frozen(factors),
        discounting,
        start_month,
        inflation,
        _frozen((1.0 + inflation) ** anniversaries),
    )
