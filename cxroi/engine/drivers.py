"""Monthly series of each cost and benefit line, before risk adjustment.

Every function returns an array that broadcasts to ``(N, H+1)``: ``(1, H+1)``
when no parameter varies by trial. Nothing loops over months: the churn cohort
uses its closed form with cumulative products.
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


def cost_series(line: CostLine, tl: Timeline, resolve: Resolve) -> FloatArray:
    """amount x e_t in the months the line charges."""
    if line.recurrence == "once":
        first, last, every = line.month, line.month, 1
    else:
        first = line.start_month
        last = line.end_month if line.end_month is not None else tl.horizon
        every = 12 if line.recurrence == "annual" else 1
    escalation = resolve(line.escalation)
    if np.ndim(escalation) == 0:
        factor = tl.profile(first, last, every, float(escalation))
    else:
        factor = tl.mask(first, last, every) * tl.step_up(escalation)
    return np.atleast_2d(resolve(line.amount) * factor)


def cohort(start: Value, retention: FloatArray, adds: Value) -> FloatArray:
    """A_t = A_{t-1} x r_t + adds_t, A_0 = start, for a retention matrix (rows, H+1).

    ``adds`` is a number, a column (rows, 1) or a full matrix of monthly additions
    (its month-0 column is not used). Closed form: with P_t = prod_{s<=t} r_s (r_0 := 1),
    A_t = P_t (A_0 + sum_{s=1..t} adds_s / P_s).
    """
    retention = retention.copy()
    retention[:, 0] = 1.0
    survival = np.cumprod(retention, axis=1)
    monthly = np.ndim(adds) == 2 and np.shape(adds)[1] == retention.shape[1] > 1
    if survival.min() > 1e-200:
        inverse = 1.0 / survival
        inverse[:, 0] = 0.0
        added = np.cumsum(adds * inverse, axis=1) if monthly else adds * np.cumsum(inverse, axis=1)
        return np.asarray(survival * (start + added), dtype=np.float64)
    # A retention at (or near) zero: the closed form would divide by zero. Step the
    # recurrence instead, still vectorised across trials.
    out = np.empty_like(retention)
    out[:, 0] = start if np.ndim(start) == 0 else np.ravel(start)
    for t in range(1, retention.shape[1]):
        add_t = np.asarray(adds)[:, t] if monthly else np.ravel(adds)
        out[:, t] = out[:, t - 1] * retention[:, t] + add_t
    return out


def churn_customers_kept(
    tl: Timeline,
    customers: Value,
    annual_churn: Value,
    reduction: Value,
    gross_adds: Value,
    ramp: FloatArray,
) -> FloatArray:
    """A^cx_t - A^base_t: customers kept by the initiative in each month."""
    monthly_churn = 1.0 - (1.0 - np.asarray(annual_churn, dtype=np.float64)) ** (1.0 / 12.0)
    shape = np.broadcast_shapes(
        np.shape(monthly_churn),
        np.shape(reduction),
        np.shape(customers),
        np.shape(gross_adds),
        (1, tl.horizon + 1),
    )
    base = np.broadcast_to(1.0 - monthly_churn, shape)
    with_cx = np.broadcast_to(1.0 - monthly_churn * (1.0 - ramp * reduction), shape)
    rows = shape[0]
    start = np.broadcast_to(customers, (rows, 1)) if np.ndim(customers) else customers
    adds = np.broadcast_to(gross_adds, (rows, 1)) if np.ndim(gross_adds) else gross_adds
    return cohort(start, with_cx, adds) - cohort(start, base, adds)
