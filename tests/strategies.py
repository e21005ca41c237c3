"""Hypothesis strategies for valid cxroi-case/1 documents."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

MONEY_PARAMS = {
    "cost": ("amount",),
    "churn": ("arpu",),
    "revenue_uplift": ("base_revenue",),
    "cost_savings": ("unit_cost",),
    "custom": ("amount",),
}


def decimals(low: float, high: float, places: int = 4) -> st.SearchStrategy[float]:
    """Numbers as people type them: a few decimals, no subnormal dust."""
    return st.floats(min_value=low, max_value=high, allow_nan=False).map(lambda x: round(x, places))


money = decimals(0, 1e6, 2)
ratio = decimals(0, 1)
small_rate = decimals(-0.2, 0.3)
benefit_risk = decimals(0, 0.9)


@st.composite
def money_assumption(draw: st.DrawFn, key: str) -> dict[str, Any]:
    value = draw(decimals(1, 1e5, 2))
    spread = draw(decimals(0, 0.5))
    return {
        "key": key,
        "label": key.replace("_", " "),
        "value": value,
        "unit": "GBP",
        "low": value * (1 - spread),
        "high": value * (1 + spread),
    }


@st.composite
def cost_line(draw: st.DrawFn, horizon: int, money_keys: list[str]) -> dict[str, Any]:
    recurrence = draw(st.sampled_from(["once", "monthly", "annual"]))
    amount: Any = (
        draw(st.sampled_from(money_keys)) if money_keys and draw(st.booleans()) else draw(money)
    )
    line: dict[str, Any] = {
        "name": "cost",
        "category": "x",
        "recurrence": recurrence,
        "amount": amount,
        "escalation": draw(small_rate),
        "risk": draw(decimals(0, 1)),
    }
    if recurrence == "once":
        line["month"] = draw(st.integers(0, horizon))
    else:
        start = draw(st.integers(1, horizon))
        line["start_month"] = start
        line["end_month"] = draw(st.integers(start, horizon + 12))
    return line


@st.composite
def benefit_line(draw: st.DrawFn, horizon: int, money_keys: list[str]) -> dict[str, Any]:
    kind = draw(st.sampled_from(["churn", "revenue_uplift", "cost_savings", "custom"]))

    def cash() -> Any:
        if money_keys and draw(st.booleans()):
            return draw(st.sampled_from(money_keys))
        return draw(money)

    line: dict[str, Any] = {
        "name": "benefit",
        "kind": kind,
        "ramp_start": draw(st.integers(1, horizon)),
        "ramp_months": draw(st.integers(0, 24)),
        "risk": draw(benefit_risk),
    }
    if kind == "churn":
        line.update(
            customers=draw(decimals(0, 1e5, 0)),
            annual_churn=draw(ratio),
            reduction=draw(ratio),
            arpu=cash(),
            margin=draw(ratio),
            gross_adds=draw(decimals(0, 500, 0)),
        )
    elif kind == "revenue_uplift":
        line.update(
            base_revenue=cash(),
            uplift=draw(decimals(0, 0.2)),
            margin=draw(ratio),
            growth=draw(small_rate),
        )
    elif kind == "cost_savings":
        line.update(
            volume=draw(decimals(0, 1e5, 0)),
            reduction=draw(ratio),
            unit_cost=cash(),
            escalation=draw(small_rate),
        )
    else:
        line.update(amount=cash(), escalation=draw(small_rate))
    return line


@st.composite
def case_documents(draw: st.DrawFn, max_horizon: int = 60) -> dict[str, Any]:
    """A valid case whose money parameters are numbers or `money_*` assumptions."""
    horizon = draw(st.integers(1, max_horizon))
    keys = [f"money_{i}" for i in range(draw(st.integers(0, 3)))]
    return {
        "format": "cxroi-case/1",
        "title": "Generated case",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": horizon,
        "discount_rate": draw(decimals(0, 0.5)),
        "assumptions": [draw(money_assumption(k)) for k in keys],
        "costs": draw(st.lists(cost_line(horizon, keys), min_size=0, max_size=4)),
        "benefits": draw(st.lists(benefit_line(horizon, keys), min_size=0, max_size=4)),
    }


def scale_money(doc: dict[str, Any], k: float) -> dict[str, Any]:
    """The same case with every amount of money multiplied by k."""
    import copy

    out = copy.deepcopy(doc)
    for a in out["assumptions"]:
        for field in ("value", "low", "high"):
            a[field] = a[field] * k
    for line in out["costs"]:
        if not isinstance(line["amount"], str):
            line["amount"] *= k
    for line in out["benefits"]:
        for name in MONEY_PARAMS[line["kind"]]:
            if not isinstance(line[name], str):
                line[name] *= k
    return out
