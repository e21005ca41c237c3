"""Words for the app's internal names: the one place that maps a result key, a case field,
a workflow step or an audit action to what a person reads, and formats a recorded value.

Pages never show ``payback_months`` or ``item_review``: they ask here. A name that has no
entry is written as words (underscores become spaces), never shown raw.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cxroi import formatting
from cxroi.engine.casefile import CaseFile
from cxroi.engine.kinds import Parameter
from cxroi.workflow import STATE_LABELS, STEPS


def expected_npv_label(trials: int, within_horizon: bool = False) -> str:
    """How the Monte Carlo mean reads beside the base case's NPV (the same words on the
    results page, the sponsor page and ``cxroi calc``).

    >>> expected_npv_label(10000), expected_npv_label(500, within_horizon=True)
    ('expected NPV (mean of 10,000 trials)', 'expected NPV within the horizon (mean of 500 trials)')
    """
    scope = " within the horizon" if within_horizon else ""
    return f"expected NPV{scope} (mean of {trials:,} trials)"


def inflation_words(rate: float) -> str:
    """What a case with inflation says beside its figures (results page, ``cxroi calc``);
    nothing without inflation.

    >>> inflation_words(0.03)
    "amounts in nominal terms: inflation 3.0% a year on top of each line's escalation"
    >>> inflation_words(0.0)
    ''
    """
    if rate == 0.0:
        return ""
    return (
        f"amounts in nominal terms: inflation {formatting.pct(rate)} a year on top of each "
        "line's escalation"
    )


def rate_source_words(case: CaseFile) -> str:
    """Where a case's discount rate comes from, beside the rate (results page, ``cxroi
    calc``): the assumption that sets it; nothing when it is a number.

    >>> from cxroi.engine.casefile import Assumption
    >>> rate_source_words(CaseFile("t", "GBP", "2027-01", 12, 0.0, discount_rate_key="wacc",
    ...     assumptions=(Assumption("wacc", "Cost of capital", 0.09, "a year"),)))
    'from assumption "Cost of capital"'
    """
    a = case.rate_assumption
    return "" if a is None else f'from assumption "{a.label}"'


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
    "inflation_rate": "Inflation",
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
    # A review item's fields (an assumption's, a line's, a scenario's).
    "correlations": "Rank correlations",
    "label": "Label",
    "value": "Value",
    "unit": "Unit",
    "low": "Low",
    "high": "High",
    "source": "Source",
    "owner": "Owner",
    "name": "Name",
    "kind": "Kind",
    "category": "Category",
    "department": "Department",
    "recurrence": "Recurrence",
    "amount": "Amount",
    "month": "Month",
    "forecast": "Finance-adjusted forecast",
    "escalation": "Annual escalation",
    "risk": "Risk",
    "overrides": "Assumptions set",
    "register": "Benefits register",
    # A line's benefits register.
    "owner_name": "Operational owner",
    "owner_email": "Owner's email",
    "kpi": "KPI",
    "kpi_unit": "KPI unit",
    "data_source": "Data source",
    "baseline_date": "Baseline date",
    "target_date": "Target date",
    "outcome": "Outcome",
    "attribution": "Attribution",
    # Archiving and restoring a case.
    "reason": "Reason",
    # Actuals of a line.
    "cost": "Cost",
    "benefit": "Benefit",
}
#: How a field's recorded value reads.
_PERCENT = {"irr", "roi", "discount_rate", "inflation_rate", "escalation", "risk", "attribution"}
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
    "archive": "archived",
    "restore": "restored",
}


def sentence(text: str) -> str:
    """``payback months`` → ``Payback months`` (the rest as written: ``NPV`` stays)."""
    return text[:1].upper() + text[1:]


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
    if name == "horizon_months" and number.is_integer():
        return f"{int(number)} months"
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


#: A reviewed line's field that names an assumption reads ``assumption <id>``.
#: How a rank correlation's two assumptions are joined in its name: ``churn ↔ volume``.
PAIR = " \u2194 "
_ASSUMPTION_REF = re.compile(r"^assumption (\S+)$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Fields of a cost line that are numbers of months (not money, not rates).
_MONTH_NUMBERS = {"month", "start_month", "end_month", "ramp_start", "ramp_months"}


class CaseWords:
    """One case's words: its assumptions, lines and scenarios by name, each parameter by
    its unit and the case currency, people by name (``people``: email → name).

    The review page, the changes since sign-off and the history read a recorded field or
    value through here, so a key, an id or a raw number never reaches them.
    """

    def __init__(
        self,
        case: Any,
        people: Mapping[str, str] | None = None,
        former: Mapping[str, str] | None = None,
    ) -> None:
        from cxroi.engine.review_items import review_items

        doc = case.doc
        self.currency = str(doc.currency or "")
        #: ``former``: names of items the case no longer has (from its frozen versions).
        self.names = {**(former or {}), **case_names(case)}
        self.units: dict[str, str] = {}
        for a in doc.assumptions:
            self.units[a.key] = self.units[a.id] = a.unit or ""
        self.items = {i.id: i for i in review_items(doc)}
        #: An item named by its key (an assumption) or its name (a line): its id.
        self.ids = {a.key: a.id for a in doc.assumptions}
        for section in (doc.costs, doc.benefits, doc.scenarios):
            self.ids.update({p.name: p.id for p in section})
        self.kinds = {b.id: b.kind for b in doc.benefits}
        self.people = {k.lower(): v for k, v in (people or {}).items() if v}

    # -- names ---------------------------------------------------------------------------

    def name(self, value: str) -> str:
        """An assumption key or id, a line or scenario id, ``assumption <id>``, or a rank
        correlation's pair of keys (``a ↔ b``, :data:`PAIR`)."""
        if PAIR in value:
            return PAIR.join(self.name(part) for part in value.split(PAIR))
        found = _ASSUMPTION_REF.match(value)
        if found and found.group(1) in self.names:
            return self.names[found.group(1)]
        return self.names.get(value, value)

    def _id(self, ref: str | None) -> str | None:
        """An item's id from its id, its key or its name."""
        return ref if ref is None or ref in self.items else self.ids.get(ref, ref)

    def _kind_of(self, item_id: str | None) -> str | None:
        item_id = self._id(item_id)
        if item_id is None:
            return None
        item = self.items.get(item_id)
        if item is not None and item.kind == "benefit":
            return str(item.fields.get("kind") or "") or None
        return self.kinds.get(item_id)

    def field(self, name: str | None, item_id: str | None = None) -> str:
        """A reviewed field's heading: a benefit's parameter by its kind's label."""
        name = name or ""
        parameter = _parameter(self._kind_of(item_id), name)
        if parameter is not None:
            return parameter.label
        if name in self.names and name not in FIELDS:
            return self.names[name]
        return sentence(field(name))

    # -- values --------------------------------------------------------------------------

    def value(self, name: str | None, raw: Any, item_id: str | None = None) -> str:
        """A reviewed field's value as people write it (``—`` for none)."""
        if raw is None or raw == "":
            return "—"
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        if isinstance(raw, str):
            if name == "kind" and raw in self.names:
                return self.names[raw]
            return self.person(self.name(raw))
        if isinstance(raw, Mapping) and name == "correlations":
            # An assumption's rank correlations: the other assumption and rho (no unit).
            return "; ".join(f"{self.name(k)}: {formatting.figure(v)}" for k, v in raw.items())
        if isinstance(raw, Mapping):
            return "; ".join(self._entry(k, v, item_id) for k, v in raw.items())
        if isinstance(raw, list | tuple):
            return ", ".join(self.value(name, v, item_id) for v in raw)
        if not isinstance(raw, int | float):
            return str(raw)
        return self._number(name or "", float(raw), item_id)

    def _entry(self, key: str, value: Any, item_id: str | None) -> str:
        """One entry of a mapping: a scenario's override (an assumption at a value) or a
        register's field."""
        found = _ASSUMPTION_REF.match(key)
        ref = found.group(1) if found else key
        if ref in self.units and isinstance(value, int | float):
            return (
                f"{self.name(key)}: {formatting.with_unit(value, self.units[ref], self.currency)}"
            )
        return f"{self.field(key)}: {self.value(key, value, item_id)}"

    def _number(self, name: str, number: float, item_id: str | None) -> str:
        item = self.items.get(self._id(item_id) or "")
        if item is not None and item.kind == "assumption" and name in ("value", "low", "high"):
            unit = str(item.fields.get("unit") or "")
            return formatting.with_unit(number, unit, self.currency)
        parameter = _parameter(self._kind_of(item_id), name)
        if parameter is not None:
            return _by_unit(number, parameter.unit, self.currency)
        if name in ("amount", "cost", "benefit", "forecast"):
            return formatting.money(number, self.currency)
        if name in _MONTH_NUMBERS:
            return formatting.number(number)
        return value(name, number)

    # -- people --------------------------------------------------------------------------

    def person(self, text: str | None) -> str:
        """``text`` with each known person's email written as their name (``Name <email>``
        as the name)."""
        if not text:
            return ""

        for email, person in self.people.items():
            text = re.sub(rf"{re.escape(person)}\s*<{re.escape(email)}>", person, text, flags=re.I)
        shown = text

        def named(found: re.Match[str]) -> str:
            person = self.people.get(found.group(0).lower())
            # Beside the person's name already (``verified as``): the address is evidence.
            return found.group(0) if person is None or person in shown else person

        return _EMAIL.sub(named, text)

    # -- the audit trail -----------------------------------------------------------------

    @staticmethod
    def action(name: str | None) -> str:
        return action(name or "")

    @staticmethod
    def state(name: str | None) -> str:
        return state(name or "")

    def event_field(self, entity: str | None, name: str | None, item_id: str | None) -> str:
        """An audit row's field: an actual's or a metric's ``YYYY-MM name`` in words, an
        item's field after the item's name."""
        name = name or ""
        if entity in _ITEM_ENTITIES and item_id in self.names and name != item_id:
            return f"{self.names[item_id or '']} · {self.field(name, item_id)}"
        month, _, rest = name.partition(" ")
        if entity in ("actual", "forecast") and rest:
            line = self.names.get(item_id or "", item_id or "")
            return f"{month} · {line} · {self.field(rest, item_id)}"
        if entity == "metric" and rest:
            from cxroi.casework.cx_metrics import label as metric_label

            return f"{month} · {metric_label(rest)}"
        return self.field(name, item_id)

    def event_value(
        self, entity: str | None, name: str | None, raw: Any, item_id: str | None
    ) -> str:
        if raw is None or raw == "":
            return ""
        if entity in ("actual", "forecast") and name and " " in name:
            try:
                return self._number(name.partition(" ")[2], float(raw), item_id)
            except ValueError:
                return self.person(str(raw))
        if entity == "metric" and name and " " in name:
            from cxroi.casework.cx_metrics import STANDARD

            unit = STANDARD.get(name.partition(" ")[2], ("", ""))[1]
            try:
                return metric_value_text(float(raw), unit, self.currency)
            except ValueError:
                return self.person(str(raw))
        recorded = _recorded(raw)
        if isinstance(recorded, Mapping) and "name" in recorded:
            return str(recorded["name"])  # a whole line or scenario: its name
        if isinstance(recorded, Mapping) and entity in _RECORD_TEXT:
            return self.person(str(recorded.get(_RECORD_TEXT[entity], "")))  # what it says
        if entity in _ITEM_ENTITIES and not isinstance(recorded, str):
            return self.value(name, recorded, item_id)
        if name in self.units:
            return value(name, raw, self.units)
        return self.person(value(name, raw))


#: Audit entities that are items of the case's document.
_ITEM_ENTITIES = frozenset({"assumption", "cost", "benefit", "scenario"})
#: A council record created whole (its audit row holds every field): the field it reads by.
_RECORD_TEXT = {"council_action": "action", "council_decision": "what"}


def _recorded(raw: Any) -> Any:
    """An audit row's recorded value: a number, a JSON object or list, or the text."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _parameter(kind: str | None, name: str) -> Parameter | None:
    from cxroi.engine import KINDS

    spec = KINDS.get(kind or "")
    if spec is None:
        return None
    return next((p for p in spec.parameters if p.name == name), None)


def _by_unit(number: float, unit: str, currency: str) -> str:
    """A line parameter by its kind's unit (money, ratio, rate, count, number)."""
    if unit == "money":
        return formatting.money(number, currency, 0 if abs(number) >= 100 else 2)
    if unit in ("ratio", "rate"):
        return formatting.pct(number)
    return formatting.approx(number, 6)


def metric_value_text(number: float, unit: str, currency: str = "") -> str:
    """A CX or business metric's value by its unit: a ratio as a percentage, ``%`` as
    entered, money in the currency, anything else a figure.

    >>> metric_value_text(0.021, "ratio"), metric_value_text(82.5, "%")
    ('2.1%', '82.5%')
    >>> metric_value_text(41000, "count"), metric_value_text(1200, "money", "GBP")
    ('41,000', '£1,200')
    """
    if unit == "ratio":
        return formatting.pct(number)
    if unit in ("%", "percent"):
        return f"{formatting.approx(number, 6)}%"
    if unit == "money":
        return formatting.money(number, currency)
    return formatting.approx(number, 6)


def register(app: Any) -> None:
    app.jinja_env.filters.update(
        {
            "field_label": field,
            "action_label": action,
            "case_names": case_names,
            "case_words": CaseWords,
            "field_value": value,
            "metric_value": metric_value,
            "metric_value_text": metric_value_text,
        }
    )
