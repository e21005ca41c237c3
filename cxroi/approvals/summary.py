"""The sponsor's one-page summary of a frozen version, built from its stored documents.

Everything shown comes from the version's stored case document and result
document, never from a recomputation, so that the page shows exactly the numbers
that were frozen. Display strings are made here so that templates do no arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cxroi import formatting
from cxroi.engine.casefile import rate_key_of, rate_of
from cxroi.engine.metrics import IRR_CAUTION, irr_needs_caution
from cxroi.headline import after_tax_rows, continuing_rows, expected_npv, irr_text, lead_npv

TOP_RISKS = 3
KEY_ASSUMPTIONS = 8


def money(x: float | None, currency: str) -> str:
    """``£575,053`` or ``−£12,000`` (the app's money format); n/a for null."""
    return formatting.money(x, currency)


def _rate_source(doc: Mapping[str, Any]) -> str:
    """`` from assumption "<label>"`` when an assumption sets the rate (as the results
    page says it), else nothing."""
    key = rate_key_of(doc)
    labels = {a.get("key"): a.get("label") for a in doc.get("assumptions") or []}
    return f' from assumption "{labels.get(key, key)}"' if key is not None else ""


def percent(x: float | None) -> str:
    return formatting.pct(x)


def months(x: float | None) -> str:
    return formatting.months(x)


def plain_number(x: Any) -> str:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.2f}"


@dataclass(frozen=True, slots=True)
class Headline:
    label: str
    value: str
    unadjusted: str
    negative: bool = False
    caution: str | None = None
    #: Beside the NPV: the Monte Carlo mean, in words (None without a simulation).
    expected: str | None = None


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class CumulativeChart:
    """An SVG polyline of cumulative net cash flow, with the zero line and the payback mark."""

    width: int
    height: int
    points: str
    zero_y: float
    payback_x: float | None
    payback_y: float | None
    payback_label: str
    top_label: str
    bottom_label: str
    last_month: int
    text: str  # the same in words, for screen readers and print
    y_ticks: tuple[Tick, ...] = ()
    x_ticks: tuple[Tick, ...] = ()


@dataclass(frozen=True, slots=True)
class Tick:
    at: float  # the position along the axis, in chart units
    label: str


@dataclass(frozen=True, slots=True)
class Ask:
    """What the sponsor is asked for, and why: the page's first section."""

    investment: str  # total costs over the horizon
    pv_costs: str
    problem: str
    evidence: str
    npv: str
    irr: str
    payback: str
    p10: str | None  # the Monte Carlo range; None when no simulation is stored
    p90: str | None
    prob_positive: str | None
    trials: str | None


@dataclass(frozen=True, slots=True)
class RiskRow:
    label: str
    review: str
    low: str
    high: str
    npv_low: str
    npv_high: str
    swing: str


@dataclass(frozen=True, slots=True)
class AssumptionRow:
    key: str
    label: str
    value: str
    unit: str
    source: str
    owner: str
    review: str  # accepted, challenged, unreviewed


@dataclass(frozen=True, slots=True)
class ScenarioRow:
    name: str
    npv: str
    payback: str
    negative: bool


@dataclass(frozen=True, slots=True)
class SponsorSummary:
    title: str
    description: str
    ask: Ask
    currency: str
    horizon: str
    headlines: tuple[Headline, ...]
    #: (label, risk-adjusted, unadjusted): both NPVs with a continuing value, after tax.
    beside: tuple[tuple[str, str, str], ...]
    chart: CumulativeChart
    scenarios: tuple[ScenarioRow, ...]
    risks: tuple[RiskRow, ...]
    assumptions: tuple[AssumptionRow, ...]
    confidence: str | None  # Monte Carlo, in words


def cumulative_chart(
    cumulative: list[float],
    payback: float | None,
    currency: str,
    *,
    width: int = 640,
    height: int = 200,
) -> CumulativeChart:
    values = [float(v) for v in cumulative] or [0.0]
    top, bottom = max(max(values), 0.0), min(min(values), 0.0)
    span = (top - bottom) or 1.0
    last = max(len(values) - 1, 1)

    def x(month: float) -> float:
        return round(month / last * width, 1)

    def y(value: float) -> float:
        return round((top - value) / span * height, 1)

    points = " ".join(f"{x(t)},{y(v)}" for t, v in enumerate(values))
    words = (
        f"Cumulative net cash flow starts at {money(values[0], currency)}, "
        f"is lowest at {money(min(values), currency)} and ends at "
        f"{money(values[-1], currency)} in month {len(values) - 1}; "
        + (
            f"it pays back after {months(payback)}."
            if payback is not None
            else "it does not pay back."
        )
    )
    n = len(values) - 1
    step = next((s for s in (6, 12, 24, 36, 60, 120) if n / s <= 6), max(n, 1))
    x_ticks = tuple(Tick(x(t), str(t)) for t in range(0, n + 1, step))
    y_values = sorted({top, 0.0, bottom}, reverse=True)
    y_ticks = tuple(Tick(y(v), money(v, currency)) for v in y_values)
    return CumulativeChart(
        width=width,
        height=height,
        points=points,
        zero_y=y(0.0),
        payback_x=None if payback is None else x(payback),
        payback_y=None if payback is None else y(0.0),
        payback_label="" if payback is None else f"payback {months(payback)}",
        top_label=money(top, currency),
        bottom_label=money(bottom, currency),
        last_month=n,
        text=words,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )


def build_summary(
    case: Mapping[str, Any], result: Mapping[str, Any], reviews: Mapping[str, str] | None = None
) -> SponsorSummary:
    """The sponsor page's content from a frozen case document and its result document."""
    cur = case.get("currency", "")
    m, u = result.get("metrics", {}), result.get("unadjusted", {})
    reviews = reviews or {}
    lead = lead_npv(result)
    mc = result.get("monte_carlo")
    headlines = (
        Headline(
            lead.label,
            money(lead.adjusted, cur),
            money(lead.unadjusted, cur),
            lead.adjusted < 0,
            expected=expected_npv(result, mc, cur),
        ),
        Headline("ROI", percent(m.get("roi")), percent(u.get("roi")), (m.get("roi") or 0) < 0),
        Headline("Payback", months(m.get("payback_months")), months(u.get("payback_months"))),
        Headline(
            "IRR",
            irr_text(m),
            irr_text(u),
            caution=IRR_CAUTION if irr_needs_caution(m.get("irr")) else None,
        ),
        Headline("MIRR", percent(m.get("mirr")), percent(u.get("mirr"))),
    )
    by_key = {a["key"]: a for a in case.get("assumptions", [])}
    risks = tuple(
        RiskRow(
            label=t.get("label") or by_key.get(t["key"], {}).get("label") or t["key"],
            review=reviews.get(t["key"], "unreviewed"),
            low=formatting.with_unit(t["low"], by_key.get(t["key"], {}).get("unit", ""), cur),
            high=formatting.with_unit(t["high"], by_key.get(t["key"], {}).get("unit", ""), cur),
            npv_low=money(t["npv_low"], cur),
            npv_high=money(t["npv_high"], cur),
            swing=money(t["swing"], cur),
        )
        for t in result.get("tornado", [])[:TOP_RISKS]
    )
    # Key assumptions: the ones that move NPV most first, then the rest in register order.
    ordered = [t["key"] for t in result.get("tornado", []) if t["key"] in by_key]
    ordered += [k for k in by_key if k not in ordered]
    assumptions = tuple(
        AssumptionRow(
            key=k,
            label=by_key[k].get("label", k),
            value=formatting.with_unit(by_key[k].get("value"), by_key[k].get("unit", ""), cur),
            unit="",
            source=by_key[k].get("source") or "no source given",
            owner=by_key[k].get("owner") or "",
            review=reviews.get(k, "unreviewed"),
        )
        for k in ordered[:KEY_ASSUMPTIONS]
    )
    base = {"name": "Base case", "metrics": m}
    scenarios = tuple(
        ScenarioRow(
            s["name"],
            money(s["metrics"].get("npv"), cur),
            months(s["metrics"].get("payback_months")),
            (s["metrics"].get("npv") or 0) < 0,
        )
        for s in [base, *result.get("scenarios", [])]
    )
    mc = result.get("monte_carlo")
    confidence = None
    if mc:
        confidence = (
            f"In {mc['trials']:,} simulated outcomes NPV is positive "
            f"{percent(mc['prob_npv_positive'])} of the time; "
            f"P10 {money(mc['p10'], cur)}, P50 {money(mc['p50'], cur)}, "
            f"P90 {money(mc['p90'], cur)}."
        )
    ask = Ask(
        investment=money(m.get("total_costs"), cur),
        pv_costs=money(m.get("pv_costs"), cur),
        problem=case.get("customer_problem") or "",
        evidence=case.get("evidence") or "",
        npv=money(lead.adjusted, cur),
        irr=irr_text(m),
        payback=months(m.get("payback_months")),
        p10=money(mc["p10"], cur) if mc else None,
        p90=money(mc["p90"], cur) if mc else None,
        prob_positive=percent(mc["prob_npv_positive"]) if mc else None,
        trials=f"{mc['trials']:,}" if mc else None,
    )
    return SponsorSummary(
        title=case.get("title", ""),
        description=case.get("description", ""),
        ask=ask,
        currency=cur,
        horizon=f"{case.get('horizon_months')} months from {case.get('start_month')}, "
        f"discount rate {percent(rate_of(case))}{_rate_source(case)}",
        headlines=headlines,
        beside=tuple(continuing_rows(result, cur) + after_tax_rows(result, cur)),
        chart=cumulative_chart(
            result.get("cashflow", {}).get("cumulative", []), m.get("payback_months"), cur
        ),
        scenarios=scenarios,
        risks=risks,
        assumptions=assumptions,
        confidence=confidence,
    )
