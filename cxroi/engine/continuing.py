"""Continuing value: what the case is worth beyond its horizon (``continuing_value``).

- ``customer_runoff``: the customers a churn line keeps (or a referrals line wins) at
  month H leave at the baseline monthly churn c afterwards and keep paying until they
  run off. Month H's benefit after risk B_H then continues as B_H (1 − c)^k in month
  H + k, worth at month H: B_H × q / (1 − q) with q = (1 − c) / (1 + m).
- ``gordon_growth``: the final year's net flow Y (months H − 11..H) grows at g a year
  forever, paid at year ends: worth Y (1 + g) / (r − g) at month H (r the discount
  rate, g < r).

Either is discounted to month 0 with month H's factor and added to the NPV within the
horizon. The rules (:mod:`cxroi.engine.rules`) make sure both sums are finite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .casefile import BenefitLine, CaseFile
from .drivers import resolver
from .result import ContinuingValue, LineSeries
from .timeline import FloatArray, Timeline, Value

#: The kinds whose customers run off after the horizon.
RUNOFF_KINDS = ("churn", "referrals")


def runoff_multiple(annual_churn: Value, monthly_rate: float) -> Value:
    """q / (1 − q), q = (1 − c) / (1 + m): the value at H of 1 a month from H + 1 that
    decays at the monthly churn c = 1 − (1 − annual_churn)^(1/12).

    >>> round(float(runoff_multiple(1 - 0.5**12, 0.0)), 12)
    1.0
    """
    q = (1.0 - np.asarray(annual_churn, dtype=np.float64)) ** (1.0 / 12.0) / (1.0 + monthly_rate)
    return np.asarray(q / (1.0 - q), dtype=np.float64)


def gordon_multiple(rate: float, growth: float) -> float:
    """(1 + g) / (r − g): the value at H of a yearly flow of 1 that grows at g."""
    return (1.0 + growth) / (rate - growth)


def value_at_horizon(
    case: CaseFile,
    tl: Timeline,
    values: Mapping[str, Value],
    net: FloatArray,
    benefits: Sequence[tuple[BenefitLine, FloatArray]],
) -> float:
    """The continuing value at month H, from the net flow and each benefit's flow after risk."""
    if case.continuing_value == "gordon_growth":
        final_year = float(np.sum(net[tl.horizon - 11 : tl.horizon + 1]))
        return final_year * gordon_multiple(case.discount_rate, case.continuing_growth)
    if case.continuing_value == "customer_runoff":
        resolve = resolver(values)
        total = 0.0
        for line, series in benefits:
            if line.kind in RUNOFF_KINDS:
                churn = resolve(line.params["annual_churn"])
                total += float(series[tl.horizon] * runoff_multiple(churn, tl.monthly_rate))
        return total
    return 0.0


def continuing_value_of(
    case: CaseFile,
    tl: Timeline,
    values: Mapping[str, Value],
    lines: Sequence[LineSeries],
    npv: tuple[float, float],
) -> ContinuingValue | None:
    """The case's continuing value, risk-adjusted and without risk (None when it has
    none); ``npv`` is the NPV within the horizon, risk-adjusted and without risk."""
    if case.continuing_value == "none":
        return None
    benefits = [line for line in lines if line.side == "benefit"]
    at_horizon = []
    for adjusted in (True, False):

        def flow(line: LineSeries, adjusted: bool = adjusted) -> FloatArray:
            return line.adjusted if adjusted else line.unadjusted

        net = sum(
            (flow(line) if line.side == "benefit" else -flow(line) for line in lines),
            np.zeros(tl.horizon + 1),
        )
        at_horizon.append(
            value_at_horizon(
                case,
                tl,
                values,
                net,
                [(b, flow(s)) for b, s in zip(case.benefits, benefits, strict=True)],
            )
        )
    factor = float(tl.discount_factor[tl.horizon])
    pv, pv_unadjusted = at_horizon[0] * factor, at_horizon[1] * factor
    return ContinuingValue(
        method=case.continuing_value,
        headline=case.headline_npv,
        growth=case.continuing_growth if case.continuing_value == "gordon_growth" else None,
        value_at_horizon=at_horizon[0],
        pv=pv,
        npv_within_horizon=npv[0],
        npv_with_continuing_value=npv[0] + pv,
        pv_unadjusted=pv_unadjusted,
        npv_with_continuing_value_unadjusted=npv[1] + pv_unadjusted,
    )
