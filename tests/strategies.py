"""Hypothesis strategies for valid case documents, made from the registry of line kinds."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from cxroi.engine import KINDS

#: The parameters that are amounts of money, by line kind (from the registry).
MONEY_PARAMS: dict[str, tuple[str, ...]] = {
    "cost": ("amount",),
    **{
        name: tuple(p.name for p in kind.parameters if p.unit == "money")
        for name, kind in KINDS.items()
    },
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
    """A benefit of any registered kind, its parameters drawn by the kind's own strategy;
    a money parameter may name a `money_*` assumption instead."""
    kind = draw(st.sampled_from(sorted(KINDS)))
    params = draw(KINDS[kind].strategy())
    for name in MONEY_PARAMS[kind]:
        if money_keys and draw(st.booleans()):
            params[name] = draw(st.sampled_from(money_keys))
    return {
        "name": "benefit",
        "kind": kind,
        **params,
        "ramp_start": draw(st.integers(1, horizon)),
        "ramp_months": draw(st.integers(0, 24)),
        "risk": draw(benefit_risk),
    }


@st.composite
def case_documents(draw: st.DrawFn, max_horizon: int = 60) -> dict[str, Any]:
    """A valid case whose money parameters are numbers or `money_*` assumptions."""
    horizon = draw(st.integers(1, max_horizon))
    keys = [f"money_{i}" for i in range(draw(st.integers(0, 3)))]
    return {
        "format": "cxroi-case/2",
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
