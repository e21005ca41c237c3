"""Corporate tax (``tax_rate``, ``tax_lag_months``; each cost line's ``treatment``).

Per month t, on the risk-adjusted flows:

- an opex cost is deducted in the month it is paid;
- a capex payment X in month s is depreciated straight-line over the line's
  ``life_months`` L: X / L in each of months s + 1 ... s + L (depreciation after
  the horizon is not counted);
- taxable profit P_t = benefits_t − opex_t − depreciation_t, tax due T_t = rate × P_t
  (a loss gives a tax credit: the company's other profits absorb it);
- tax is paid ``tax_lag_months`` later; tax due to be paid after the horizon is not
  counted, like every flow after it.

The after-tax flow is the net flow minus the tax paid; its metrics are computed as the
pre-tax ones are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .casefile import CaseFile
from .result import LineSeries
from .timeline import FloatArray


@dataclass(frozen=True, slots=True)
class TaxFlows:
    """Monthly series (months 0..H) of the tax calculation."""

    depreciation: FloatArray
    opex: FloatArray
    taxable: FloatArray
    tax_due: FloatArray
    tax_paid: FloatArray


def depreciation(capex: FloatArray, life: int) -> FloatArray:
    """X / L in each of the L months after each payment X, cut at the horizon.

    >>> depreciation(np.array([120.0, 0, 0, 0, 0]), 3).tolist()
    [0.0, 40.0, 40.0, 40.0, 0.0]
    """
    months = capex.shape[-1]
    spread = np.convolve(capex, np.full(life, 1.0 / life))[: months - 1]
    return np.asarray(np.concatenate(([0.0], spread)), dtype=np.float64)


def lagged(series: FloatArray, lag: int) -> FloatArray:
    """The series ``lag`` months later (0 before; what falls past the horizon is gone)."""
    if lag == 0:
        return series.copy()
    out = np.zeros_like(series)
    out[lag:] = series[: max(series.size - lag, 0)]
    return out


def tax_flows(case: CaseFile, lines: Sequence[LineSeries], benefits: FloatArray) -> TaxFlows:
    """The tax of a priced case (``lines`` in the order costs then benefits)."""
    rate = case.tax_rate or 0.0
    months = benefits.shape[-1]
    dep, opex = np.zeros(months), np.zeros(months)
    for cost, series in zip(case.costs, lines[: len(case.costs)], strict=True):
        if cost.treatment == "capex" and cost.life_months:
            dep += depreciation(series.adjusted, cost.life_months)
        else:
            opex += series.adjusted
    taxable = benefits - opex - dep
    due = rate * taxable
    return TaxFlows(dep, opex, taxable, due, lagged(due, case.tax_lag_months))
