"""Shape the stored result document for the pages and charts (no finance here:
every figure comes from the engine's result, only arranged and labelled)."""

from __future__ import annotations

import calendar
from typing import Any

from cxroi.engine import BenefitLine, CostLine
from cxroi.engine.metrics import IRR_CAUTION, irr_needs_caution
from cxroi.engine.realisation import month_label as calendar_month
from cxroi.formatting import figure, money, months, pct, plain, ratio, signed_class
from cxroi.headline import after_tax_rows, continuing_rows, expected_npv, irr_text, lead_npv
from models import Case


def percent_text(rate: float | None) -> str:
    """0.085 → ``8.5`` for a form box labelled ``%``."""
    return "" if rate is None else plain(round(rate * 100, 10))


def month_label(start_month: str, t: int) -> str:
    """Case month ``t`` as a calendar month (month 0 is the start, before month 1)."""
    if t == 0:
        return "Start"
    year, month = calendar_month(start_month, t).split("-")
    return f"{calendar.month_abbr[int(month)]} {year}"


def assumption_uses(case: Case) -> dict[str, list[str]]:
    uses: dict[str, list[str]] = {a.key: [] for a in case.assumptions}
    lines: list[CostLine | BenefitLine] = [*case.costs, *case.benefits]
    for line in lines:
        for value in line.params.values():
            if isinstance(value, str) and value in uses and line.name not in uses[value]:
                uses[value].append(line.name)
    rate_key = case.doc.discount_rate_key
    if rate_key in uses:
        uses[rate_key].append("the discount rate")
    return uses


def line_params(row: Any) -> list[tuple[str, str, bool]]:
    """``(parameter, shown value, is an assumption)`` for a line's table cell."""
    out = []
    params = dict(row.params)
    params.setdefault("risk", row.risk)
    for name, value in params.items():
        if isinstance(value, str):
            out.append((name, value, True))
        elif value:
            out.append((name, figure(value), False))
    for name, value in (getattr(row, "choices", None) or {}).items():
        out.append((name, value.replace("_", " "), False))
    return out


_irr = irr_text


def _npv_card(cur: str, result: dict[str, Any]) -> dict[str, Any]:
    """The NPV the case leads with: within the horizon, or with its continuing value."""
    lead = lead_npv(result)
    return {
        "label": lead.label,
        "value": money(lead.adjusted, cur),
        "raw": money(lead.unadjusted, cur),
        "negative": lead.adjusted < 0,
        "id": "npv",
    }


def headline(
    case: Case, result: dict[str, Any], mc: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    cur = case.currency
    adjusted, raw = result["metrics"], result["unadjusted"]
    npv_card = _npv_card(cur, result)
    npv_card["expected"] = expected_npv(result, mc, cur)
    return [
        npv_card,
        {
            "label": "ROI",
            "value": pct(adjusted["roi"]),
            "raw": pct(raw["roi"]),
            "negative": (adjusted["roi"] or 0) < 0,
            "id": "roi",
        },
        {
            "label": "Payback",
            "value": months(adjusted["payback_months"]),
            "raw": months(raw["payback_months"]),
            "negative": adjusted["payback_months"] is None,
            "id": "payback",
        },
        {
            "label": "IRR",
            "value": _irr(adjusted),
            "raw": _irr(raw),
            "negative": False,
            "id": "irr",
            "caution": IRR_CAUTION if irr_needs_caution(adjusted.get("irr")) else None,
        },
    ]


def detail_rows(case: Case, result: dict[str, Any]) -> list[tuple[str, str, str]]:
    cur = case.currency
    adjusted, raw = result["metrics"], result["unadjusted"]
    rows = continuing_rows(result, cur)
    rows += [
        ("MIRR", pct(adjusted.get("mirr")), pct(raw.get("mirr"))),
        ("Benefit/cost ratio", ratio(adjusted["bcr"]), ratio(raw["bcr"])),
        (
            "Discounted payback",
            months(adjusted["discounted_payback_months"]),
            months(raw["discounted_payback_months"]),
        ),
    ]
    for key, label in (
        ("pv_costs", "PV of costs"),
        ("pv_benefits", "PV of benefits"),
        ("total_costs", "Total costs"),
        ("total_benefits", "Total benefits"),
    ):
        rows.append((label, money(adjusted[key], cur), money(raw[key], cur)))
    return rows


def histogram_chart(mc: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the results page's histogram draws, from the Monte Carlo statistics."""
    if not mc:
        return None
    return {
        "edges": mc["histogram"]["edges"],
        "counts": mc["histogram"]["counts"],
        "p10": mc["p10"],
        "p50": mc["p50"],
        "p90": mc["p90"],
    }


def stored_view(case: Case) -> dict[str, Any] | None:
    """What the results page shows from the stored result and document alone (None: the
    case was never priced): everything but the Monte Carlo statistics, so it can be kept
    per content (:mod:`cxroi.cases.results_cache`)."""
    r = case.result
    if not r:
        return None
    m, cf = r["metrics"], r["cashflow"]
    horizon = len(cf["net"]) - 1
    labels = [month_label(case.start_month, t) for t in range(horizon + 1)]
    base_npv = m["npv"]
    scenarios = [{"name": "Base case", "metrics": m, "delta": None, "overrides": {}}] + [
        {**s, "delta": s["metrics"]["npv"] - base_npv} for s in r["scenarios"]
    ]
    chart = {
        "currency": case.currency,
        "cumulative": {
            "labels": labels,
            "months": list(range(horizon + 1)),
            "adjusted": cf["cumulative"],
            "unadjusted": r["cashflow_unadjusted"]["cumulative"],
            "payback": m["payback_months"],
        },
        "tornado": {
            "base": base_npv,
            "rows": [
                {"label": t["label"], "key": t["key"], "low": t["npv_low"], "high": t["npv_high"]}
                for t in r["tornado"][:10]
            ],
        },
    }
    cur = case.currency
    units = {a.key: a.unit for a in case.doc.assumptions}
    # Formatted once here: a 120-month table is 600 cells, and a Jinja filter per cell
    # was the largest cost of this page.
    monthly = [
        (
            t,
            labels[t],
            [
                (signed_class(cf[series][t]), money(cf[series][t], cur))
                for series in ("costs", "benefits", "net", "cumulative", "discounted")
            ],
        )
        for t in range(horizon + 1)
    ]
    return {
        # The headline without the simulation's expected NPV (its label, value and raw
        # figure never depend on it): the "All metrics" table.
        "headline": headline(case, r, None),
        "details": detail_rows(case, r) + after_tax_rows(r, cur),
        "annual": r["annual"],
        "monthly": monthly,
        "final_cumulative": cf["cumulative"][-1],
        "scenarios": scenarios,
        "tornado": r["tornado"],
        "break_even": [{**b, "unit": units.get(b["key"], "")} for b in r["break_even"]],
        "chart": chart,
        "payback_label": None
        if m["payback_months"] is None
        else month_label(case.start_month, min(horizon, int(-(-m["payback_months"] // 1)))),
    }


def results_view(
    case: Case, mc: dict[str, Any] | None, stored: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Everything the results page shows, or None when the case was never priced.

    ``mc``: the Monte Carlo statistics of the case's current content, or None while
    they are being simulated (never the stored result's, which may be older).
    ``stored``: :func:`stored_view` of the case, if already made (it is not copied:
    what is returned shares it, read-only).
    """
    if stored is None:
        stored = stored_view(case)
    if stored is None:
        return None
    return {
        **stored,
        "headline": headline(case, case.result or {}, mc),
        "monte_carlo": mc,
        "chart": {**stored["chart"], "histogram": histogram_chart(mc)},
    }
