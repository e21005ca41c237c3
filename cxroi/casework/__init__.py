"""Edits of a case document, as pure functions (no Flask, SQLAlchemy or models).

Each function takes a normalised ``cxroi-case/2`` document (a plain dict, as
:func:`cxroi.engine.case_to_dict` makes it) and returns a new one; the argument is
never changed. They do not validate: the service that applies an edit validates the
result once with the engine's loader, prices it once and stores it.

>>> doc = {"assumptions": [{"id": "a1", "key": "arpu", "value": 38}],
...        "costs": [], "scenarios": [{"id": "s1", "name": "Low", "overrides": {"arpu": 30}}],
...        "benefits": [{"id": "b1", "name": "Kept", "kind": "churn", "arpu": "arpu"}]}
>>> renamed = rename_assumption(doc, "a1", "revenue")
>>> renamed["benefits"][0]["arpu"], renamed["scenarios"][0]["overrides"]
('revenue', {'revenue': 30})
>>> uses_of_assumption(renamed, "revenue")
['benefit "Kept"', 'scenario "Low"']
>>> rename_assumption({**doc, "discount_rate": "arpu"}, "a1", "r")["discount_rate"]
'r'
>>> uses_of_assumption({**doc, "discount_rate": "arpu"}, "arpu")[-1]
'the discount rate'
>>> doc["assumptions"][0]["key"]
'arpu'
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from cxroi.engine.casefile import CASE_FIELDS
from cxroi.engine.loader import ID_PREFIXES, next_id

Document = dict[str, Any]
Item = dict[str, Any]

SECTIONS = tuple(ID_PREFIXES)
#: Header fields a details edit may set (the rest of the document is its items).
DETAIL_FIELDS = CASE_FIELDS
#: Fields of a line whose string value is text, never an assumption key.
_TEXT_FIELDS = frozenset({"id", "name", "kind", "category", "department", "recurrence", "note"})

__all__ = [
    "DETAIL_FIELDS",
    "SECTIONS",
    "AssumptionInUse",
    "EditError",
    "ItemNotFound",
    "add_item",
    "find_item",
    "remove_item",
    "rename_assumption",
    "replace_item",
    "set_correlations",
    "set_details",
    "uses_of_assumption",
]


class EditError(ValueError):
    """An edit that cannot be applied to this document."""


class ItemNotFound(EditError):
    def __init__(self, section: str, item_id: str) -> None:
        self.section, self.item_id = section, item_id
        super().__init__(f"the case has no {section[:-1]} {item_id!r}")


class AssumptionInUse(EditError):
    """An assumption cannot go while lines or scenarios use it."""

    def __init__(self, key: str, uses: list[str]) -> None:
        self.key, self.uses = key, uses
        super().__init__(
            f'Assumption "{key}" cannot be deleted: it is used by {", ".join(uses)}. '
            "Change those first."
        )


def _clean(values: Mapping[str, Any]) -> Item:
    """Drop empty optional fields: None is "not given" in the document."""
    return {k: v for k, v in values.items() if v is not None}


def _items(doc: Document, section: str) -> list[Item]:
    if section not in SECTIONS:
        raise EditError(f"unknown section {section!r}")
    items: list[Item] = doc.setdefault(section, [])
    return items


def _taken_ids(doc: Document) -> set[str]:
    return {
        item["id"]
        for section in SECTIONS
        for item in doc.get(section, [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def find_item(doc: Document, section: str, item_id: str) -> tuple[int, Item]:
    """The position and content of one item (``ItemNotFound`` if there is none)."""
    for i, item in enumerate(doc.get(section, [])):
        if item.get("id") == item_id:
            return i, item
    raise ItemNotFound(section, item_id)


def set_details(doc: Document, details: Mapping[str, Any]) -> Document:
    """The case's own fields (title, narrative, timing, discount rate)."""
    out = copy.deepcopy(doc)
    for name, value in details.items():
        if name not in DETAIL_FIELDS:
            raise EditError(f"{name!r} is not a detail of a case")
        if value is None or value == "":
            out.pop(name, None)
        else:
            out[name] = value
    return out


def set_correlations(doc: Document, pairs: list[Mapping[str, Any]]) -> Document:
    """The case's rank correlations (``{"a", "b", "rho"}`` pairs), all of them; none
    leaves the field out, as the canonical form does."""
    out = copy.deepcopy(doc)
    if pairs:
        out["correlations"] = [dict(p) for p in pairs]
    else:
        out.pop("correlations", None)
    return out


def add_item(
    doc: Document,
    section: str,
    values: Mapping[str, Any],
    retired: frozenset[str] = frozenset(),
) -> tuple[Document, str]:
    """Append an assumption, line or scenario; it gets the next free id of its section.

    ``retired`` are ids the case used before (deleted items): never given again, so a
    new item never inherits an old one's review or threads.
    """
    out = copy.deepcopy(doc)
    items = _items(out, section)
    new_id = next_id(_taken_ids(out) | retired, ID_PREFIXES[section])
    items.append({"id": new_id, **_clean({k: v for k, v in values.items() if k != "id"})})
    return out, new_id


def replace_item(doc: Document, section: str, item_id: str, values: Mapping[str, Any]) -> Document:
    """Replace an item's content, keeping its id and place. A new assumption key is a rename."""
    out = copy.deepcopy(doc)
    index, old = find_item(out, section, item_id)
    if section == "assumptions" and values.get("key") and values["key"] != old.get("key"):
        out = rename_assumption(out, item_id, values["key"])
    _items(out, section)[index] = {
        "id": item_id,
        **_clean({k: v for k, v in values.items() if k != "id"}),
    }
    return out


def rename_assumption(doc: Document, item_id: str, new_key: str) -> Document:
    """Give an assumption a new key; every line and scenario that used it follows."""
    out = copy.deepcopy(doc)
    _, item = find_item(out, "assumptions", item_id)
    old_key = item.get("key")
    item["key"] = new_key
    for line in [*out.get("costs", []), *out.get("benefits", [])]:
        for name, value in list(line.items()):
            if name not in _TEXT_FIELDS and value == old_key:
                line[name] = new_key
    for scenario in out.get("scenarios", []):
        overrides = scenario.get("overrides") or {}
        if old_key in overrides:
            scenario["overrides"] = {
                (new_key if k == old_key else k): v for k, v in overrides.items()
            }
    for pair in out.get("correlations", []):
        for side in ("a", "b"):
            if pair.get(side) == old_key:
                pair[side] = new_key
    if out.get("discount_rate") == old_key:  # the assumption that sets the rate
        out["discount_rate"] = new_key
    return out


def uses_of_assumption(doc: Document, key: str) -> list[str]:
    """Where an assumption is used, in words: lines by name, scenarios by name."""

    def uses(line: Item) -> bool:
        return any(v == key for n, v in line.items() if n not in _TEXT_FIELDS)

    found = [f'cost "{c["name"]}"' for c in doc.get("costs", []) if uses(c)]
    found += [f'benefit "{b["name"]}"' for b in doc.get("benefits", []) if uses(b)]
    found += [
        f'scenario "{s["name"]}"' for s in doc.get("scenarios", []) if key in s.get("overrides", {})
    ]
    found += [
        f'its correlation with "{p["b"] if p.get("a") == key else p["a"]}"'
        for p in doc.get("correlations", [])
        if key in (p.get("a"), p.get("b"))
    ]
    if doc.get("discount_rate") == key:
        found.append("the discount rate")
    return found


def remove_item(doc: Document, section: str, item_id: str) -> Document:
    """Remove an item. An assumption still used by a line or scenario is refused."""
    out = copy.deepcopy(doc)
    index, item = find_item(out, section, item_id)
    if section == "assumptions":
        uses = uses_of_assumption(out, item["key"])
        if uses:
            raise AssumptionInUse(item["key"], uses)
    del _items(out, section)[index]
    return out
