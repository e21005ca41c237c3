"""Words for the app's internal names: the one place that maps a result key, a case field,
a workflow step or an audit action to what a person reads, and formats a recorded value.

Pages never show ``payback_months`` or ``item_review``: they ask here. A name that has no
entry is written as words (underscores become spaces), never shown raw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxroi import formatting
from cxroi.workflow import STATE_LABELS, STEPS

#: Result metrics and case fields.
FIELDS: dict[str, str] = {
    "npv": "NPV",
    "irr": "IRR",
    "roi": "ROI",
    "bcr": "Benefit/cost ratio",
    "payback_months": "Payback",
    "discounted_payback_months": "Discounted payback",
    "total_costs": "Total costs",
    "total_benefits": "Total benefits",
    "pv_costs": "PV of costs",
    "pv_benefits": "PV of benefits",
    "start_month": "Start month",
    "horizon_months": "Horizon",
    "discount_rate": "Discount rate",
    "customer_problem": "Customer problem",
    "evidence": "Evidence",
    "case_hash": "case file hash",
    "status": "state",
    "ramp_start": "Ramp start",
    "ramp_months": "Ramp months",
    "end_month": "End month",
    "unit_cost": "Unit cost",
    "base_revenue": "Base revenue",
    "gross_adds": "Gross adds",
}
#: How a field's recorded value reads.
_PERCENT = {"irr", "roi", "discount_rate", "escalation", "risk"}
_MONTHS = {"payback_months", "discounted_payback_months", "horizon_months", "ramp_months"}

#: Audit entities and actions.
ACTIONS: dict[str, str] = {
    "item_review": "Review",
    "accept_selected": "accepted with a selection",
    "review": "reviewed",
    "comment": "Comment",
    "create": "added",
    "reply": "reply",
    "freeze": "frozen",
    "version": "Version",
    "case": "Case",
}


def words(name: str) -> str:
    """``payback_months`` → ``payback months``: the fallback for a name with no entry."""
    return name.replace("_", " ").strip()


def field(name: str, case_labels: Mapping[str, str] | None = None) -> str:
    """A field, metric, assumption key or line id as a person reads it."""
    if case_labels and name in case_labels:
        return case_labels[name]
    return FIELDS.get(name) or words(name)


def action(name: str) -> str:
    if name in STEPS:
        return STEPS[name].done.lower() if STEPS[name].done else words(name)
    return ACTIONS.get(name) or words(name)


def state(name: str) -> str:
    return STATE_LABELS.get(name) or words(name)


def value(name: str | None, raw: Any, units: Mapping[str, str] | None = None) -> str:
    """A recorded old or new value: states by their label, rates as percentages, an
    assumption's value by its unit; anything else as recorded, with no raw float."""
    if raw is None or raw == "":
        return ""
    text = str(raw)
    if name == "status" or text in STATE_LABELS:
        return state(text)
    try:
        number = float(text)
    except ValueError:
        return text
    if units and name is not None and name in units:
        return formatting.with_unit(number, units[name])
    if name in _PERCENT:
        return formatting.pct(number)
    if name in _MONTHS:
        return formatting.months(number)
    return formatting.approx(number, 6)


_MONEY = {"npv", "total_costs", "total_benefits", "pv_costs", "pv_benefits"}


def metric_value(raw: float | None, name: str, currency: str = "") -> str:
    """A result metric (or a change in one) as people write it.

    >>> metric_value(0.79, "irr"), metric_value(12.25, "payback_months")
    ('79.0%', '12.2 months')
    >>> metric_value(-1500.4, "npv", "GBP")
    '−£1,500'
    """
    if raw is None:
        return "n/a"
    if name in _MONEY:
        return formatting.money(raw, currency)
    if name in _PERCENT:
        return formatting.pct(raw)
    if name in _MONTHS:
        return formatting.months(raw)
    return formatting.number(raw, 2)


def case_names(case: Any) -> dict[str, str]:
    """Each assumption key and line id of ``case`` (a model with ``doc``) by its label."""
    doc = case.doc
    names: dict[str, str] = {}
    for a in doc.assumptions:
        names[a.key] = a.label
        names[a.id] = a.label
    for section in (doc.costs, doc.benefits, doc.scenarios):
        names.update({p.id: p.name for p in section})
    from cxroi.engine import KINDS

    for kind, spec in KINDS.items():
        names.setdefault(kind, spec.label)
    return names


def register(app: Any) -> None:
    app.jinja_env.filters.update(
        {
            "field_label": field,
            "action_label": action,
            "case_names": case_names,
            "field_value": value,
            "metric_value": metric_value,
        }
    )
