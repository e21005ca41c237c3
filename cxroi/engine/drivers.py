"""Monthly series of each cost and benefit line, before risk adjustment.

Every function returns an array that broadcasts to ``(N, H+1)``: ``(1, H+1)``
when no parameter varies by trial. The churn cohort uses its closed form with
cumulative products; for many trials those run month by month over whole rows of
trials (:data:`MONTHS_MAJOR_ROWS`), each step one vector operation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .casefile import CostLine, Param
from .timeline import FloatArray, Timeline, Value

Resolve = Callable[[Param], Value]


def resolver(values: Mapping[str, Value]) -> Resolve:
    """A function turning a parameter (number or assumption key) into its value."""

    def resolve(param: Param) -> Value:
        return values[param] if isinstance(param, str) else float(param)

    return resolve


#: A cost line's factor: its monthly amount is amount x its shape.
COST_FACTORS = ("amount",)


def cost_shape(line: CostLine, tl: Timeline, escalation: Value) -> FloatArray:
    """e_t in the months the line charges, 0 in the others."""
    if line.recurrence == "once":
        first, last, every = line.month, line.month, 1
    else:
        first = line.start_month
        last = line.end_month if line.end_month is not None else tl.horizon
        every = 12 if line.recurrence == "annual" else 1
    if np.ndim(escalation) == 0:
        return tl.profile(first, last, every, float(escalation))
    return tl.mask(first, last, every) * tl.step_up(escalation)


def cost_series(line: CostLine, tl: Timeline, resolve: Resolve) -> FloatArray:
    """amount x e_t in the months the line charges."""
    return np.atleast_2d(resolve(line.amount) * cost_shape(line, tl, resolve(line.escalation)))


#: From this many rows a cohort runs month by month over contiguous rows of trials,
#: which is several times faster than numpy's cumulative functions along short rows.
MONTHS_MAJOR_ROWS = 256


def _cumulative(ufunc: np.ufunc, months_major: FloatArray) -> FloatArray:
    """ufunc.accumulate along axis 0 of a C-ordered (months, rows) array, in place.

    The same operations in the same order as ``ufunc.accumulate(x, axis=1)`` on its
    transpose, so the values are identical bit for bit.
    """
    for t in range(1, months_major.shape[0]):
        ufunc(months_major[t - 1], months_major[t], out=months_major[t])
    return months_major


def _transposed(x: Value) -> Value:
    return np.transpose(x) if np.ndim(x) == 2 else x


def cohort(start: Value, retention: FloatArray, adds: Value) -> FloatArray:
    """A_t = A_{t-1} x r_t + adds_t, A_0 = start, for a retention matrix (rows, H+1).

    ``adds`` is a number, a column (rows, 1) or a full matrix of monthly additions
    (its month-0 column is not used). Closed form: with P_t = prod_{s<=t} r_s (r_0 := 1),
    A_t = P_t (A_0 + sum_{s=1..t} adds_s / P_s).
    """
    monthly = np.ndim(adds) == 2 and np.shape(adds)[1] == retention.shape[1] > 1
    if retention.shape[0] >= MONTHS_MAJOR_ROWS:
        months_major = np.array(retention.T, dtype=np.float64, order="C")
        fast = _cohort_months_major(_transposed(start), months_major, _transposed(adds), monthly)
        if fast is not None:
            return np.asarray(fast.T, dtype=np.float64)
    return _cohort_rows(start, np.array(retention, dtype=np.float64), adds, monthly)


def _cohort_rows(start: Value, retention: FloatArray, adds: Value, monthly: bool) -> FloatArray:
    """:func:`cohort` along rows of a C-ordered (rows, H+1) ``retention`` whose month 0
    it overwrites (``monthly``: ``adds`` is a full matrix of monthly additions)."""
    closed = _cohort_closed(start, retention, adds, monthly)
    return closed if closed is not None else _cohort_stepped(start, retention, adds, monthly)


def _cohort_closed(
    start: Value, retention: FloatArray, adds: Value, monthly: bool
) -> FloatArray | None:
    """:func:`_cohort_rows` by the closed form; None when a retention at (or near) zero
    would make it divide by zero."""
    retention[:, 0] = 1.0
    survival = np.cumprod(retention, axis=1)
    if not survival.min() > 1e-200:
        return None
    inverse = 1.0 / survival
    inverse[:, 0] = 0.0
    added = np.cumsum(adds * inverse, axis=1) if monthly else adds * np.cumsum(inverse, axis=1)
    return np.asarray(survival * (start + added), dtype=np.float64)


def _cohort_stepped(start: Value, retention: FloatArray, adds: Value, monthly: bool) -> FloatArray:
    """:func:`_cohort_rows` by the recurrence A_t = A_{t-1} r_t + adds_t."""
    # A retention at (or near) zero: the closed form would divide by zero. Step the
    # recurrence instead, still vectorised across trials, month by month over contiguous
    # rows of trials (the same two roundings per month as along each row).
    rows, months = retention.shape
    steps = np.array(retention.T, order="C")
    add = np.array(np.asarray(adds, dtype=np.float64).T, order="C") if monthly else np.ravel(adds)
    out = np.empty((months, rows))
    out[0] = start if np.ndim(start) == 0 else np.ravel(start)
    for t in range(1, months):
        np.multiply(out[t - 1], steps[t], out=out[t])
        np.add(out[t], add[t] if monthly else add, out=out[t])
    return np.array(out.T, order="C")


def _cohort_months_major(
    start: Value, retention: FloatArray, adds: Value, monthly: bool
) -> FloatArray | None:
    """:func:`cohort` on transposed operands: ``retention`` a C-ordered (months, rows)
    array (overwritten), ``start`` and ``adds`` numbers, rows (1, rows) or (months, rows).

    The closed form's operations, element for element, so the values are identical to
    :func:`cohort`'s; None when a retention near zero needs the step-by-step recurrence.
    """
    survival = retention
    survival[0] = 1.0
    _cumulative(np.multiply, survival)
    if not survival.min() > 1e-200:
        return None
    inverse = np.divide(1.0, survival)
    inverse[0] = 0.0
    if monthly:
        added = _cumulative(np.add, np.multiply(adds, inverse, out=inverse))
    else:
        added = np.multiply(adds, _cumulative(np.add, inverse), out=inverse)
    added += start
    added *= survival
    return added


def churn_customers_kept(
    tl: Timeline,
    customers: Value,
    annual_churn: Value,
    reduction: Value,
    gross_adds: Value,
    ramp: FloatArray,
    annual: bool = False,
) -> FloatArray:
    """A^cx_t - A^base_t: customers kept by the initiative in each month.

    ``reduction`` cuts the monthly hazard c = 1 - (1 - annual_churn)^(1/12): retention
    1 - c (1 - a_t reduction); with ``annual`` it cuts the annual churn rate instead:
    retention (1 - annual_churn (1 - a_t reduction))^(1/12).
    """
    if annual:
        return _kept_cutting_annual_churn(tl, customers, annual_churn, reduction, gross_adds, ramp)
    monthly_churn = 1.0 - (1.0 - np.asarray(annual_churn, dtype=np.float64)) ** (1.0 / 12.0)
    shape = np.broadcast_shapes(
        np.shape(monthly_churn),
        np.shape(reduction),
        np.shape(customers),
        np.shape(gross_adds),
        (1, tl.horizon + 1),
    )
    rows = shape[0]
    start = np.broadcast_to(customers, (rows, 1)) if np.ndim(customers) else customers
    adds = np.broadcast_to(gross_adds, (rows, 1)) if np.ndim(gross_adds) else gross_adds
    if rows >= MONTHS_MAJOR_ROWS:
        kept = _kept_months_major(monthly_churn, reduction, start, adds, ramp, shape)
        if kept is not None:
            return kept
    return _kept_in_one_array(
        start, monthly_churn * (1.0 - ramp * reduction), monthly_churn, adds, shape
    )


def _kept_in_one_array(
    start: Value, churn_cx: Value, churn_base: Value, adds: Value, shape: tuple[int, ...]
) -> FloatArray:
    """The cohort with the initiative (monthly churn ``churn_cx``) minus the one without
    (``churn_base``), both priced in one (2 x rows, months) array: half the numpy calls of
    two cohorts, each value computed by the very same operations. When either needs
    the recurrence each is priced on its own, as two cohorts always were."""
    rows = shape[0]
    retention = np.empty((2 * rows, shape[1]))
    retention[:rows] = 1.0 - churn_cx
    retention[rows:] = 1.0 - churn_base
    twice_start = start if np.ndim(start) == 0 else np.concatenate((start, start))
    twice_adds = adds if np.ndim(adds) == 0 else np.concatenate((adds, adds))
    both = _cohort_closed(twice_start, retention, twice_adds, False)
    if both is not None:
        return np.subtract(both[:rows], both[rows:])
    with_cx, base = retention[:rows], retention[rows:]
    return _cohort_rows(start, with_cx, adds, False) - _cohort_rows(start, base, adds, False)


def _kept_cutting_annual_churn(
    tl: Timeline,
    customers: Value,
    annual_churn: Value,
    reduction: Value,
    gross_adds: Value,
    ramp: FloatArray,
) -> FloatArray:
    """:func:`churn_customers_kept` when ``reduction`` cuts annual churn.

    Both cohorts use the same expression, so a month without effect (a_t = 0) keeps
    exactly no customer.
    """
    churn = np.asarray(annual_churn, dtype=np.float64)
    shape = np.broadcast_shapes(
        np.shape(churn),
        np.shape(reduction),
        np.shape(customers),
        np.shape(gross_adds),
        (1, tl.horizon + 1),
    )
    rows = shape[0]
    start = np.broadcast_to(customers, (rows, 1)) if np.ndim(customers) else customers
    adds = np.broadcast_to(gross_adds, (rows, 1)) if np.ndim(gross_adds) else gross_adds
    base = np.broadcast_to((1.0 - churn * 1.0) ** (1.0 / 12.0), shape)
    with_cx = np.broadcast_to((1.0 - churn * (1.0 - ramp * reduction)) ** (1.0 / 12.0), shape)
    return cohort(start, with_cx, adds) - cohort(start, base, adds)


def _kept_months_major(
    monthly_churn: Value,
    reduction: Value,
    start: Value,
    adds: Value,
    ramp: FloatArray,
    shape: tuple[int, ...],
) -> FloatArray | None:
    """:func:`churn_customers_kept` for many rows, built month-major from the start
    (every operation runs along whole rows of trials); the same values, element for
    element. None when a cohort needs the step-by-step recurrence."""
    rows, months = shape
    churn_t, start_t, adds_t = _transposed(monthly_churn), _transposed(start), _transposed(adds)
    with_cx = np.empty((months, rows))
    np.multiply(ramp.reshape(-1, 1), _transposed(reduction), out=with_cx)
    np.subtract(1.0, with_cx, out=with_cx)
    np.multiply(churn_t, with_cx, out=with_cx)
    np.subtract(1.0, with_cx, out=with_cx)
    base = np.empty((months, rows))
    base[...] = 1.0 - churn_t
    kept = _cohort_months_major(start_t, with_cx, adds_t, False)
    lost = _cohort_months_major(start_t, base, adds_t, False)
    if kept is None or lost is None:
        return None
    return np.asarray(np.subtract(kept, lost, out=kept).T, dtype=np.float64)
