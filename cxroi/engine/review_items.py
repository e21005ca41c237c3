"""What finance reviews in a case, and how much each reviewed item moves NPV.

The one list of review items (:func:`review_items`): every assumption, every cost and
benefit line (its parameters, timing and risk as one item), and the case's finance
settings (discount rate, horizon, start month, continuing value and tax, one item each;
the continuing value item holds its method, growth and headline, the tax item its rate
and payment lag). The review page, the
sign-off rule, the "changed since sign-off" view and the tests all read it.

Each item has the fields finance reviews (:attr:`ReviewItem.fields`) and a
:func:`fingerprint` over them, so a verdict can be bound to exactly what was reviewed.

:func:`npv_effects` says how far NPV moves when each item moves: an assumption from its
low to its high (the tornado's swing), or ±10 % of its value when it has no range; a line
scaled by ±10 %; the discount rate and the horizon ±10 %. Vectorised: every assumption
in one batch, the lines from the base pricing's own line series, the rate from the
net flows under two other discount factors. Pure: no Flask, SQLAlchemy or models.

>>> from cxroi.engine import load_case
>>> case = load_case({"format": "cxroi-case/2", "title": "T", "currency": "GBP",
...     "start_month": "2027-01", "horizon_months": 12, "discount_rate": 0.0,
...     "assumptions": [{"key": "n", "label": "N", "value": 100, "unit": "calls"}],
...     "costs": [{"name": "Tool", "category": "technology", "recurrence": "once",
...                "amount": 1000, "month": 0}],
...     "benefits": [{"name": "Calls", "kind": "custom", "amount": "n"}]})
>>> [i.id for i in review_items(case)]
['a1', 'c1', 'b1', 'discount_rate', 'horizon_months', 'start_month', 'continuing_value', 'tax_rate']
>>> effects = npv_effects(case)
>>> effects["c1"].npv_low - effects["c1"].base_npv  # the cost 10 % lower: NPV 100 higher
100.0
>>> round(effects["a1"].npv_high - effects["a1"].base_npv, 6)  # 10 more a month, 12 months
120.0
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .casefile import BenefitLine, CaseFile, CostLine
from .loader import case_to_dict
from .pricing import npv_rows, price, values_for
from .timeline import Timeline, Value

ItemKind = Literal["assumption", "cost", "benefit", "scenario", "setting"]

#: What finance reviews of an assumption: its number, range, unit and provenance. Not the
#: key (a rename keeps the verdict), nor the notes or the author's confidence.
ASSUMPTION_FIELDS = ("label", "value", "unit", "low", "high", "source", "owner")
#: An assumption item's fields: a distribution other than triangular (the default, None)
#: joins them, so an item at the default reads as before; so do its rank correlations,
#: when it has any (``correlations``: the other assumption's id and rho).
REVIEWED = (*ASSUMPTION_FIELDS, "distribution")
#: A line or a scenario is reviewed whole (parameters, timing, risk, overrides, name),
#: except its id and note. The assumptions it uses are named by their ids, not their
#: keys: a rename keeps the verdict, while pointing a line at another assumption (or
#: swapping two keys) changes it.
LINE_EXCLUDED = frozenset({"id", "note"})
#: The case's finance settings, each one item with a fixed id: (id, label, the case
#: fields it reviews). Every case has each item, so a setting left at its default (no
#: continuing value, no tax) is reviewed too, and turning it on or off is a change.
SETTINGS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("discount_rate", "Discount rate", ("discount_rate",)),
    ("horizon_months", "Horizon", ("horizon_months",)),
    ("start_month", "Start month", ("start_month",)),
    (
        "continuing_value",
        "Continuing value",
        ("continuing_value", "continuing_growth", "headline_npv"),
    ),
    ("tax_rate", "Corporate tax", ("tax_rate", "tax_lag_months")),
)
SETTING_IDS = frozenset(i for i, _, _ in SETTINGS)
#: How far an item without a range is moved to show its effect: ±10 %.
NUDGE = 0.10
#: Horizons the engine accepts (months); a nudged horizon stays within them.
HORIZON_RANGE = (1, 120)


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One thing finance reviews: its id in the case, kind, name and reviewed fields."""

    id: str
    kind: ItemKind
    label: str
    fields: Mapping[str, Any]
    key: str | None = None  # an assumption's key

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.fields)


def fingerprint(fields: Mapping[str, Any]) -> str:
    """SHA-256 of the reviewed fields as canonical JSON (absent and None are the same)."""
    doc = {k: v for k, v in fields.items() if v is not None}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def review_items(case: CaseFile) -> tuple[ReviewItem, ...]:
    """Every item of ``case`` that finance reviews, in document order, settings last."""
    doc = case_to_dict(case)
    ids = {a.key: a.id for a in case.assumptions}
    items: list[ReviewItem] = [
        ReviewItem(
            a.id,
            "assumption",
            a.label,
            {
                **{name: getattr(a, name) for name in REVIEWED if getattr(a, name) is not None},
                **_correlations_of(case, a.key, ids),
            },
            key=a.key,
        )
        for a in case.assumptions
    ]
    for section, kind in (("costs", "cost"), ("benefits", "benefit"), ("scenarios", "scenario")):
        for line in doc.get(section, []):
            fields = {
                k: v if k in ("name", "kind") else _by_id(v, ids)
                for k, v in line.items()
                if k not in LINE_EXCLUDED
            }
            items.append(ReviewItem(line["id"], kind, line["name"], fields))  # type: ignore[arg-type]
    for item_id, label, names in SETTINGS:
        fields = {name: getattr(case, name) for name in names}
        if item_id == "discount_rate" and case.discount_rate_key is not None:
            # The rate an assumption sets is reviewed on that assumption's item: the
            # rate's item says which one, by id (a rename keeps the verdict).
            fields["discount_rate"] = _by_id(case.discount_rate_key, ids)
        if item_id == "discount_rate" and case.discounting != "end_of_month":
            # The convention is part of the rate's item, only when it is not the default
            # (month ends): a case at the default keeps its item, and its verdict, as before.
            fields["discounting"] = case.discounting
        if item_id == "discount_rate" and case.inflation_rate != 0.0:
            # Inflation makes the flows nominal, as the rate is: reviewed with it, and
            # only when set, so a case without inflation keeps its verdict.
            fields["inflation_rate"] = case.inflation_rate
        items.append(ReviewItem(item_id, "setting", label, fields))
    return tuple(items)


def _correlations_of(case: CaseFile, key: str, ids: Mapping[str, str]) -> dict[str, Any]:
    """An assumption's rank correlations, as a field of its review item only when it has
    any (so an item without pairs reads, and keeps its verdict, as before): each other
    assumption by its id, so a rename keeps the verdict.

    >>> from cxroi.engine.casefile import Assumption, Correlation
    >>> case = CaseFile("t", "GBP", "2027-01", 12, 0.1,
    ...     assumptions=(Assumption("x", "X", 1, "n", 0, 2, id="a1"),
    ...                  Assumption("y", "Y", 1, "n", 0, 2, id="a2")),
    ...     correlations=(Correlation("x", "y", 0.5),))
    >>> _correlations_of(case, "y", {"x": "a1", "y": "a2"})
    {'correlations': {'assumption a1': 0.5}}
    """
    pairs = {
        f"assumption {ids[p.b if p.a == key else p.a]}": p.rho
        for p in case.correlations
        if key in (p.a, p.b)
    }
    return {"correlations": pairs} if pairs else {}


def _by_id(value: Any, ids: Mapping[str, str]) -> Any:
    """``value`` with every use of an assumption (a parameter naming its key, a scenario
    override keyed by it) written as the assumption's id.

    >>> _by_id({"churn": 0.03, "rate": "churn"}, {"churn": "a1"})
    {'assumption a1': 0.03, 'rate': 'assumption a1'}
    """
    if isinstance(value, str):
        return f"assumption {ids[value]}" if value in ids else value
    if isinstance(value, Mapping):
        return {_by_id(k, ids): _by_id(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_by_id(v, ids) for v in value]
    return value


# -- effect on NPV -----------------------------------------------------------------------

Basis = Literal["range", "nudge", "none"]


@dataclass(frozen=True, slots=True)
class Effect:
    """NPV with the item at its low and at its high (``low``/``high``: what was moved to)."""

    item_id: str
    basis: Basis  # range: the assumption's own low-high; nudge: ±10 %; none: no effect
    low: float | None
    high: float | None
    npv_low: float
    npv_high: float
    base_npv: float

    @property
    def swing(self) -> float:
        return abs(self.npv_high - self.npv_low)


def _nudged(value: float) -> tuple[float, float]:
    return value * (1.0 - NUDGE), value * (1.0 + NUDGE)


def npv_effects(case: CaseFile) -> dict[str, Effect]:
    """Each review item's effect on NPV (see the module's doc), by item id.

    Lines are scaled (every month of the line, after its risk) by ±10 %, so a line's
    low is its 90 % and its high its 110 %; ``low``/``high`` are then the factors. An
    NPV too large to compute at a bound is ``inf`` or ``nan`` (the caller shows it so).
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _npv_effects(case)


def _npv_effects(case: CaseFile) -> dict[str, Effect]:
    tl = Timeline.for_case(case)
    base = price(case, tl, values_for(case), detail=True)
    net = (base.benefits - base.costs)[0]
    base_npv = float(net @ tl.discount_factor)
    effects: dict[str, Effect] = {}

    # Assumptions: one batch, rows 2j and 2j+1 are assumption j at its low and high.
    assumptions = case.assumptions
    if assumptions:
        rows = 2 * len(assumptions)
        overrides: dict[str, Value] = {}
        bounds: list[tuple[float, float, Basis]] = []
        for j, a in enumerate(assumptions):
            if a.low is not None and a.high is not None:
                low, high, basis = a.low, a.high, "range"
            else:
                low, high = _nudged(a.value)
                basis = "nudge"
            bounds.append((low, high, basis))  # type: ignore[arg-type]
            column = np.full((rows, 1), a.value, dtype=np.float64)
            column[2 * j, 0], column[2 * j + 1, 0] = low, high
            overrides[a.key] = column
        priced = price(case, tl, values_for(case, overrides), rows=rows)
        if case.discount_rate_key is None:
            npvs = npv_rows(priced.costs, priced.benefits, tl)
        else:  # each row at its own rate: the rate's assumption's value in that row
            rates = np.ravel(overrides[case.discount_rate_key])
            net_rows = priced.benefits - priced.costs
            npvs = np.einsum("ij,ij->i", net_rows, tl.discount_matrix(rates))
        for j, (a, (low, high, basis)) in enumerate(zip(assumptions, bounds, strict=True)):
            effects[a.id] = Effect(
                a.id, basis, low, high, float(npvs[2 * j]), float(npvs[2 * j + 1]), base_npv
            )

    # Lines: NPV is linear in each line, so scaling line i moves NPV by its share.
    lines: list[CostLine | BenefitLine] = [*case.costs, *case.benefits]
    for line, series in zip(lines, base.lines, strict=True):
        sign = -1.0 if series.side == "cost" else 1.0
        share = sign * float(series.adjusted @ tl.discount_factor)
        effects[line.id] = Effect(
            line.id,
            "nudge",
            1.0 - NUDGE,
            1.0 + NUDGE,
            base_npv - NUDGE * share,
            base_npv + NUDGE * share,
            base_npv,
        )

    # Discount rate: the same flows under two other discount factors; a rate an
    # assumption sets moves as that assumption does (its range, or the nudge).
    rate_assumption = case.rate_assumption
    if rate_assumption is not None:
        effects["discount_rate"] = dataclasses.replace(
            effects[rate_assumption.id], item_id="discount_rate"
        )
    else:
        low_rate, high_rate = _nudged(case.discount_rate)
        npv_at = [
            float(net @ Timeline.for_case(case, r).discount_factor) for r in (low_rate, high_rate)
        ]
        effects["discount_rate"] = Effect(
            "discount_rate", "nudge", low_rate, high_rate, npv_at[0], npv_at[1], base_npv
        )

    # Horizon: priced again over a shorter and a longer timeline (whole months).
    h = case.horizon_months
    shorter = max(HORIZON_RANGE[0], min(h - 1, round(h * (1.0 - NUDGE))))
    longer = min(HORIZON_RANGE[1], max(h + 1, round(h * (1.0 + NUDGE))))
    horizon_npv = []
    for months in (shorter, longer):
        if months == h:
            horizon_npv.append(base_npv)
            continue
        other = Timeline.of(
            months, case.discount_rate, case.discounting, case.start_month, case.inflation_rate
        )
        p = price(case, other, values_for(case))
        horizon_npv.append(float(npv_rows(p.costs, p.benefits, other)[0]))
    effects["horizon_months"] = Effect(
        "horizon_months", "nudge", shorter, longer, horizon_npv[0], horizon_npv[1], base_npv
    )

    # A scenario is an alternative the sponsor reads beside the base case: it moves no
    # number of the base case (its own NPV is on the results and sponsor pages).
    for scenario in case.scenarios:
        effects[scenario.id] = Effect(scenario.id, "none", None, None, base_npv, base_npv, base_npv)

    # The start month names the calendar month of month 1: it moves no number. The
    # continuing value and tax move figures reported beside the NPV within the horizon
    # (the NPV with continuing value, the after-tax metrics), not that NPV.
    for item_id in ("start_month", "continuing_value", "tax_rate"):
        effects[item_id] = Effect(item_id, "none", None, None, base_npv, base_npv, base_npv)
    return effects


def _stored(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def effects_to_dict(effects: Mapping[str, Effect]) -> dict[str, dict[str, Any]]:
    """The effects as plain JSON (an NPV too large to compute is null), for a result."""
    return {
        item_id: {
            "basis": e.basis,
            "low": _stored(e.low),
            "high": _stored(e.high),
            "npv_low": _stored(e.npv_low),
            "npv_high": _stored(e.npv_high),
            "base_npv": _stored(e.base_npv),
        }
        for item_id, e in effects.items()
    }


def effects_from_dict(doc: Mapping[str, Mapping[str, Any]]) -> dict[str, Effect]:
    """The effects stored by :func:`effects_to_dict` (null NPVs read as NaN)."""

    def number(x: Any) -> float:
        return math.nan if x is None else float(x)

    return {
        item_id: Effect(
            item_id,
            e["basis"],
            e.get("low"),
            e.get("high"),
            number(e.get("npv_low")),
            number(e.get("npv_high")),
            number(e.get("base_npv")),
        )
        for item_id, e in doc.items()
    }
