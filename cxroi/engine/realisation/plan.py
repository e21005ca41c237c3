"""The approved plan against monthly actuals: per line and net, to date, the re-forecast
and the status (the conventions are the package's, :mod:`cxroi.engine.realisation`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from ..casefile import CaseFile, CostLine
from ..metrics import payback
from ..timeline import FloatArray, Timeline
from .base import LineActual, case_lines, last_month, month_label
from .drivers import Drift, DriverVariance, drifting_drivers, driver_variances

Colour = Literal["green", "amber", "red"]


@dataclass(frozen=True)
class RagRule:
    """``colour`` when benefit is below ``below_share`` of plan, ``months_running`` running."""

    colour: str  # "amber" | "red"
    below_share: float
    months_running: int

    def describe(self) -> str:
        return (
            f"{self.colour}: realised benefit below {self.below_share:.0%} of plan "
            f"for {self.months_running} months running"
        )


DEFAULT_RAG_RULES: tuple[RagRule, ...] = (
    RagRule("red", 0.6, 3),
    RagRule("amber", 0.8, 2),
)


@dataclass(frozen=True)
class LineVariance:
    line_id: str
    name: str
    side: str  # "cost" | "benefit"
    plan: list[float]
    actual: list[float | None]
    variance: list[float | None]  # actual − plan where reported
    plan_to_date: float
    actual_to_date: float  # as counted in the net (see the module's conventions)
    variance_to_date: float


@dataclass(frozen=True)
class Realisation:
    title: str
    currency: str
    months: list[str]
    per_line: dict[str, LineVariance]
    plan_net: list[float]
    actual_net: list[float]
    variance: list[float]
    cumulative_plan: list[float]
    cumulative_actual: list[float]
    plan_benefit: list[float]
    actual_benefit: list[float]
    realised_npv_to_date: float
    planned_npv_to_date: float
    forecast_net: list[float]
    forecast_npv: float
    forecast_payback_months: float | None
    approved_npv: float
    approved_payback_months: float | None
    status: Colour
    status_reason: str
    driver_variances: list[DriverVariance]
    drifts: list[Drift]


def plan_lines(case: CaseFile, plan: Mapping[str, Any]) -> dict[str, FloatArray]:
    """Line id -> the approved monthly values (risk-adjusted), months 0..H."""
    stored = plan["lines"]
    lines = case_lines(case)
    if len(stored) != len(lines):
        raise ValueError(
            f"the plan has {len(stored)} lines but the case has {len(lines)}: "
            "they must be the same approved version"
        )
    return {
        line.id: np.asarray(doc["values"], dtype=np.float64)
        for line, doc in zip(lines, stored, strict=True)
    }


def _check(case: CaseFile, actuals: Mapping[str, Mapping[int, LineActual]]) -> None:
    ids = {line.id for line in case_lines(case)}
    for line_id, months in actuals.items():
        if line_id not in ids:
            raise ValueError(f"unknown line id {line_id!r}")
        for t in months:
            if not 0 <= t <= case.horizon_months:
                raise ValueError(
                    f"line {line_id!r}: month {t} is outside the case (0 to {case.horizon_months})"
                )


def _floats(values: FloatArray) -> list[float]:
    return [float(v) for v in values]


def _optional(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# -- realise ------------------------------------------------------------------------------


def realise(
    case: CaseFile,
    plan: Mapping[str, Any],
    actuals: Mapping[str, Mapping[int, LineActual]],
    *,
    rules: Sequence[RagRule] = DEFAULT_RAG_RULES,
    forecast: Mapping[str, Mapping[int, float]] | None = None,
) -> Realisation:
    """The case's plan against its actuals, its re-forecast and its status."""
    _check(case, actuals)
    tl = Timeline.for_case(case)
    width = case.horizon_months + 1
    planned = plan_lines(case, plan)
    last = last_month(actuals)
    n = last + 1
    per_line: dict[str, LineVariance] = {}
    plan_cost, plan_benefit = np.zeros(width), np.zeros(width)
    actual_cost, actual_benefit = np.zeros(n), np.zeros(n)
    for line in case_lines(case):
        side = "cost" if isinstance(line, CostLine) else "benefit"
        p = planned[line.id]
        reported = np.full(n, np.nan)
        for t, a in actuals.get(line.id, {}).items():
            value = a.cost if side == "cost" else a.benefit
            if value is not None and t < n:
                reported[t] = value
        missing = np.isnan(reported)
        counted = np.where(missing, p[:n] if side == "cost" else 0.0, reported)
        if side == "cost":
            plan_cost += p
            actual_cost += counted
        else:
            plan_benefit += p
            actual_benefit += counted
        per_line[line.id] = LineVariance(
            line_id=line.id,
            name=line.name,
            side=side,
            plan=_floats(p[:n]),
            actual=[None if m else float(v) for m, v in zip(missing, reported, strict=True)],
            variance=[
                None if m else float(v - q)
                for m, v, q in zip(missing, reported, p[:n], strict=True)
            ],
            plan_to_date=float(p[:n].sum()),
            actual_to_date=float(counted.sum()),
            variance_to_date=float(counted.sum() - p[:n].sum()),
        )
    plan_net_all = plan_benefit - plan_cost
    actual_net = actual_benefit - actual_cost
    df = tl.discount_factor
    future = _future_net(case, planned, forecast, n, width)
    forecast_net = np.concatenate((actual_net, future[n:]))
    forecast_payback = payback(np.cumsum(forecast_net)[None, :])[0]
    metrics = plan["metrics"]
    status, reason = rag_status(_floats(plan_benefit[:n]), _floats(actual_benefit), rules)
    months = [month_label(case.start_month, t) for t in range(n)]
    if n:
        reason = f"{reason} (to {months[-1]})"
    return Realisation(
        title=case.title,
        currency=case.currency,
        months=months,
        per_line=per_line,
        plan_net=_floats(plan_net_all[:n]),
        actual_net=_floats(actual_net),
        variance=_floats(actual_net - plan_net_all[:n]),
        cumulative_plan=_floats(np.cumsum(plan_net_all[:n])),
        cumulative_actual=_floats(np.cumsum(actual_net)),
        plan_benefit=_floats(plan_benefit[:n]),
        actual_benefit=_floats(actual_benefit),
        realised_npv_to_date=float(actual_net @ df[:n]),
        planned_npv_to_date=float(plan_net_all[:n] @ df[:n]),
        forecast_net=_floats(forecast_net),
        forecast_npv=float(forecast_net @ df),
        forecast_payback_months=_optional(float(forecast_payback)),
        approved_npv=float(metrics["npv"]),
        approved_payback_months=metrics.get("payback_months"),
        status=status,
        status_reason=reason,
        driver_variances=driver_variances(case, actuals, last),
        drifts=drifting_drivers(case, actuals),
    )


def _future_net(
    case: CaseFile,
    planned: Mapping[str, FloatArray],
    forecast: Mapping[str, Mapping[int, float]] | None,
    n: int,
    width: int,
) -> FloatArray:
    """Net flow per month by the plan, with finance's forecast in place where given."""
    net = np.zeros(width)
    forecast = forecast or {}
    ids = {line.id for line in case_lines(case)}
    unknown = sorted(set(forecast) - ids)
    if unknown:
        raise ValueError(f"forecast: unknown line id {unknown[0]!r}")
    for line in case_lines(case):
        values = np.array(planned[line.id], dtype=np.float64)
        for t, v in forecast.get(line.id, {}).items():
            if not 0 <= t < width:
                raise ValueError(f"forecast: line {line.id!r} month {t} is outside the case")
            if t >= n:
                values[t] = float(v)
        net += -values if isinstance(line, CostLine) else values
    return net


def rag_status(
    plan_benefit: Sequence[float], actual_benefit: Sequence[float], rules: Sequence[RagRule]
) -> tuple[Colour, str]:
    """The colour of the first rule (red before amber) that fires, and why.

    >>> rag_status([100, 100, 100], [90, 70, 75], [RagRule("amber", 0.8, 2)])
    ('amber', 'realised benefit below 80% of plan for the last 2 months')
    >>> rag_status([100, 100], [90, 70], [RagRule("amber", 0.8, 2)])[0]
    'green'
    """
    if not plan_benefit:
        return "green", "no actuals reported yet"
    plan = np.asarray(plan_benefit, dtype=np.float64)
    actual = np.asarray(actual_benefit, dtype=np.float64)
    ordered = sorted(rules, key=lambda r: 0 if r.colour == "red" else 1)
    for rule in ordered:
        below = (plan > 0) & (actual < rule.below_share * plan)
        # Length of the run of "below" months ending with the latest month.
        run = len(below) - (int(np.flatnonzero(~below)[-1]) + 1 if (~below).any() else 0)
        if rule.months_running > 0 and run >= rule.months_running:
            colour: Colour = "red" if rule.colour == "red" else "amber"
            return colour, (
                f"realised benefit below {rule.below_share:.0%} of plan for the last {run} months"
            )
    share = actual.sum() / plan.sum() if plan.sum() > 0 else None
    if share is None:
        return "green", "no benefit planned to date"
    return "green", f"realised benefit {share:.0%} of plan to date"


# -- JSON ---------------------------------------------------------------------------------


def to_dict(r: Realisation) -> dict[str, Any]:
    """The JSON of ``cxroi realisation CASE_ID --json`` (no NaN)."""
    return {
        "title": r.title,
        "currency": r.currency,
        "months": list(r.months),
        "plan_net": list(r.plan_net),
        "actual_net": list(r.actual_net),
        "variance": list(r.variance),
        "cumulative_plan": list(r.cumulative_plan),
        "cumulative_actual": list(r.cumulative_actual),
        "realised_npv_to_date": r.realised_npv_to_date,
        "planned_npv_to_date": r.planned_npv_to_date,
        "forecast_npv": r.forecast_npv,
        "forecast_payback_months": r.forecast_payback_months,
        "approved_npv": r.approved_npv,
        "approved_payback_months": r.approved_payback_months,
        "status": r.status,
        "status_reason": r.status_reason,
        "lines": [asdict(v) for v in r.per_line.values()],
        "driver_variances": [asdict(d) for d in r.driver_variances],
        "drifts": [asdict(d) for d in r.drifts],
    }
