"""What changed between two frozen versions: case fields, assumptions, lines, metrics.

Works on plain case documents and result documents (the stored forms of a
version), so it needs neither the engine nor the database. Items are matched by
their ``id`` (``cxroi-case/2``), so a renamed assumption reads as a change of its
key; documents without ids are matched by key or name.

>>> a = {"title": "A", "assumptions": [{"key": "arpu", "label": "ARPU", "value": 29}],
...      "costs": [], "benefits": []}
>>> b = {"title": "A", "assumptions": [{"key": "arpu", "label": "ARPU", "value": 31}],
...      "costs": [], "benefits": []}
>>> d = diff_versions(a, b, {"metrics": {"npv": 100.0}}, {"metrics": {"npv": 150.0}})
>>> d.assumptions[0].kind, d.assumptions[0].fields
('changed', (FieldChange(field='value', old=29, new=31),))
>>> [(m.key, m.delta) for m in d.metrics if m.key == "npv"]
[('npv', 50.0)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxroi.engine import METRIC_KEYS
from cxroi.engine.casefile import CASE_FIELDS
from cxroi.labels import PAIR


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One assumption, line or scenario added, removed or changed (with its fields)."""

    section: str  # assumptions, costs, benefits, scenarios, correlations
    name: str  # the assumption key, the line / scenario name, or ``a ↔ b`` (a pair)
    kind: str  # added, removed, changed
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class MetricDelta:
    key: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old


@dataclass(frozen=True, slots=True)
class VersionDiff:
    case_fields: tuple[FieldChange, ...]
    assumptions: tuple[ItemChange, ...]
    costs: tuple[ItemChange, ...]
    benefits: tuple[ItemChange, ...]
    scenarios: tuple[ItemChange, ...]
    metrics: tuple[MetricDelta, ...]
    correlations: tuple[ItemChange, ...] = ()

    @property
    def items(self) -> tuple[ItemChange, ...]:
        return self.assumptions + self.costs + self.benefits + self.scenarios + self.correlations

    @property
    def unchanged(self) -> bool:
        return not self.case_fields and not self.items


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """Each field whose value differs, old → new (absent reads as None), in field order."""
    keys = list(old) + [k for k in new if k not in old]
    return tuple(FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k))


_field_changes = field_changes


def _keyed(items: Sequence[Mapping[str, Any]], key: str) -> dict[str, Mapping[str, Any]]:
    """Index by ``key``; a repeated name gets " (2)", " (3)" ... so that nothing is lost."""
    out: dict[str, Mapping[str, Any]] = {}
    for item in items:
        name = str(item.get(key, ""))
        label, n = name, 1
        while label in out:
            n += 1
            label = f"{name} ({n})"
        out[label] = item
    return out


def _section(
    section: str, old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]], key: str
) -> tuple[ItemChange, ...]:
    if all("id" in item for item in [*old, *new]):
        return _by_id(section, old, new, key)
    before, after = _keyed(old, key), _keyed(new, key)
    changes: list[ItemChange] = []
    for name, item in before.items():
        if name not in after:
            changes.append(ItemChange(section, name, "removed"))
        else:
            fields = _field_changes(item, after[name])
            if fields:
                changes.append(ItemChange(section, name, "changed", fields))
    changes += [ItemChange(section, name, "added") for name in after if name not in before]
    return tuple(changes)


def _by_id(
    section: str, old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]], key: str
) -> tuple[ItemChange, ...]:
    before = {item["id"]: item for item in old}
    after = {item["id"]: item for item in new}
    changes: list[ItemChange] = []
    for item_id, item in before.items():
        if item_id not in after:
            changes.append(ItemChange(section, str(item.get(key, item_id)), "removed"))
        else:
            fields = _field_changes(item, after[item_id])
            if fields:
                name = str(after[item_id].get(key, item_id))
                changes.append(ItemChange(section, name, "changed", fields))
    changes += [
        ItemChange(section, str(item.get(key, item_id)), "added")
        for item_id, item in after.items()
        if item_id not in before
    ]
    return tuple(changes)


def _pairs(section: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Rank correlations by their pair of keys (in key order: a pair is unordered)."""
    return {PAIR.join(sorted((str(p.get("a")), str(p.get("b"))))): p for p in section}


def _correlations(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> tuple[ItemChange, ...]:
    """Pairs added, removed, or with a changed ``rho``.

    >>> (c,) = _correlations([{"a": "x", "b": "y", "rho": 0.5}], [{"a": "y", "b": "x", "rho": 0.6}])
    >>> c.name, c.kind, c.fields
    ('x ↔ y', 'changed', (FieldChange(field='rho', old=0.5, new=0.6),))
    """
    before, after = _pairs(old), _pairs(new)
    changes = [ItemChange("correlations", name, "removed") for name in before if name not in after]
    for name, pair in after.items():
        if name not in before:
            changes.append(ItemChange("correlations", name, "added"))
        elif before[name].get("rho") != pair.get("rho"):
            rho = FieldChange("rho", before[name].get("rho"), pair.get("rho"))
            changes.append(ItemChange("correlations", name, "changed", (rho,)))
    return tuple(changes)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def diff_versions(
    old_case: Mapping[str, Any],
    new_case: Mapping[str, Any],
    old_result: Mapping[str, Any],
    new_result: Mapping[str, Any],
) -> VersionDiff:
    """The changes from ``old`` to ``new`` and the risk-adjusted metric deltas."""
    old_metrics = old_result.get("metrics") or {}
    new_metrics = new_result.get("metrics") or {}
    return VersionDiff(
        case_fields=_field_changes(
            {k: old_case.get(k) for k in CASE_FIELDS}, {k: new_case.get(k) for k in CASE_FIELDS}
        ),
        assumptions=_section(
            "assumptions", old_case.get("assumptions", []), new_case.get("assumptions", []), "key"
        ),
        costs=_section("costs", old_case.get("costs", []), new_case.get("costs", []), "name"),
        benefits=_section(
            "benefits", old_case.get("benefits", []), new_case.get("benefits", []), "name"
        ),
        scenarios=_section(
            "scenarios", old_case.get("scenarios", []), new_case.get("scenarios", []), "name"
        ),
        metrics=tuple(
            MetricDelta(k, _number(old_metrics.get(k)), _number(new_metrics.get(k)))
            for k in METRIC_KEYS
        ),
        correlations=_correlations(
            old_case.get("correlations", []), new_case.get("correlations", [])
        ),
    )
