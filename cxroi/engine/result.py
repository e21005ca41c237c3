"""What the engine returns: plain typed objects, and the JSON result document.

:func:`result_to_dict` writes the document; :func:`result_from_dict` reads one back,
so that a stored result (of a frozen version, or of a case at its last save) can be
shown and exported without pricing the case again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from .metrics import IrrNote
from .timeline import FloatArray

METRIC_KEYS = (
    "npv",
    "irr",
    "roi",
    "bcr",
    "payback_months",
    "discounted_payback_months",
    "total_costs",
    "total_benefits",
    "pv_costs",
    "pv_benefits",
)


@dataclass(frozen=True, slots=True)
class Metrics:
    """Headline figures of one set of flows (risk-adjusted or not)."""

    npv: float
    irr: float | None
    irr_note: IrrNote | None
    roi: float | None
    bcr: float | None
    payback_months: float | None
    discounted_payback_months: float | None
    total_costs: float
    total_benefits: float
    pv_costs: float
    pv_benefits: float
    #: Annualised MIRR (finance and reinvestment rates of the case); None when undefined.
    mirr: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in METRIC_KEYS}
        if self.irr_note is not None:
            out["irr_note"] = self.irr_note
        if self.mirr is not None:
            out["mirr"] = self.mirr
        return out


@dataclass(frozen=True, slots=True)
class CashFlow:
    """Monthly series, index 0..H (month 0 first)."""

    costs: FloatArray
    benefits: FloatArray
    net: FloatArray
    cumulative: FloatArray
    discount_factor: FloatArray
    discounted: FloatArray
    cumulative_discounted: FloatArray

    def to_dict(self) -> dict[str, list[float]]:
        return {f.name: _floats(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class LineSeries:
    """One cost or benefit line's monthly values, before and after its risk adjustment."""

    side: Literal["cost", "benefit"]
    name: str
    kind: str  # a cost's recurrence or a benefit's kind
    risk_factor: float
    unadjusted: FloatArray
    adjusted: FloatArray

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "name": self.name,
            "kind": self.kind,
            "risk_factor": self.risk_factor,
            "values": _floats(self.adjusted),
            "unadjusted": _floats(self.unadjusted),
        }


@dataclass(frozen=True, slots=True)
class AnnualRow:
    """Year 0 is month 0; year y covers months 12(y-1)+1 .. 12y."""

    year: int
    first_month: int
    last_month: int
    costs: float
    benefits: float
    net: float
    discounted: float
    cumulative: float
    cumulative_discounted: float


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    name: str
    overrides: dict[str, float]
    metrics: Metrics


@dataclass(frozen=True, slots=True)
class TornadoRow:
    key: str
    label: str
    low: float
    high: float
    npv_low: float
    npv_high: float

    @property
    def swing(self) -> float:
        return abs(self.npv_high - self.npv_low)


@dataclass(frozen=True, slots=True)
class BreakEven:
    """The value of one assumption at which NPV is 0, or why there is none in the bracket."""

    key: str
    label: str
    base: float
    value: float | None
    reason: str | None
    bracket: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class MonteCarlo:
    trials: int
    seed: int
    sampled: tuple[str, ...]
    mean: float
    std: float
    p10: float
    p50: float
    p90: float
    prob_npv_positive: float
    prob_payback_within_horizon: float
    histogram_edges: tuple[float, ...]
    histogram_counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ContinuingValue:
    """The value beyond the horizon (risk-adjusted), and both NPVs it gives."""

    method: str
    #: Which NPV the case leads with: "horizon" or "with_continuing_value".
    headline: str
    growth: float | None
    value_at_horizon: float
    pv: float
    npv_within_horizon: float
    npv_with_continuing_value: float
    #: The same without any risk adjustment.
    pv_unadjusted: float
    npv_with_continuing_value_unadjusted: float

    @property
    def headline_npv(self) -> float:
        if self.headline == "with_continuing_value":
            return self.npv_with_continuing_value
        return self.npv_within_horizon

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class AfterTax:
    """The after-tax figures (risk-adjusted): metrics of the net flow less tax paid."""

    rate: float
    lag_months: int
    metrics: Metrics
    tax_paid: FloatArray

    def to_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "lag_months": self.lag_months,
            "metrics": self.metrics.to_dict(),
            "tax_paid": _floats(self.tax_paid),
        }


@dataclass(frozen=True, slots=True)
class Result:
    """Everything the engine says about a case."""

    metrics: Metrics
    unadjusted: Metrics
    cashflow: CashFlow
    cashflow_unadjusted: CashFlow
    lines: tuple[LineSeries, ...]
    annual: tuple[AnnualRow, ...]
    scenarios: tuple[ScenarioResult, ...]
    tornado: tuple[TornadoRow, ...]
    break_even: tuple[BreakEven, ...]
    monte_carlo: MonteCarlo | None
    monthly_rate: float
    #: None when the case has no continuing value (``continuing_value`` "none").
    continuing_value: ContinuingValue | None = None
    #: None when the case states no tax rate.
    after_tax: AfterTax | None = None


def _floats(values: FloatArray) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64)]


def _clean(value: Any) -> Any:
    """JSON has no NaN: a non-finite float becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def monte_carlo_to_dict(mc: MonteCarlo) -> dict[str, Any]:
    """The ``monte_carlo`` part of the result document."""
    doc = {
        "trials": mc.trials,
        "seed": mc.seed,
        "sampled": list(mc.sampled),
        "mean": mc.mean,
        "std": mc.std,
        "p10": mc.p10,
        "p50": mc.p50,
        "p90": mc.p90,
        "prob_npv_positive": mc.prob_npv_positive,
        "prob_payback_within_horizon": mc.prob_payback_within_horizon,
        "histogram": {"edges": list(mc.histogram_edges), "counts": list(mc.histogram_counts)},
    }
    cleaned: dict[str, Any] = _clean(doc)
    return cleaned


def result_to_dict(result: Result) -> dict[str, Any]:
    """The result document of ``case-format.md`` (with the extra fields it allows)."""
    mc = result.monte_carlo
    doc = {
        "metrics": result.metrics.to_dict(),
        "unadjusted": result.unadjusted.to_dict(),
        "monthly_rate": result.monthly_rate,
        "cashflow": result.cashflow.to_dict(),
        "cashflow_unadjusted": result.cashflow_unadjusted.to_dict(),
        "lines": [line.to_dict() for line in result.lines],
        "annual": [{f.name: getattr(row, f.name) for f in fields(row)} for row in result.annual],
        "scenarios": [
            {"name": s.name, "overrides": s.overrides, "metrics": s.metrics.to_dict()}
            for s in result.scenarios
        ],
        "tornado": [
            {
                "key": t.key,
                "label": t.label,
                "low": t.low,
                "high": t.high,
                "npv_low": t.npv_low,
                "npv_high": t.npv_high,
                "swing": t.swing,
            }
            for t in result.tornado
        ],
        "break_even": [
            {
                "key": b.key,
                "label": b.label,
                "base": b.base,
                "value": b.value,
                "reason": b.reason,
                "bracket": list(b.bracket) if b.bracket else None,
            }
            for b in result.break_even
        ],
        "monte_carlo": None if mc is None else monte_carlo_to_dict(mc),
    }
    if result.continuing_value is not None:  # absent otherwise: older documents unchanged
        doc["continuing_value"] = result.continuing_value.to_dict()
    if result.after_tax is not None:  # absent otherwise: older documents unchanged
        doc["after_tax"] = result.after_tax.to_dict()
    cleaned: dict[str, Any] = _clean(doc)
    return cleaned


def _array(values: Any) -> FloatArray:
    """A stored series back as floats (null, a non-finite value, becomes NaN)."""
    return np.asarray(values, dtype=np.float64)


def _metrics_from(d: Mapping[str, Any]) -> Metrics:
    return Metrics(**{k: d[k] for k in METRIC_KEYS}, irr_note=d.get("irr_note"), mirr=d.get("mirr"))


def _cashflow_from(d: Mapping[str, Any]) -> CashFlow:
    return CashFlow(**{f.name: _array(d[f.name]) for f in fields(CashFlow)})


def result_from_dict(d: Mapping[str, Any]) -> Result:
    """The :class:`Result` of a result document: the inverse of :func:`result_to_dict`.

    ``result_to_dict(result_from_dict(doc)) == doc`` for every document
    :func:`result_to_dict` writes; series come back as float64 arrays, and a null
    stays None (NaN inside a series). A document missing a part raises ``KeyError``.
    """
    mc = d["monte_carlo"]
    return Result(
        metrics=_metrics_from(d["metrics"]),
        unadjusted=_metrics_from(d["unadjusted"]),
        cashflow=_cashflow_from(d["cashflow"]),
        cashflow_unadjusted=_cashflow_from(d["cashflow_unadjusted"]),
        lines=tuple(
            LineSeries(
                side=line["side"],
                name=line["name"],
                kind=line["kind"],
                risk_factor=line["risk_factor"],
                unadjusted=_array(line["unadjusted"]),
                adjusted=_array(line["values"]),
            )
            for line in d["lines"]
        ),
        annual=tuple(
            AnnualRow(**{f.name: row[f.name] for f in fields(AnnualRow)}) for row in d["annual"]
        ),
        scenarios=tuple(
            ScenarioResult(s["name"], dict(s["overrides"]), _metrics_from(s["metrics"]))
            for s in d["scenarios"]
        ),
        tornado=tuple(
            TornadoRow(t["key"], t["label"], t["low"], t["high"], t["npv_low"], t["npv_high"])
            for t in d["tornado"]
        ),
        break_even=tuple(
            BreakEven(
                key=b["key"],
                label=b["label"],
                base=b["base"],
                value=b["value"],
                reason=b["reason"],
                bracket=None if b["bracket"] is None else (b["bracket"][0], b["bracket"][1]),
            )
            for b in d["break_even"]
        ),
        monte_carlo=None
        if mc is None
        else MonteCarlo(
            trials=mc["trials"],
            seed=mc["seed"],
            sampled=tuple(mc["sampled"]),
            mean=mc["mean"],
            std=mc["std"],
            p10=mc["p10"],
            p50=mc["p50"],
            p90=mc["p90"],
            prob_npv_positive=mc["prob_npv_positive"],
            prob_payback_within_horizon=mc["prob_payback_within_horizon"],
            histogram_edges=tuple(mc["histogram"]["edges"]),
            histogram_counts=tuple(mc["histogram"]["counts"]),
        ),
        monthly_rate=d["monthly_rate"],
        continuing_value=None
        if d.get("continuing_value") is None
        else ContinuingValue(**d["continuing_value"]),
        after_tax=None
        if d.get("after_tax") is None
        else AfterTax(
            rate=d["after_tax"]["rate"],
            lag_months=d["after_tax"]["lag_months"],
            metrics=_metrics_from(d["after_tax"]["metrics"]),
            tax_paid=_array(d["after_tax"]["tax_paid"]),
        ),
    )
