"""Drivers read against their assumptions: each reported driver's money effect, priced
by its line's own formula, and the drivers drifting outside their assumed range."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cxroi.formatting import short_money, with_unit

from ..casefile import BenefitLine, CaseFile, CostLine
from ..drivers import cost_series, resolver
from ..kinds import COST_PARAMETERS, KINDS, Parameter, Ramp
from ..timeline import FloatArray, Timeline
from .base import LineActual, case_lines, last_month, month_label


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
        last = last_month(actuals)
    tl = Timeline.for_case(case)
    out: list[DriverVariance] = []
    for line in case_lines(case):
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
    for line in case_lines(case):
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
