"""Investment metrics over monthly net flows, vectorised over rows of trials.

Conventions (``case-format.md``): NPV = sum_t net_t / (1+m)^t from month 0;
IRR = (1+i)^12 - 1 for the unique monthly root i > -1; payback waits until the
cumulative flow stays non-negative through the horizon, interpolating linearly.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt
import numpy_financial as npf
from scipy.optimize import brentq

from .timeline import FloatArray, Timeline, flow_dates, year_fractions

IrrNote = Literal["none", "multiple"]

#: An annual IRR above this (1,000 %) is shown with a caution: it says little on its own.
IRR_CAUTION_RATE = 10.0


#: How a missing IRR reads on every page, by its note.
IRR_NOTE_WORDS: dict[str, str] = {"none": "none", "multiple": "several rates"}
#: The caution shown beside an IRR above :data:`IRR_CAUTION_RATE`.
IRR_CAUTION = (
    "Above 1,000 % a year: an IRR this high says little on its own; "
    "read it with the NPV, the payback and the MIRR"
)


def irr_words(rate: float | None, note: str | None, percent: Callable[[float], str]) -> str:
    """The IRR as a page shows it: ``percent(rate)``, or why there is none.

    >>> irr_words(None, "multiple", str), irr_words(0.5, None, lambda x: f"{x:.0%}")
    ('several rates', '50%')
    """
    if rate is None:
        return IRR_NOTE_WORDS.get(note or "", "n/a")
    return percent(rate)


def irr_needs_caution(rate: float | None) -> bool:
    """Whether an annual IRR is high enough to be shown with a caution.

    >>> irr_needs_caution(12.5), irr_needs_caution(0.4), irr_needs_caution(None)
    (True, False, False)
    """
    return rate is not None and rate > IRR_CAUTION_RATE


def npv(monthly_rate: float, net: npt.ArrayLike) -> float:
    """NPV of one series of flows, month 0 undiscounted (numpy-financial's convention).

    >>> round(npv(0.01, [-100, 60, 60]), 6)
    18.223704
    """
    return float(npf.npv(monthly_rate, np.asarray(net, dtype=np.float64)))


def payback(cumulative: FloatArray) -> FloatArray:
    """Payback in months for each row of cumulative flows (NaN where it never pays back).

    k is the first month from which the cumulative stays >= 0 through the horizon;
    payback = (k-1) + (-cum[k-1]) / (cum[k] - cum[k-1]), and 0 when k = 0.

    >>> payback(np.array([[-100.0, -40.0, 20.0, 80.0]])).tolist()
    [1.6666666666666665]
    >>> payback(np.array([[-100.0, 20.0, -10.0, 30.0]])).tolist()
    [2.25]
    """
    cum = np.atleast_2d(cumulative)
    rows, width = cum.shape
    negative = cum < 0.0
    any_negative = negative.any(axis=1)
    last_negative = width - 1 - np.argmax(negative[:, ::-1], axis=1)
    k = np.where(any_negative, last_negative + 1, 0)
    kk = np.minimum(k, width - 1)
    r = np.arange(rows)
    before = cum[r, np.maximum(kk - 1, 0)]
    after = cum[r, kk]
    # Where k is a real crossing, cum[k] >= 0 > cum[k-1], so the step is positive;
    # elsewhere the step is replaced by 1 and the value discarded below.
    crossing = (k >= 1) & (k <= width - 1)
    step = np.where(crossing, after - before, 1.0)
    result = np.where(crossing, (kk - 1) - before / step, 0.0)
    return np.where(k <= width - 1, result, np.nan)


def payback_of(cumulative: FloatArray) -> float:
    """:func:`payback` of one series of cumulative flows, with the same arithmetic
    (a number; NaN where it never pays back), without the rows' bookkeeping.

    >>> payback_of(np.array([-100.0, -40.0, 20.0, 80.0])), payback_of(np.array([5.0, 1.0]))
    (1.6666666666666665, 0.0)
    """
    negative = np.flatnonzero(cumulative < 0.0)
    if negative.size == 0:
        return 0.0
    k = int(negative[-1]) + 1
    if k >= cumulative.size:
        return math.nan
    before, after = float(cumulative[k - 1]), float(cumulative[k])
    return (k - 1) - before / (after - before)


def mirr(net: npt.ArrayLike, finance_rate: float, reinvestment_rate: float) -> float | None:
    """Annualised MIRR of monthly flows, Excel's ``MIRR`` on months 0..H, then (1 + m)^12 - 1.

    ``finance_rate`` and ``reinvestment_rate`` are monthly. The negative flows are
    discounted to month 0 at the finance rate, the positive ones compounded to month
    H at the reinvestment rate; the monthly MIRR is (FV+ / -PV-)^(1/H) - 1, annualised
    like the IRR. None when there is no positive or no negative flow (Excel's #DIV/0!).

    >>> round(mirr([-100.0, 60.0, 70.0], 0.1, 0.12), 6)  # a month: 17.132404 %
    5.669982
    """
    values = np.asarray(net, dtype=np.float64)
    months = values.size - 1
    positive, negative = np.where(values > 0, values, 0.0), np.where(values < 0, values, 0.0)
    if months < 1 or not positive.any() or not negative.any():
        return None
    compound, discount = _mirr_factors(months, float(finance_rate), float(reinvestment_rate))
    future = float(positive @ compound)
    present = float(negative @ discount)
    monthly = (future / -present) ** (1.0 / months) - 1.0
    return float((1.0 + monthly) ** 12 - 1.0)


@functools.lru_cache(maxsize=64)
def _mirr_factors(
    months: int, finance_rate: float, reinvestment_rate: float
) -> tuple[FloatArray, FloatArray]:
    """MIRR's (1 + reinvestment)^(H - t) and (1 + finance)^-t for t = 0..H (read-only)."""
    t = np.arange(months + 1, dtype=np.float64)
    compound = (1.0 + reinvestment_rate) ** (months - t)
    discount = (1.0 + finance_rate) ** -t
    compound.flags.writeable = discount.flags.writeable = False
    return compound, discount


def _sign_changes(values: FloatArray) -> int:
    signs = np.sign(values[values != 0.0])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def _polish(coefficients: FloatArray, x: float) -> float:
    """A few Newton steps on p(x) = sum_t c_t x^t from a root estimate."""
    derivative = np.asarray(np.polynomial.polynomial.polyder(coefficients), dtype=np.float64)
    with np.errstate(all="ignore"):
        return _newton(coefficients, derivative, x)


def _newton(coefficients: FloatArray, derivative: FloatArray, x: float) -> float:
    for _ in range(8):
        p = float(np.polynomial.polynomial.polyval(x, coefficients))
        dp = float(np.polynomial.polynomial.polyval(x, derivative))
        if dp == 0.0 or not np.isfinite(p / dp):
            break
        step = p / dp
        if not x - step > 0.0:
            break
        x = float(x - step)
        if abs(step) <= 1e-15 * abs(x):
            break
    return float(x)


#: Monthly rates searched by the bracketing solver: -99 % to +1,000 % a month.
_RATE_BRACKET = (-0.99, 10.0)


@functools.lru_cache(maxsize=16)
def _rate_grid(months: int) -> tuple[FloatArray, FloatArray]:
    """Monthly rates to scan for sign changes of NPV, and their discount matrix."""
    rates = np.unique(
        np.concatenate(
            (
                np.linspace(_RATE_BRACKET[0], -0.5, 200),
                np.linspace(-0.5, 0.5, 801),
                np.geomspace(0.5, _RATE_BRACKET[1], 200),
            )
        )
    )
    factors = (1.0 + rates)[:, None] ** -np.arange(months, dtype=np.float64)[None, :]
    return rates, factors


def _npv_function(
    values: FloatArray, periods: FloatArray | None = None
) -> Callable[[float], float]:
    """NPV of ``values`` as a function of the monthly rate (flow k ``periods[k]`` months
    on: k by default)."""
    exponents = -(np.arange(values.size, dtype=np.float64) if periods is None else periods)

    def npv_at(rate: float) -> float:
        return float(values @ np.power(1.0 + rate, exponents))

    return npv_at


def _roots_on_grid(values: FloatArray) -> list[float]:
    """Every monthly rate in the bracket where NPV crosses zero, each refined by brentq."""
    rates, factors = _rate_grid(values.size)
    with np.errstate(all="ignore"):
        npvs = factors @ values
    roots = [float(r) for r in rates[npvs == 0.0]]
    npv_at = _npv_function(values)
    for j in np.flatnonzero(npvs[:-1] * npvs[1:] < 0.0):
        roots.append(
            float(
                brentq(
                    npv_at,
                    rates[j],
                    rates[j + 1],
                    xtol=1e-15,
                    rtol=1e-15,
                    maxiter=200,
                )
            )
        )
    return sorted(roots)


def _single_root(values: FloatArray, periods: FloatArray | None = None) -> float | None:
    """The monthly rate where NPV is 0 when flows change sign once (None if out of bracket)."""

    npv_at = _npv_function(values, periods)
    low, high = _RATE_BRACKET
    with np.errstate(all="ignore"):
        f_low, f_high = npv_at(low), npv_at(high)
        if not (np.isfinite(f_low) and np.isfinite(f_high)) or f_low * f_high > 0.0:
            return None
        if f_low == 0.0 or f_high == 0.0:
            return low if f_low == 0.0 else high
        return float(brentq(npv_at, low, high, xtol=1e-15, rtol=1e-15, maxiter=200))


def _integer_coefficients(values: FloatArray) -> list[int]:
    """The flows as integers, exactly: each float times one common power of two."""
    parts = [float(v).as_integer_ratio() for v in values]
    shift = max(d.bit_length() - 1 for _n, d in parts)  # every denominator is a power of 2
    return [n << (shift - (d.bit_length() - 1)) for n, d in parts]


def _variations(coefficients: list[int]) -> int:
    """Sign changes in a sequence, zeros skipped (Descartes' bound on positive roots)."""
    signs = [c > 0 for c in coefficients if c != 0]
    return sum(1 for a, b in itertools.pairwise(signs) if a != b)


def _taylor_shift_one(coefficients: list[int]) -> list[int]:
    """q(x) = p(x + 1), exactly (coefficients lowest power first)."""
    q = list(coefficients)
    n = len(q)
    for i in range(n - 1):
        for j in range(n - 2, i - 1, -1):
            q[j] += q[j + 1]
    return q


@functools.lru_cache(maxsize=16)
def _binomials(n: int) -> FloatArray:
    """B[j, k] = C(k, j) (0 where k < j) as floats: q = B @ r is r's Taylor shift by 1."""
    table = np.zeros((n, n))
    for k in range(n):
        for j in range(k + 1):
            table[j, k] = float(math.comb(k, j))
    table.flags.writeable = False
    return table


#: Unit roundoff of float64, and the smallest positive subnormal.
_U, _TINY = 2.0**-53, 2.0**-1074


def _certified_variations(values: FloatArray) -> int | None:
    """The sign changes of the Taylor shift that :func:`_roots_in_unit_interval` first
    takes (of ``values`` reversed), computed in floating point with a rigorous error
    bound; None when a coefficient's sign is not certain (the exact path decides).

    Each shifted coefficient q_j = sum_k C(k, j) r_k is computed as a float dot product:
    whatever the order of summation, |q^_j - q_j| <= gamma_(n+1) S_j with S_j the same
    sum of |terms| and gamma_m = m u / (1 - m u) (products and the rounded binomial
    each add one u). A sign counts only when |q^_j| is above twice that bound.
    """
    return _certified_variations_of(values.reshape(1, -1))[0]


def _certified_variations_of(series: FloatArray) -> list[int | None]:
    """:func:`_certified_variations` of each row of ``series`` (k, n), in one matrix
    product (the bound holds whatever order the product sums in)."""
    k, n = series.shape
    terms = np.empty((2 * k, n))
    terms[:k] = series[:, ::-1]
    np.abs(terms[:k], out=terms[k:])
    gamma = (n + 2) * _U / (1.0 - (n + 2) * _U)
    with np.errstate(all="ignore"):
        both = terms @ _binomials(n).T
        q = both[:k]
        bound = both[k:] * (2.0 * gamma / (1.0 - gamma)) + 4.0 * n * _TINY
        # A bound that is not finite compares False: no sign is sure there.
        sure = np.isfinite(q).all(axis=1) & (np.abs(q) > bound).all(axis=1)
    signs = q > 0
    changes = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=1)
    return [int(c) if ok else None for c, ok in zip(changes, sure, strict=True)]


def _roots_in_unit_interval(coefficients: list[int]) -> int:
    """Exact count of the distinct roots of p in (0, 1); -1 for a cluster it cannot split.

    Vincent-Collins-Akritas bisection on integer coefficients: the roots of p in
    (0, 1) are the positive roots of (x + 1)^n p(1 / (x + 1)), bounded by its sign
    changes (exact at 0 and 1); halves (0, 1/2) and (1/2, 1) are p(x / 2) and
    p((x + 1) / 2), scaled by 2^n. Exact arithmetic: rounding cannot hide a root, and
    roots as close as 2^-80 apart are told apart; closer ones (or a repeated root)
    count as a cluster.
    """
    count = 0
    stack = [(coefficients, 0)]
    while stack:
        p, depth = stack.pop()
        while p and p[0] == 0:  # a root at this interval's left end (found by its parent)
            p = p[1:]
        if len(p) <= 1:
            continue
        v = _variations(_taylor_shift_one(p[::-1]))
        if v == 0:
            continue
        if v == 1:
            count += 1
            continue
        if depth >= _MAX_DEPTH:
            return -1
        n = len(p) - 1
        left = [c << (n - i) for i, c in enumerate(p)]  # 2^n p(x / 2)
        right = _taylor_shift_one(left)  # 2^n p((x + 1) / 2)
        if right[0] == 0:
            count += 1  # the midpoint itself is a root
        stack.append((left, depth + 1))
        stack.append((right, depth + 1))
    return count


#: Bisection depth of the exact root count: roots 2^-80 apart in x are still separated.
_MAX_DEPTH = 80


def count_rates(net: npt.ArrayLike) -> int:
    """How many distinct monthly rates i > -1 make the NPV of ``net`` exactly 0.

    The NPV is p(x) = sum_t net_t x^t with x = 1 / (1 + i) > 0. The count is exact
    (integer arithmetic, Descartes' rule on bisected intervals): roots in (0, 1)
    are rates above 0, roots in (1, inf) (the reversed polynomial on (0, 1)) rates
    between -100 % and 0, and x = 1 (rate 0) is a root when the flows sum to 0.
    A repeated root, or roots closer than 2^-80, count as 2 (not one unique rate).

    >>> count_rates([-100.0, 230.0, -132.0]), count_rates([-100.0, 110.0])
    (2, 1)
    """
    values = np.asarray(net, dtype=np.float64)
    nonzero = np.flatnonzero(values)
    if nonzero.size == 0:
        return 0
    flows = values[nonzero[0] : nonzero[-1] + 1]
    signs = flows[flows != 0] > 0
    changes = int(np.count_nonzero(signs[1:] != signs[:-1]))
    if changes <= 1:
        return changes  # Descartes: exact for 0 or 1 sign change
    return _count_rates_of(flows)


def _count_rates_of(flows: FloatArray) -> int:
    """:func:`count_rates` of flows whose first and last are not 0, with several sign
    changes."""
    # fsum is correctly rounded, and a sum of floats that is not 0 is at least the
    # smallest subnormal: so this is the exact test of a root at rate 0.
    total = 1 if math.fsum(flows) == 0.0 else 0
    p: list[int] | None = None
    # No sign change, or one, after the first shift decides at once; a float bound
    # certifies that (the exact shift of integers costs ~0.1 ms at 60 months).
    quicks = _certified_variations_of(np.stack((flows, flows[::-1])))
    for reverse, quick in zip((False, True), quicks, strict=True):
        if quick is not None and quick <= 1:
            total += quick
            continue
        p = _integer_coefficients(flows) if p is None else p
        found = _roots_in_unit_interval(p[::-1] if reverse else p)
        if found < 0:
            return 2
        total += found
    return total


def irr(net: npt.ArrayLike) -> tuple[float | None, IrrNote | None]:
    """Annualised IRR of monthly flows, or None with a note when there is no unique root.

    The NPV is a polynomial in x = 1/(1+i); a rate above -100 % is a root x > 0.
    numpy-financial's ``irr`` returns the root nearest zero even when there are
    several (and a grid of rates misses close roots), so the roots are counted:

    1. no sign change in the flows: no root (``"none"``);
    2. one sign change: exactly one root (Descartes' rule of signs), found by
       brentq on monthly rates from -99 % to +1,000 %;
    3. several: the roots are counted exactly (:func:`count_rates`, integer
       arithmetic); several give ``"multiple"``, none ``"none"``, and a single one
       is found on a grid of rates and refined by brentq;
    4. a single root outside that bracket: every real positive root of the
       polynomial (``numpy.roots``, polished by Newton steps) is used instead.

    >>> value, note = irr([-100.0] + [10.0] * 12)
    >>> round(value, 6), note
    (0.412999, None)
    >>> irr([100.0, 10.0])
    (None, 'none')
    """
    values = np.asarray(net, dtype=np.float64)
    nonzero = np.flatnonzero(values)
    changes = _sign_changes(values)
    if nonzero.size == 0 or changes == 0:
        return None, "none"
    if changes == 1:
        # Descartes' rule of signs: exactly one positive root, so bracket and solve.
        monthly = _single_root(values)
        if monthly is not None:
            return float((1.0 + monthly) ** 12 - 1.0), None
    else:
        exact = _count_rates_of(values[nonzero[0] : nonzero[-1] + 1])
        if exact == 0:
            return None, "none"
        if exact > 1:
            return None, "multiple"
        rates = _roots_on_grid(values)
        if len(rates) == 1:
            return float((1.0 + rates[0]) ** 12 - 1.0), None
    # Nothing in the bracket: count every root of the polynomial (slower, complete).
    coefficients = values[nonzero[0] : nonzero[-1] + 1]  # drop x^0 factors and zero tail
    scale = np.abs(coefficients).max()
    with np.errstate(all="ignore"):  # tiny coefficients may put a root at infinity
        try:
            roots = np.roots((coefficients / scale)[::-1])
        except np.linalg.LinAlgError:
            # Coefficients spanning more than float range: the only roots are at
            # rates indistinguishable from -100 %, which no IRR can express.
            return None, "none"
        roots = roots[np.isfinite(roots)]
        tolerance = 1e-7 * np.maximum(1.0, np.abs(roots))
        candidates = roots[(np.abs(roots.imag) <= tolerance) & (roots.real > 0.0)].real
    found: list[float] = []
    for x in sorted(_polish(coefficients / scale, float(c)) for c in candidates):
        if not found or abs(x - found[-1]) > 1e-9 * max(abs(x), 1.0):
            found.append(x)
    if not found:
        return None, "none"
    if len(found) > 1:
        return None, "multiple"
    return float(found[0] ** -12.0 - 1.0), None


def xnpv(annual_rate: float, values: npt.ArrayLike, years: npt.ArrayLike) -> float:
    """NPV of flows ``years`` (act/365 years from the first flow) apart: Excel's XNPV.

    >>> round(xnpv(0.1, [-100.0, 121.0], [0.0, 2.0]), 9) + 0.0
    0.0
    """
    v, y = np.asarray(values, dtype=np.float64), np.asarray(years, dtype=np.float64)
    return float(v @ (1.0 + annual_rate) ** -y)


def xirr(values: npt.ArrayLike, years: npt.ArrayLike) -> tuple[float | None, IrrNote | None]:
    """The annual rate r where :func:`xnpv` is 0 (Excel's XIRR), or None with a note.

    The NPV is a sum of exponentials in ln(1 + r); by Laguerre's extension of Descartes'
    rule it has at most as many roots as the flows (in date order) change sign. None
    (``"none"``) without a sign change; one change: the root, by brentq. Several: every
    crossing on a grid of rates (-99 % to +1,000 % a month, as for the IRR) refined by
    brentq; more than one is ``"multiple"``. Unlike the monthly IRR's integer root count,
    two roots closer than the grid's step could be seen as none there.

    >>> rate, note = xirr([-100.0, 110.0], [0.0, 1.0])
    >>> round(rate, 12), note
    (0.1, None)
    """
    v = np.asarray(values, dtype=np.float64)
    periods = 12.0 * np.asarray(years, dtype=np.float64)  # in twelfths of a 365-day year
    changes = _sign_changes(v)
    if changes == 0:
        return None, "none"
    roots: list[float] = []
    if changes == 1:
        root = _single_root(v, periods)
        roots = [] if root is None else [root]
    else:
        rates, _factors = _rate_grid(2)
        npv_at = _npv_function(v, periods)
        with np.errstate(all="ignore"):
            npvs = ((1.0 + rates)[:, None] ** -periods[None, :]) @ v
        roots = [float(r) for r in rates[npvs == 0.0]]
        for j in np.flatnonzero(npvs[:-1] * npvs[1:] < 0.0):
            roots.append(float(brentq(npv_at, rates[j], rates[j + 1], xtol=1e-15, rtol=1e-15)))
    if not roots:
        return None, "none"
    if len(roots) > 1:
        return None, "multiple"
    return float((1.0 + roots[0]) ** 12 - 1.0), None


def irr_on(net: npt.ArrayLike, tl: Timeline) -> tuple[float | None, IrrNote | None]:
    """The annual IRR under the timeline's discounting: the rate whose discount factors
    (:func:`~cxroi.engine.timeline.discount_factors`) make the NPV 0.

    - ``end_of_month``: :func:`irr`;
    - ``mid_month``: with y = (1 + i)^−½ the NPV is net_0 + Σ net_t y^(2t − 1), a
      polynomial in y: :func:`irr` on the half-month series (exact root count), and the
      annual rate is (1 + half-month annual)^2 − 1;
    - ``actual_365``: :func:`xirr` on the flow dates (Excel's XIRR).

    >>> tl = Timeline.of(1, 0.1, "mid_month")
    >>> rate, _ = irr_on([-100.0, 101.0], tl)  # 1 % in half a month
    >>> round(rate, 9) == round(1.01 ** 24 - 1, 9)
    True
    """
    values = np.asarray(net, dtype=np.float64)
    if tl.discounting == "mid_month":
        half = np.zeros(max(2 * values.size - 2, 1))
        half[0] = values[0]
        half[1::2] = values[1:]
        rate, note = irr(half)
        return (None, note) if rate is None else (float((1.0 + rate) ** 2 - 1.0), None)
    if tl.discounting == "actual_365":
        return xirr(values, year_fractions(flow_dates(tl.start_month, tl.horizon)))
    return irr(values)
