"""Rules of the case format that need more than one field.

Each check reads the raw document defensively (a value of the wrong type is the
schema's to report) and yields :class:`Issue` objects, so that one pass of the
loader reports every problem in the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from .casefile import MAX_TRIALS, Correlation
from .correlation import matrix_problem, target_matrix
from .domains import RATE, Domain, number_text
from .kinds import COST_DOMAINS, KINDS
from .schema import (
    CURRENCY_PATTERN,
    KEY_PATTERN,
    MAX_ASSUMPTIONS,
    MAX_CORRELATIONS,
    MAX_LINES,
    MAX_MAGNITUDE,
    MAX_SCENARIOS,
    MONTH_PATTERN,
)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a case file: where (a JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


#: The domain of every numeric parameter, by line kind and parameter name (from the registry).
PARAMETER_DOMAINS: Mapping[str, Mapping[str, Domain]] = {
    "cost": COST_DOMAINS,
    **{name: kind.domains() for name, kind in KINDS.items()},
}


_num = number_text


def _is_number(x: Any) -> TypeGuard[float]:
    """A number the schema accepts (finite, at most MAX_MAGNITUDE): the rules check only those."""
    if not isinstance(x, int | float) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x) and abs(x) <= MAX_MAGNITUDE
    except OverflowError:  # an integer with hundreds of digits
        return False


def _is_whole(x: Any) -> TypeGuard[float]:
    return _is_number(x) and float(x).is_integer()


def _list(doc: Mapping[str, Any], name: str) -> list[Any]:
    value = doc.get(name)
    return value if isinstance(value, list) else []


def check_limits(doc: Mapping[str, Any]) -> list[Issue]:
    """How a document goes past the limits of a case (checked first: nothing past them
    is validated item by item or priced)."""
    issues: list[Issue] = []
    for section, limit, what in (
        ("assumptions", MAX_ASSUMPTIONS, "assumptions"),
        ("scenarios", MAX_SCENARIOS, "scenarios"),
        ("correlations", MAX_CORRELATIONS, "correlation pairs"),
    ):
        n = len(_list(doc, section))
        if n > limit:
            issues.append(Issue(section, f"a case has at most {limit} {what}; this one has {n:,}"))
    costs, benefits = len(_list(doc, "costs")), len(_list(doc, "benefits"))
    if costs + benefits > MAX_LINES:
        issues.append(
            Issue(
                "costs" if costs > MAX_LINES else "benefits",
                f"a case has at most {MAX_LINES} lines, costs and benefits together; "
                f"this one has {costs + benefits:,} ({costs:,} costs, {benefits:,} benefits)",
            )
        )
    return issues


def check_document(doc: Mapping[str, Any]) -> Iterator[Issue]:
    """Yield every cross-field problem of a raw case document."""
    horizon = doc.get("horizon_months")
    horizon = int(horizon) if _is_whole(horizon) else None
    yield from _check_header(doc, horizon)
    yield from _check_ids(doc)
    assumptions = _assumptions_by_key(doc)
    yield from _check_assumptions(_list(doc, "assumptions"))
    for i, cost in enumerate(_list(doc, "costs")):
        if isinstance(cost, dict):
            yield from _check_cost(f"costs[{i}]", cost, horizon, assumptions)
    for i, benefit in enumerate(_list(doc, "benefits")):
        if isinstance(benefit, dict):
            yield from _check_benefit(f"benefits[{i}]", benefit, horizon, assumptions)
    yield from _check_scenarios(doc, assumptions)
    yield from _check_correlations(_list(doc, "correlations"), assumptions)


SECTIONS = ("assumptions", "costs", "benefits", "scenarios")


def _assumptions_by_key(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        a["key"]: a
        for a in _list(doc, "assumptions")
        if isinstance(a, dict) and isinstance(a.get("key"), str)
    }


def rate_points(doc: Mapping[str, Any]) -> list[tuple[float, str]]:
    """Every discount rate a raw document can price at, each with how to name it: the
    number, or the named assumption's value, low and high (Monte Carlo and the tornado
    reach both ends); empty when the rate is missing or of the wrong type.

    >>> rate_points({"discount_rate": 0.08})
    [(0.08, 'the discount rate 0.08')]
    >>> print(rate_points({"discount_rate": "r", "assumptions": [
    ...     {"key": "r", "value": 0.08, "low": 0.05, "high": 0.1}]})[1][1])
    the discount rate's low 0.05 (assumption "r")
    """
    rate = doc.get("discount_rate")
    if _is_number(rate):
        return [(float(rate), f"the discount rate {_num(rate)}")]
    if not isinstance(rate, str):
        return []
    a = _assumptions_by_key(doc).get(rate)
    if not isinstance(a, dict):
        return []
    points = []
    for field, words in (("value", ""), ("low", "'s low"), ("high", "'s high")):
        x = a.get(field)
        if _is_number(x):
            points.append((float(x), f'the discount rate{words} {_num(x)} (assumption "{rate}")'))
    return points


def _check_ids(doc: Mapping[str, Any]) -> Iterator[Issue]:
    """Ids are unique across the whole case (an assumption and a line never share one)."""
    seen: dict[str, str] = {}
    for section in SECTIONS:
        for i, item in enumerate(_list(doc, section)):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            path = f"{section}[{i}]"
            if item["id"] in seen:
                yield Issue(
                    f"{path}.id", f'duplicate id "{item["id"]}" (first used by {seen[item["id"]]})'
                )
            else:
                seen[item["id"]] = path


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
        yield Issue(
            "discount_rate", f"must be {RATE.describe()} (an annual rate), not {_num(rate)}"
        )
    elif isinstance(rate, str):  # the key of an assumption: its whole range is a rate
        yield from _check_param("discount_rate", rate, RATE, _assumptions_by_key(doc))
    for field in ("mirr_finance_rate", "mirr_reinvestment_rate", "inflation_rate"):
        value = doc.get(field)
        if _is_number(value) and not RATE.contains(float(value)):
            yield Issue(field, f"must be {RATE.describe()} (an annual rate), not {_num(value)}")
    yield from _check_continuing_value(doc, horizon)
    tax = doc.get("tax_rate")
    if _is_number(tax) and not 0 <= tax < 1:
        yield Issue("tax_rate", f"must be from 0 to below 1 (0.25 = 25 %), not {_num(tax)}")
    fiscal = doc.get("fiscal_year_start")
    if fiscal is not None and not (isinstance(fiscal, int) and 1 <= fiscal <= 12):
        yield Issue("fiscal_year_start", f"must be a calendar month from 1 to 12, not {fiscal}")
    lag = doc.get("tax_lag_months", 0)
    if _is_whole(lag) and not 0 <= lag <= MAX_TAX_LAG:
        yield Issue("tax_lag_months", f"must be from 0 to {MAX_TAX_LAG} months, not {lag}")
    elif _is_whole(lag) and lag != 0 and doc.get("tax_rate") is None:
        yield Issue("tax_lag_months", "applies only with a tax_rate (the case states no tax)")
    trials = doc.get("monte_carlo_trials")
    if _is_whole(trials) and not 1 <= trials <= MAX_TRIALS:
        yield Issue(
            "monte_carlo_trials",
            f"must be from 1 to {MAX_TRIALS:,} trials, not {int(trials):,}",
        )


#: The longest depreciation life and tax payment lag a case may state, in months.
MAX_LIFE_MONTHS = 600
MAX_TAX_LAG = 24


def _check_continuing_value(doc: Mapping[str, Any], horizon: int | None) -> Iterator[Issue]:
    """Gordon growth needs growth below the discount rate and a final year; any continuing
    value needs a positive discount rate (else the sum beyond the horizon has no end)."""
    method = doc.get("continuing_value", "none")
    growth = doc.get("continuing_growth", 0.0)
    # A rate that is an assumption must satisfy these over its whole range: its lowest.
    points = rate_points(doc)
    lowest = min(points, default=None)
    if _is_number(growth) and not RATE.contains(float(growth)):
        yield Issue(
            "continuing_growth", f"must be {RATE.describe()} (an annual rate), not {_num(growth)}"
        )
    if method in ("customer_runoff", "gordon_growth") and lowest is not None and lowest[0] <= 0:
        yield Issue(
            "continuing_value",
            f"{method} needs a discount rate above 0 (the value beyond the horizon"
            f" would have no end), not {lowest[1]}",
        )
    if method == "gordon_growth":
        if lowest is not None and _is_number(growth) and not float(growth) < lowest[0]:
            yield Issue(
                "continuing_growth",
                f"must be less than {lowest[1]} for Gordon growth, not {_num(growth)}",
            )
        if horizon is not None and horizon < 12:
            yield Issue(
                "continuing_value",
                f"gordon_growth grows the final year's net flow: the horizon must be at"
                f" least 12 months, not {horizon}",
            )
    if doc.get("headline_npv") == "with_continuing_value" and method == "none":
        yield Issue(
            "headline_npv",
            'is "with_continuing_value" but the case has no continuing value'
            ' (continuing_value is "none")',
        )


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
        shape = a.get("distribution")
        if shape not in (None, "triangular") and not (_is_number(low) and _is_number(high)):
            yield Issue(
                f"assumptions[{i}].distribution",
                f"{shape} needs a low and a high (Monte Carlo draws within them)",
            )


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
    life = cost.get("life_months")
    if cost.get("treatment") == "capex":
        if life is None:
            yield Issue(
                f"{path}.life_months", "is required for a capex line (months of depreciation)"
            )
        elif _is_whole(life) and not 1 <= life <= MAX_LIFE_MONTHS:
            yield Issue(
                f"{path}.life_months", f"must be from 1 to {MAX_LIFE_MONTHS} months, not {life}"
            )
    elif life is not None:
        yield Issue(f"{path}.life_months", 'applies to a capex line (treatment "capex")')
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
    rate = doc.get("discount_rate")
    if isinstance(rate, str):
        uses.setdefault(rate, []).append(("discount_rate", RATE))
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


def _pair_text(a: str, b: str) -> str:
    return f'"{a}" and "{b}"'


def _check_correlations(items: list[Any], assumptions: Mapping[str, Any]) -> Iterator[Issue]:
    """Each pair names two different ranged assumptions once, with -1 <= rho <= 1; when
    every pair is sound, together they must make a valid correlation matrix."""
    seen: dict[frozenset[str], int] = {}
    pairs: list[Correlation] = []
    sound = True
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            sound = False
            continue
        path = f"correlations[{i}]"
        a, b, rho = item.get("a"), item.get("b"), item.get("rho")
        keys_ok = True
        for side, key in (("a", a), ("b", b)):
            if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
                keys_ok = False  # the schema reports it
                continue
            if key not in assumptions:
                keys_ok = False
                yield Issue(f"{path}.{side}", f'unknown assumption "{key}"')
                continue
            low, high = assumptions[key].get("low"), assumptions[key].get("high")
            if not (_is_number(low) and _is_number(high)):
                keys_ok = False
                yield Issue(
                    f"{path}.{side}",
                    f'assumption "{key}" has no range (low and high), so Monte Carlo does'
                    f" not draw it: give it a range to correlate it",
                )
        if keys_ok and a == b:
            keys_ok = False
            yield Issue(f"{path}.b", f'pairs "{a}" with itself: name two different assumptions')
        if keys_ok:
            assert isinstance(a, str) and isinstance(b, str)
            pair = frozenset((a, b))
            if pair in seen:
                keys_ok = False
                yield Issue(
                    path,
                    f"duplicate pair {_pair_text(a, b)} (first given by"
                    f" correlations[{seen[pair]}])",
                )
            else:
                seen[pair] = i
        number = float(rho) if _is_number(rho) else None
        if number is not None and not -1.0 <= number <= 1.0:
            yield Issue(
                f"{path}.rho",
                f"the correlation of {_pair_text(str(a), str(b))} must be from -1 to 1,"
                f" not {_num(number)}",
            )
            number = None
        if keys_ok and number is not None:
            pairs.append(Correlation(str(a), str(b), number))
        else:
            sound = False
    if sound and pairs:
        keys = sorted({k for p in pairs for k in (p.a, p.b)})
        problem = matrix_problem(target_matrix(keys, pairs))
        if problem is not None:
            named = "; ".join(f"{_pair_text(p.a, p.b)} {_num(p.rho)}" for p in pairs[:6])
            more = f" and {len(pairs) - 6} more" if len(pairs) > 6 else ""
            yield Issue("correlations", f"the pairs {named}{more} are {problem}")
