"""Price a case: sum its lines into monthly flows and compute the metrics.

:func:`price` works on a batch of N sets of assumption values at once (rows),
which is what scenarios, the tornado, break-even and Monte Carlo all reuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .casefile import BenefitLine, CaseFile, CostLine
from .drivers import Resolve, cost_series, resolver
from .kinds import KINDS, Ramp
from .metrics import irr_on, mirr, npv, payback_of
from .result import CashFlow, LineSeries, Metrics
from .timeline import FloatArray, Timeline, Value

Side = Literal["cost", "benefit"]


@dataclass(frozen=True, slots=True)
class Priced:
    """Total flows of a batch, shape (N, H+1), with and without risk adjustment."""

    costs: FloatArray
    benefits: FloatArray
    costs_unadjusted: FloatArray
    benefits_unadjusted: FloatArray
    lines: tuple[LineSeries, ...] = ()


def values_for(case: CaseFile, overrides: Mapping[str, Value] | None = None) -> dict[str, Value]:
    """The assumption values of a case, with some replaced (numbers or trial columns)."""
    values: dict[str, Value] = dict(case.assumption_values)
    values.update(overrides or {})
    return values


def price(
    case: CaseFile,
    tl: Timeline,
    values: Mapping[str, Value],
    rows: int = 1,
    detail: bool = False,
) -> Priced:
    """Monthly cost and benefit totals for ``rows`` sets of values.

    A value in ``values`` is a number, or a column (rows, 1) of trial values.
    With ``detail`` (rows must be 1) each line's series is kept too.
    """
    resolve = resolver(values)
    shape = (rows, tl.horizon + 1)
    adjusted = {"cost": np.zeros(shape), "benefit": np.zeros(shape)}
    unadjusted = {"cost": np.zeros(shape), "benefit": np.zeros(shape)}
    lines: list[LineSeries] = []
    # A cost's risk uplifts it (1 + risk); a benefit's risk discounts it (1 - risk).
    priced_lines: list[tuple[Side, CostLine | BenefitLine, str, FloatArray, float]] = [
        ("cost", c, c.recurrence, cost_series(c, tl, resolve), 1.0) for c in case.costs
    ]
    priced_lines += [
        ("benefit", b, b.kind, benefit_series(b, tl, resolve), -1.0) for b in case.benefits
    ]
    for side, line, kind, raw, direction in priced_lines:
        factor = 1.0 + direction * resolve(line.risk)  # a number, or a column of rows
        line_adjusted = raw * factor
        unadjusted[side] += raw
        adjusted[side] += line_adjusted
        if detail:
            lines.append(LineSeries(side, line.name, kind, float(factor), raw[0], line_adjusted[0]))
    return Priced(
        adjusted["cost"],
        adjusted["benefit"],
        unadjusted["cost"],
        unadjusted["benefit"],
        tuple(lines),
    )


def benefit_series(line: BenefitLine, tl: Timeline, resolve: Resolve) -> FloatArray:
    """The line's monthly benefit before risk, by its kind's definition (0 in month 0)."""
    values = {name: resolve(param) for name, param in line.params.items()}
    ramp = Ramp(line.ramp_start, line.ramp_months)
    series = KINDS[line.kind].series(values, tl, ramp, line.choices)
    return np.atleast_2d(series)


def npv_rows(costs: FloatArray, benefits: FloatArray, tl: Timeline) -> FloatArray:
    """NPV of each row of flows."""
    return np.asarray((benefits - costs) @ tl.discount_factor, dtype=np.float64)


def _optional(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def mirr_monthly_rates(case: CaseFile, discount_rate: float | None = None) -> tuple[float, float]:
    """MIRR's monthly (finance, reinvestment) rates, compounded from the case's annual ones
    (each the discount rate when not stated: ``discount_rate`` when given, as a scenario
    that sets the rate's assumption gives it)."""
    finance, reinvest = case.mirr_rates
    if discount_rate is not None:
        finance = discount_rate if case.mirr_finance_rate is None else finance
        reinvest = discount_rate if case.mirr_reinvestment_rate is None else reinvest
    return (1.0 + finance) ** (1.0 / 12.0) - 1.0, (1.0 + reinvest) ** (1.0 / 12.0) - 1.0


def metrics_of(
    costs: FloatArray,
    benefits: FloatArray,
    tl: Timeline,
    mirr_rates: tuple[float, float] | None = None,
) -> Metrics:
    """Every headline metric of one series of monthly costs and benefits.

    ``mirr_rates`` are MIRR's monthly finance and reinvestment rates (default: the
    discount rate for both).
    """
    net = benefits - costs
    finance, reinvest = mirr_rates or (tl.monthly_rate, tl.monthly_rate)
    pv_costs = float(costs @ tl.discount_factor)
    pv_benefits = float(benefits @ tl.discount_factor)
    rate, note = irr_on(net, tl)
    paybacks = (payback_of(np.cumsum(net)), payback_of(np.cumsum(net * tl.discount_factor)))
    return Metrics(
        npv=float(net @ tl.discount_factor) if tl.dated else npv(tl.monthly_rate, net),
        irr=rate,
        irr_note=note,
        roi=(pv_benefits - pv_costs) / pv_costs if pv_costs != 0 else None,
        bcr=pv_benefits / pv_costs if pv_costs != 0 else None,
        payback_months=_optional(paybacks[0]),
        discounted_payback_months=_optional(paybacks[1]),
        total_costs=float(costs.sum()),
        total_benefits=float(benefits.sum()),
        pv_costs=pv_costs,
        pv_benefits=pv_benefits,
        mirr=mirr(net, finance, reinvest),
    )


def cashflow_of(costs: FloatArray, benefits: FloatArray, tl: Timeline) -> CashFlow:
    net = benefits - costs
    discounted = net * tl.discount_factor
    return CashFlow(
        costs=costs,
        benefits=benefits,
        net=net,
        cumulative=np.cumsum(net),
        discount_factor=tl.discount_factor,
        discounted=discounted,
        cumulative_discounted=np.cumsum(discounted),
    )


def evaluate_metrics(case: CaseFile, overrides: Mapping[str, float] | None = None) -> Metrics:
    """Risk-adjusted metrics of the case, with optional assumption overrides (one of the
    assumption that sets the discount rate moves the rate)."""
    rate = (overrides or {}).get(case.discount_rate_key or "")
    tl = Timeline.for_case(case, rate)
    priced = price(case, tl, values_for(case, overrides))
    return metrics_of(priced.costs[0], priced.benefits[0], tl, mirr_monthly_rates(case, rate))
