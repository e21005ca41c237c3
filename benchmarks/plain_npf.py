"""A plain numpy-financial implementation of a case, for the engine's side-by-side row.

What someone would write without cxroi: the case document's lines turned into monthly
flows with numpy (no loops over months; the churn cohort in its closed form with
cumulative products), then ``numpy_financial.npv`` and ``numpy_financial.irr`` and a
cumulative-sum payback. Only the kinds the benchmark case uses are covered, and only
what it needs: no validation, no assumption ranges, no analyses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy_financial as npf


def _value(doc: dict[str, Any], param: Any) -> float:
    if isinstance(param, str):
        return float(next(a["value"] for a in doc["assumptions"] if a["key"] == param))
    return float(param)


def _cohort(start: float, retention: np.ndarray, adds: float) -> np.ndarray:
    retention = retention.copy()
    retention[0] = 1.0
    survival = np.cumprod(retention)
    inverse = 1.0 / survival
    inverse[0] = 0.0
    return survival * (start + adds * np.cumsum(inverse))


def plain_metrics(doc: dict[str, Any]) -> dict[str, float]:
    """NPV, annual IRR, ROI and payback (months) of the case's risk-adjusted flows."""
    horizon = int(doc["horizon_months"])
    t = np.arange(horizon + 1, dtype=np.float64)
    years = np.where(t >= 1, np.floor((t - 1) / 12), 0.0)
    rate = (1 + doc["discount_rate"]) ** (1 / 12) - 1
    costs = np.zeros(horizon + 1)
    for c in doc["costs"]:
        if c["recurrence"] == "once":
            charged = t == c.get("month", 0)
        else:
            end = c.get("end_month", horizon)
            every = 12 if c["recurrence"] == "annual" else 1
            charged = (t >= c["start_month"]) & (t <= end) & ((t - c["start_month"]) % every == 0)
        step = (1 + _value(doc, c.get("escalation", 0.0))) ** years
        costs += _value(doc, c["amount"]) * charged * step * (1 + _value(doc, c.get("risk", 0.0)))
    benefits = np.zeros(horizon + 1)
    for b in doc["benefits"]:
        v = {k: _value(doc, p) for k, p in b.items() if k not in ("name", "kind")}
        start, months = int(b.get("ramp_start", 1)), int(b.get("ramp_months", 0))
        ramp = np.where(t >= max(start, 1), 1.0, 0.0)
        if months > 1:
            ramp = ramp * np.minimum(1.0, (t - start + 1) / months)
        if b["kind"] == "churn":
            churn = 1 - (1 - v["annual_churn"]) ** (1 / 12)
            adds = v.get("gross_adds", 0.0)
            with_cx = _cohort(v["customers"], 1 - churn * (1 - ramp * v["reduction"]), adds)
            without = _cohort(v["customers"], np.full(horizon + 1, 1 - churn), adds)
            flow = (with_cx - without) * v["arpu"] * v["margin"]
        elif b["kind"] == "cost_savings":
            step = (1 + v.get("escalation", 0.0)) ** years
            flow = v["volume"] * v["reduction"] * v["unit_cost"] * step * ramp
        elif b["kind"] == "revenue_uplift":
            step = (1 + v.get("growth", 0.0)) ** years
            flow = v["base_revenue"] * v["uplift"] * v["margin"] * step * ramp
        elif b["kind"] == "custom":
            flow = v["amount"] * (1 + v.get("escalation", 0.0)) ** years * ramp
        else:
            raise ValueError(f"kind {b['kind']} is not in the plain implementation")
        benefits += flow * (1 - v.get("risk", 0.0))
    net = benefits - costs
    discount = (1 + rate) ** -t
    pv_costs = float(costs @ discount)
    cumulative = np.cumsum(net)
    negative = np.flatnonzero(cumulative < 0)
    k = negative[-1] + 1 if negative.size else 0
    payback = (
        float(k - 1 - cumulative[k - 1] / (cumulative[k] - cumulative[k - 1]))
        if 0 < k <= horizon
        else (0.0 if k == 0 else float("nan"))
    )
    return {
        "npv": float(npf.npv(rate, net)),
        "irr": float((1 + npf.irr(net)) ** 12 - 1),
        "roi": float((benefits @ discount - pv_costs) / pv_costs),
        "payback_months": payback,
    }
