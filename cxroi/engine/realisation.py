"""Benefits realisation: an approved case's plan read against its monthly actuals.

Pure (no Flask, SQLAlchemy or models) and vectorised over months. The plan is the
approved version's stored result document (``result_to_dict`` form): its ``lines``
list holds every line's risk-adjusted monthly values, costs first then benefits, in
the order of the case's ``costs`` and ``benefits`` (that is how a line id is matched
to its planned flows).

Conventions (``docs/realisation.md`` repeats them):

- Month index t is the engine's case month: 0 is the up-front month (the calendar
  month before ``start_month``), 1 is ``start_month`` (:func:`month_label`, the calendar
  the actuals are entered by); the months *to date* run from 0 to the last month that
  has any actual (a cost, a benefit or a driver).
- A line month with no actual cost counts its planned cost (a cost is taken as
  incurred unless reported otherwise); a line month with no actual benefit counts
  nothing (a benefit is realised only when reported). Both err on the prudent side.
- The re-forecast is the actual net flow to date followed by the approved plan (or
  finance's adjusted forecast, per line and month) for the months left; its NPV and
  payback use the engine's own discounting and payback rules.
- Status: each :class:`RagRule` fires when the realised benefit has been below
  ``below_share`` of the planned benefit for the last ``months_running`` months to
  date (months with no planned benefit break a run). Red is checked before amber.
- A driver's variance prices the line with the kind's own formula twice over the
  months to date: with the assumed value, and with the actual value of each month
  (as if it had held all along); the difference, risk-adjusted, is its money effect.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from cxroi.formatting import short_money, with_unit

from .casefile import BenefitLine, CaseFile, CostLine
from .drivers import cost_series, resolver
from .kinds import COST_PARAMETERS, KINDS, Parameter, Ramp
from .metrics import payback
from .timeline import FloatArray, Timeline

Colour = Literal["green", "amber", "red"]


@dataclass(frozen=True)
class LineActual:
    """What happened on one line in one month (None: not reported)."""

    cost: float | None
    benefit: float | None
    drivers: Mapping[str, float]


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
class DriverVariance:
    line_id: str
    line_name: str
    driver: str  # the line's parameter name
    key: str | None  # the assumption it refers to, if any
    label: str
    unit: str
    assumed: float
    actual: float  # mean of the months reported
    months: int
    effect_to_date: float
    text: str


@dataclass(frozen=True)
class Drift:
    line_id: str
    line_name: str
    driver: str
    key: str | None
    label: str
    unit: str
    low: float
    high: float
    actual: float
    month: str
    text: str


@dataclass(frozen=True)
class LagCorrelation:
    lag: int  # months y lags behind x
    r: float | None
    n: int


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


# -- helpers ------------------------------------------------------------------------------


def month_label(start_month: str, index: int) -> str:
    """``YYYY-MM`` of case month ``index``: month 1 is ``start_month``, month 0 (up-front)
    the month before it. The one calendar of case months (actuals are entered by it).

    >>> month_label("2026-11", 0), month_label("2026-11", 1), month_label("2026-11", 3)
    ('2026-10', '2026-11', '2027-01')
    """
    year, month = (int(p) for p in start_month.split("-")[:2])
    total = year * 12 + (month - 1) + index - 1
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def month_index(start_month: str, label: str) -> int:
    """The inverse of :func:`month_label` (may be negative or past the horizon).

    >>> month_index("2026-11", "2026-10"), month_index("2026-11", "2027-01")
    (0, 3)
    """
    y0, m0 = (int(p) for p in start_month.split("-")[:2])
    y, m = (int(p) for p in label.split("-")[:2])
    return (y * 12 + m - 1) - (y0 * 12 + m0 - 1) + 1


def _lines(case: CaseFile) -> list[CostLine | BenefitLine]:
    return [*case.costs, *case.benefits]


def plan_lines(case: CaseFile, plan: Mapping[str, Any]) -> dict[str, FloatArray]:
    """Line id -> the approved monthly values (risk-adjusted), months 0..H."""
    stored = plan["lines"]
    lines = _lines(case)
    if len(stored) != len(lines):
        raise ValueError(
            f"the plan has {len(stored)} lines but the case has {len(lines)}: "
            "they must be the same approved version"
        )
    return {
        line.id: np.asarray(doc["values"], dtype=np.float64)
        for line, doc in zip(lines, stored, strict=True)
    }


def _last_month(actuals: Mapping[str, Mapping[int, LineActual]]) -> int:
    last = -1
    for months in actuals.values():
        for t, a in months.items():
            if a.cost is not None or a.benefit is not None or a.drivers:
                last = max(last, t)
    return last


def _check(case: CaseFile, actuals: Mapping[str, Mapping[int, LineActual]]) -> None:
    ids = {line.id for line in _lines(case)}
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
    last = _last_month(actuals)
    n = last + 1
    per_line: dict[str, LineVariance] = {}
    plan_cost, plan_benefit = np.zeros(width), np.zeros(width)
    actual_cost, actual_benefit = np.zeros(n), np.zeros(n)
    for line in _lines(case):
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
    ids = {line.id for line in _lines(case)}
    unknown = sorted(set(forecast) - ids)
    if unknown:
        raise ValueError(f"forecast: unknown line id {unknown[0]!r}")
    for line in _lines(case):
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


# -- drivers ------------------------------------------------------------------------------


def _driver_params(line: CostLine | BenefitLine) -> list[tuple[str, Parameter]]:
    if isinstance(line, CostLine):
        return [(p.name, p) for p in COST_PARAMETERS if p.name != "risk"]
    kind = KINDS[line.kind]
    return [(p.name, p) for p in kind.parameters if p.name in line.params]


def _driver_values(
    line: CostLine | BenefitLine,
    name: str,
    months: Mapping[int, LineActual],
    param: CostLine | BenefitLine | None = None,
) -> dict[int, float]:
    """Month -> the actual value of parameter ``name`` (keyed by name or assumption key)."""
    ref = line.params.get(name)
    out: dict[int, float] = {}
    for t, a in months.items():
        if name in a.drivers:
            out[t] = float(a.drivers[name])
        elif isinstance(ref, str) and ref in a.drivers:
            out[t] = float(a.drivers[ref])
    return out


def _price_line(
    line: CostLine | BenefitLine, tl: Timeline, values: Mapping[str, float | FloatArray]
) -> FloatArray:
    """The line's risk-adjusted series for parameter values (columns broadcast to rows)."""
    if isinstance(line, CostLine):
        fixed = CostLine(
            line.name,
            line.category,
            line.recurrence,
            "amount",
            month=line.month,
            start_month=line.start_month,
            end_month=line.end_month,
            escalation="escalation",
        )
        raw = cost_series(fixed, tl, resolver(values))
        return np.asarray(raw * (1.0 + values["risk"]), dtype=np.float64)
    kind = KINDS[line.kind]
    full = {**kind.defaults, **values}
    raw = np.atleast_2d(kind.series(full, tl, Ramp(line.ramp_start, line.ramp_months)))
    return np.asarray(raw * (1.0 - values["risk"]), dtype=np.float64)


def _assumed(case: CaseFile, line: CostLine | BenefitLine) -> dict[str, float]:
    resolve = resolver(case.assumption_values)
    values = {name: float(resolve(p)) for name, p in line.params.items()}
    values["risk"] = float(resolve(line.risk))
    return values


def _label(case: CaseFile, line: CostLine | BenefitLine, name: str, param: Parameter) -> str:
    ref = line.params.get(name)
    if isinstance(ref, str):
        try:
            return case.assumption(ref).label
        except KeyError:
            pass
    return param.label


def _show(value: float, unit: str, currency: str) -> str:
    """A driver's value as the app writes an assumption's (a parameter's ``count`` unit
    is a plain figure)."""
    return with_unit(value, "" if unit == "count" else unit, currency)


def driver_variances(
    case: CaseFile, actuals: Mapping[str, Mapping[int, LineActual]], last: int | None = None
) -> list[DriverVariance]:
    """Each reported driver's deviation from its assumption, valued by the line's formula.

    For the months to date t with an actual value v_t, the line is priced with v_t in
    place of the assumed value (one row per month, all at once) and the month-t flow of
    that row compared with the month-t flow at the assumed value. Costs count negative.
    """
    if last is None:
        last = _last_month(actuals)
    tl = Timeline.for_case(case)
    out: list[DriverVariance] = []
    for line in _lines(case):
        months = actuals.get(line.id, {})
        if not months:
            continue
        assumed = _assumed(case, line)
        sign = -1.0 if isinstance(line, CostLine) else 1.0
        base = _price_line(line, tl, assumed)[0]
        for name, param in _driver_params(line):
            got = {t: v for t, v in _driver_values(line, name, months).items() if t <= last}
            if not got:
                continue
            ts = np.array(sorted(got), dtype=np.intp)
            column = np.array([got[t] for t in ts], dtype=np.float64)[:, None]
            varied = _price_line(line, tl, {**assumed, name: column})
            rows = np.broadcast_to(varied, (len(ts), varied.shape[1]))
            effect = sign * float((rows[np.arange(len(ts)), ts] - base[ts]).sum())
            mean = float(column.mean())
            label = _label(case, line, name, param)
            ref = line.params.get(name)
            verb = (
                "rose to"
                if mean > assumed[name]
                else "fell to"
                if mean < assumed[name]
                else "held at"
            )
            text = (
                f"{label} {verb} {_show(mean, param.unit, case.currency)} against the "
                f"{_show(assumed[name], param.unit, case.currency)} assumed: "
                f"{short_money(effect, case.currency)} to date"
            )
            out.append(
                DriverVariance(
                    line_id=line.id,
                    line_name=line.name,
                    driver=name,
                    key=ref if isinstance(ref, str) else None,
                    label=label,
                    unit=param.unit,
                    assumed=assumed[name],
                    actual=mean,
                    months=len(ts),
                    effect_to_date=effect,
                    text=text,
                )
            )
    return out


def drifting_drivers(
    case: CaseFile, actuals: Mapping[str, Mapping[int, LineActual]]
) -> list[Drift]:
    """Drivers whose latest actual lies outside their assumption's low–high range."""
    out: list[Drift] = []
    for line in _lines(case):
        months = actuals.get(line.id, {})
        for name, param in _driver_params(line):
            ref = line.params.get(name)
            if not isinstance(ref, str):
                continue
            try:
                assumption = case.assumption(ref)
            except KeyError:
                continue
            if assumption.low is None or assumption.high is None:
                continue
            got = _driver_values(line, name, months)
            if not got:
                continue
            t = max(got)
            value = got[t]
            if assumption.low <= value <= assumption.high:
                continue
            side = "below" if value < assumption.low else "above"
            month = month_label(case.start_month, t)
            was, low, high = (
                _show(v, param.unit, case.currency)
                for v in (value, assumption.low, assumption.high)
            )
            out.append(
                Drift(
                    line_id=line.id,
                    line_name=line.name,
                    driver=name,
                    key=ref,
                    label=assumption.label,
                    unit=param.unit,
                    low=assumption.low,
                    high=assumption.high,
                    actual=value,
                    month=month,
                    text=(
                        f"{assumption.label} was {was} in {month}, "
                        f"{side} the assumed range {low} to {high} ({line.name})"
                    ),
                )
            )
    return out


# -- correlation --------------------------------------------------------------------------


def lagged_correlation(
    x: Sequence[float | None], y: Sequence[float | None], max_lag: int = 6
) -> list[LagCorrelation]:
    """Pearson r of x[t] against y[t + lag] for lag 0..max_lag, on complete pairs only.

    r is None when fewer than 3 pairs remain or either side does not vary.

    >>> [c.r for c in lagged_correlation([1, 2, 3, 4], [2, 4, 6, 8], 1)]
    [1.0, 1.0]
    """
    xs = np.array([np.nan if v is None else float(v) for v in x], dtype=np.float64)
    ys = np.array([np.nan if v is None else float(v) for v in y], dtype=np.float64)
    out: list[LagCorrelation] = []
    for lag in range(max_lag + 1):
        length = min(len(xs), len(ys) - lag)
        if length <= 0:
            out.append(LagCorrelation(lag, None, 0))
            continue
        a, b = xs[:length], ys[lag : lag + length]
        keep = np.isfinite(a) & np.isfinite(b)
        a, b = a[keep], b[keep]
        n = int(a.size)
        r: float | None = None
        if n >= 3:
            da, db = a - a.mean(), b - b.mean()
            denominator = math.sqrt(float(da @ da) * float(db @ db))
            if denominator > 0:
                r = round(float(da @ db) / denominator, 12)
        out.append(LagCorrelation(lag, r, n))
    return out


CAUTION = (
    "Correlation is not causation: both series may follow a third cause, "
    "and a few months of data can line up by chance."
)


def reading(
    corrs: Sequence[LagCorrelation], x_name: str = "the first series", y_name: str = "the second"
) -> str:
    """The strongest lag in plain words, with the caution that correlation is not causation."""
    known = [c for c in corrs if c.r is not None]
    if not known:
        return f"Too few months in common to read a link. {CAUTION}"
    best = max(known, key=lambda c: (abs(c.r or 0.0), -c.lag))
    r = best.r or 0.0
    size = abs(r)
    strength = "strong" if size >= 0.7 else "moderate" if size >= 0.4 else "weak"
    direction = "the same way" if r > 0 else "the opposite way"
    when = (
        "in the same month"
        if best.lag == 0
        else (f"{best.lag} month{'s' if best.lag != 1 else ''} later")
    )
    if strength == "weak":
        head = (
            f"No clear link: the strongest is weak (r = {r:.2f} at a lag of {best.lag}, "
            f"{best.n} months)."
        )
    else:
        head = (
            f"A {strength} link: when {x_name} moves, {y_name} tends to move {direction} "
            f"{when} (r = {r:.2f}, {best.n} months)."
        )
    return f"{head} {CAUTION}"


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
