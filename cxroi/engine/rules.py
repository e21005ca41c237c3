"""Rules of ``cxroi-case/1`` that need more than one field.

Each check reads the raw document defensively (a value of the wrong type is the
schema's to report) and yields :class:`Issue` objects, so that one pass of the
loader reports every problem in the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from .schema import CURRENCY_PATTERN, KEY_PATTERN, MONTH_PATTERN


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a case file: where (a JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True, slots=True)
class Domain:
    """The values a parameter may take, with the words to say so."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def contains(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below

    def describe(self) -> str:
        if self.high == math.inf:
            return f"{'greater than' if self.low_open else 'at least'} {_num(self.low)}"
        if self.low == -math.inf:
            return f"{'less than' if self.high_open else 'at most'} {_num(self.high)}"
        left = "greater than" if self.low_open else "from"
        right = "and less than" if self.high_open else "to"
        return f"{left} {_num(self.low)} {right} {_num(self.high)}"


ANY = Domain(-math.inf, math.inf)
NON_NEGATIVE = Domain(0.0, math.inf)
RATIO = Domain(0.0, 1.0)
RATE = Domain(-1.0, math.inf, low_open=True)
BENEFIT_RISK = Domain(0.0, 1.0, high_open=True)

#: The domain of every numeric parameter, by line kind and parameter name.
PARAMETER_DOMAINS: Mapping[str, Mapping[str, Domain]] = {
    "cost": {"amount": NON_NEGATIVE, "escalation": RATE, "risk": NON_NEGATIVE},
    "churn": {
        "customers": NON_NEGATIVE,
        "annual_churn": RATIO,
        "reduction": RATIO,
        "arpu": NON_NEGATIVE,
        "margin": RATIO,
        "gross_adds": NON_NEGATIVE,
        "risk": BENEFIT_RISK,
    },
    "revenue_uplift": {
        "base_revenue": NON_NEGATIVE,
        "uplift": RATE,
        "margin": RATIO,
        "growth": RATE,
        "risk": BENEFIT_RISK,
    },
    "cost_savings": {
        "volume": NON_NEGATIVE,
        "reduction": RATIO,
        "unit_cost": NON_NEGATIVE,
        "escalation": RATE,
        "risk": BENEFIT_RISK,
    },
    "custom": {"amount": ANY, "escalation": RATE, "risk": BENEFIT_RISK},
}


def _num(x: float) -> str:
    return f"{x:g}"


def _is_number(x: Any) -> TypeGuard[float]:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _is_whole(x: Any) -> TypeGuard[float]:
    return _is_number(x) and float(x).is_integer()


def _list(doc: Mapping[str, Any], name: str) -> list[Any]:
    value = doc.get(name)
    return value if isinstance(value, list) else []


def check_document(doc: Mapping[str, Any]) -> Iterator[Issue]:
    """Yield every cross-field problem of a raw case document."""
    horizon = doc.get("horizon_months")
    horizon = int(horizon) if _is_whole(horizon) else None
    yield from _check_header(doc, horizon)
    assumptions = {
        a["key"]: a
        for a in _list(doc, "assumptions")
        if isinstance(a, dict) and isinstance(a.get("key"), str)
    }
    yield from _check_assumptions(_list(doc, "assumptions"))
    for i, cost in enumerate(_list(doc, "costs")):
        if isinstance(cost, dict):
            yield from _check_cost(f"costs[{i}]", cost, horizon, assumptions)
    for i, benefit in enumerate(_list(doc, "benefits")):
        if isinstance(benefit, dict):
            yield from _check_benefit(f"benefits[{i}]", benefit, horizon, assumptions)
    yield from _check_scenarios(doc, assumptions)


def _check_header(doc: Mapping[str, Any], horizon: int | None) -> Iterator[Issue]:
    currency = doc.get("currency")
    if isinstance(currency, str) and not CURRENCY_PATTERN.fullmatch(currency):
        yield Issue("currency", f'"{currency}" is not an ISO 4217 code such as "GBP"')
    start = doc.get("start_month")
    if isinstance(start, str) and not MONTH_PATTERN.fullmatch(start):
        yield Issue("start_month", f'"{start}" is not a month written YYYY-MM, such as "2027-01"')
    if horizon is not None and not 1 <= horizon <= 120:
        yield Issue("horizon_months", f"must be from 1 to 120 months, not {horizon}")
    rate = doc.get("discount_rate")
    if _is_number(rate) and not RATE.contains(float(rate)):
        yield Issue("discount_rate", f"must be greater than -1 (an annual rate), not {_num(rate)}")


def _check_assumptions(items: list[Any]) -> Iterator[Issue]:
    seen: dict[str, int] = {}
    for i, a in enumerate(items):
        if not isinstance(a, dict):
            continue
        key = a.get("key")
        if isinstance(key, str):
            if key in seen:
                yield Issue(
                    f"assumptions[{i}].key",
                    f'duplicate key "{key}" (first used by assumptions[{seen[key]}])',
                )
            else:
                seen[key] = i
        value, low, high = a.get("value"), a.get("low"), a.get("high")
        if _is_number(low) and _is_number(high) and low > high:
            yield Issue(f"assumptions[{i}].low", f"low {_num(low)} is above high {_num(high)}")
        if _is_number(value) and _is_number(low) and value < low:
            yield Issue(f"assumptions[{i}].value", f"{_num(value)} is below low {_num(low)}")
        if _is_number(value) and _is_number(high) and value > high:
            yield Issue(f"assumptions[{i}].value", f"{_num(value)} is above high {_num(high)}")


def _check_param(
    path: str, value: Any, domain: Domain, assumptions: Mapping[str, Any]
) -> Iterator[Issue]:
    if isinstance(value, str):
        if not KEY_PATTERN.fullmatch(value):
            return  # the schema reports it
        if value not in assumptions:
            yield Issue(path, f'unknown assumption "{value}"')
            return
        a = assumptions[value]
        for field in ("value", "low", "high"):
            x = a.get(field)
            if _is_number(x) and not domain.contains(float(x)):
                yield Issue(
                    path,
                    f'assumption "{value}" has {field} {_num(x)}, but this parameter must be'
                    f" {domain.describe()}",
                )
    elif _is_number(value) and not domain.contains(float(value)):
        yield Issue(path, f"must be {domain.describe()}, not {_num(value)}")


def _check_cost(
    path: str, cost: Mapping[str, Any], horizon: int | None, assumptions: Mapping[str, Any]
) -> Iterator[Issue]:
    for name, domain in PARAMETER_DOMAINS["cost"].items():
        if name in cost:
            yield from _check_param(f"{path}.{name}", cost[name], domain, assumptions)
    recurrence = cost.get("recurrence")
    if recurrence == "once":
        for name in ("start_month", "end_month"):
            if name in cost:
                yield Issue(f"{path}.{name}", "applies to monthly and annual costs; use month")
        month = cost.get("month", 0)
        if _is_whole(month) and horizon is not None and not 0 <= month <= horizon:
            yield Issue(f"{path}.month", f"must be from 0 to the horizon {horizon}, not {month}")
    elif recurrence in ("monthly", "annual"):
        if "month" in cost:
            yield Issue(f"{path}.month", "applies to once costs; use start_month and end_month")
        start = cost.get("start_month", 1)
        if _is_whole(start) and horizon is not None and not 1 <= start <= horizon:
            yield Issue(
                f"{path}.start_month", f"must be from 1 to the horizon {horizon}, not {start}"
            )
        end = cost.get("end_month")
        if _is_whole(end) and _is_whole(start) and end < start:
            yield Issue(f"{path}.end_month", f"month {end} is before start_month {start}")


def _check_benefit(
    path: str, benefit: Mapping[str, Any], horizon: int | None, assumptions: Mapping[str, Any]
) -> Iterator[Issue]:
    kind = benefit.get("kind")
    for name, domain in PARAMETER_DOMAINS.get(kind if isinstance(kind, str) else "", {}).items():
        if name in benefit:
            yield from _check_param(f"{path}.{name}", benefit[name], domain, assumptions)
    start = benefit.get("ramp_start", 1)
    if _is_whole(start) and start < 1:
        yield Issue(f"{path}.ramp_start", f"must be month 1 or later, not {start}")
    if _is_whole(start) and horizon is not None and start > horizon:
        yield Issue(f"{path}.ramp_start", f"month {start} is past the horizon {horizon}")
    months = benefit.get("ramp_months", 0)
    if _is_whole(months) and months < 0:
        yield Issue(f"{path}.ramp_months", f"must be 0 or more, not {months}")


def _domains_of_keys(doc: Mapping[str, Any]) -> dict[str, list[tuple[str, Domain]]]:
    """For each assumption key, the parameters that use it and their domains."""
    uses: dict[str, list[tuple[str, Domain]]] = {}
    lines: list[tuple[Any, str, Any]] = [
        ("cost", f"costs[{i}]", c) for i, c in enumerate(_list(doc, "costs"))
    ]
    lines += [
        (b.get("kind"), f"benefits[{i}]", b)
        for i, b in enumerate(_list(doc, "benefits"))
        if isinstance(b, dict)
    ]
    for kind, path, line in lines:
        if not isinstance(line, dict) or not isinstance(kind, str):
            continue
        for name, domain in PARAMETER_DOMAINS.get(kind, {}).items():
            value = line.get(name)
            if isinstance(value, str):
                uses.setdefault(value, []).append((f"{path}.{name}", domain))
    return uses


def _check_scenarios(doc: Mapping[str, Any], assumptions: Mapping[str, Any]) -> Iterator[Issue]:
    uses = _domains_of_keys(doc)
    seen: set[str] = set()
    for i, scenario in enumerate(_list(doc, "scenarios")):
        if not isinstance(scenario, dict):
            continue
        name = scenario.get("name")
        if isinstance(name, str):
            if name in seen:
                yield Issue(f"scenarios[{i}].name", f'duplicate scenario name "{name}"')
            seen.add(name)
        overrides = scenario.get("overrides")
        if not isinstance(overrides, dict):
            continue
        for key, value in overrides.items():
            path = f"scenarios[{i}].overrides.{key}"
            if isinstance(key, str) and KEY_PATTERN.fullmatch(key) and key not in assumptions:
                yield Issue(path, f'unknown assumption "{key}"')
            elif _is_number(value):
                for used_by, domain in uses.get(key, []):
                    if not domain.contains(float(value)):
                        yield Issue(
                            path, f"{_num(value)} is outside {used_by}: must be {domain.describe()}"
                        )
