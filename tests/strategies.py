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


# -- hostile input (issue 10): what an attacker types or forges into a form or a body ----

#: Values that broke something once, or could: control characters, numbers past every
#: bound, integers past the database's, markup, injection, very long text.
HOSTILE_TEXTS: tuple[str, ...] = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "bell\x07",
    "esc\x1b[31m",
    "c1\x85",
    "del\x7f",
    "two\nlines",
    "\t",
    "1e308",
    "-1e308",
    "1e13",
    "10000000000001",
    "NaN",
    "-Infinity",
    "inf",
    "2147483648",
    "9223372036854775808",
    "9" * 400,
    "-1",
    "0",
    "1.5",
    "８",
    "0x10",
    "1,2,3",
    "<script>alert(1)</script>",
    "'; DROP TABLE cases;--",
    "{{ 7*7 }}",
    "../../etc/passwd",
    "x" * 25_000,
    "é☃\u202e\ufeff",
)

#: Text a form field may be sent: a known hostile value, or arbitrary text with control
#: characters (never a lone surrogate: a browser cannot send one in a form).
hostile_text: st.SearchStrategy[str] = st.sampled_from(HOSTILE_TEXTS) | st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=40
)

#: A JSON value an API body may hold where the document wants something else.
hostile_json: st.SearchStrategy[Any] = st.sampled_from(
    [
        None,
        True,
        -1,
        0,
        10**13 + 1,
        2**31,
        2**63,
        10**400,
        1e308,
        float("nan"),
        float("inf"),
        "a\x00b",
        "\ud800",
        "bell\x07",
        "two\nlines",
        "x" * 25_000,
        [],
        {},
        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
    ]
) | st.sampled_from(HOSTILE_TEXTS)
