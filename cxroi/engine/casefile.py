"""The business case file, format ``cxroi-case/1``, as typed immutable objects.

A :class:`CaseFile` is what the engine prices. It is built only by
:func:`load_case` (or :func:`parse_case`), which validates the whole document in
one pass and reports every problem with its JSON path; see
``shared/docs/case-format.md`` for the contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

FORMAT = "cxroi-case/1"

Param = float | str
"""A numeric parameter of a line: a number, or the key of an assumption."""

Recurrence = Literal["once", "monthly", "annual"]
BenefitKind = Literal["churn", "revenue_uplift", "cost_savings", "custom"]

#: The parameters of each benefit kind, required ones first, with the defaults
#: of the optional ones.
BENEFIT_PARAMETERS: Mapping[str, tuple[tuple[str, ...], Mapping[str, float]]] = {
    "churn": (("customers", "annual_churn", "reduction", "arpu", "margin"), {"gross_adds": 0.0}),
    "revenue_uplift": (("base_revenue", "uplift", "margin"), {"growth": 0.0}),
    "cost_savings": (("volume", "reduction", "unit_cost"), {"escalation": 0.0}),
    "custom": (("amount",), {"escalation": 0.0}),
}


@dataclass(frozen=True, slots=True)
class Assumption:
    """One named number that drives the model, with its range and provenance."""

    key: str
    label: str
    value: float
    unit: str
    low: float | None = None
    high: float | None = None
    source: str | None = None
    owner: str | None = None
    notes: str | None = None

    @property
    def has_range(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True, slots=True)
class CostLine:
    """A cost: once in ``month``, or monthly / annually from ``start_month`` to ``end_month``."""

    name: str
    category: str
    recurrence: Recurrence
    amount: Param
    department: str | None = None
    month: int = 0
    start_month: int = 1
    end_month: int | None = None
    escalation: Param = 0.0
    risk: Param = 0.0


@dataclass(frozen=True, slots=True)
class BenefitLine:
    """A benefit of one of the four kinds; ``params`` holds every parameter of the kind."""

    name: str
    kind: BenefitKind
    params: Mapping[str, Param]
    ramp_start: int = 1
    ramp_months: int = 0
    risk: Param = 0.0

    def param(self, name: str) -> Param:
        return self.params[name]


@dataclass(frozen=True, slots=True)
class Scenario:
    """The whole case recomputed with some assumptions set to other values."""

    name: str
    overrides: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A validated business case. Build it with :func:`cxroi.engine.load_case`."""

    title: str
    currency: str
    start_month: str
    horizon_months: int
    discount_rate: float
    assumptions: tuple[Assumption, ...] = ()
    costs: tuple[CostLine, ...] = ()
    benefits: tuple[BenefitLine, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    description: str | None = None
    format: str = field(default=FORMAT)

    @property
    def assumption_values(self) -> dict[str, float]:
        return {a.key: a.value for a in self.assumptions}

    def assumption(self, key: str) -> Assumption:
        for a in self.assumptions:
            if a.key == key:
                return a
        raise KeyError(key)

    def uses_of(self, key: str) -> list[str]:
        """Names of the lines whose parameters refer to assumption ``key``."""
        names = [c.name for c in self.costs if key in _keys_of_cost(c)]
        names += [b.name for b in self.benefits if key in _keys_of_benefit(b)]
        return names


def _keys_of_cost(line: CostLine) -> set[str]:
    return {p for p in (line.amount, line.escalation, line.risk) if isinstance(p, str)}


def _keys_of_benefit(line: BenefitLine) -> set[str]:
    keys = {p for p in line.params.values() if isinstance(p, str)}
    if isinstance(line.risk, str):
        keys.add(line.risk)
    return keys
