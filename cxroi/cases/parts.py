"""Changing the parts of a case: assumptions, cost lines, benefit lines, scenarios.

Each is an edit of the case document (:mod:`cxroi.casework`) run through the one
pipeline, :func:`cxroi.cases.services.apply_edit`. A part is found by its document
id, which a rename keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cxroi import casework
from cxroi.cases import permissions, services
from cxroi.cases.services import PartInUse
from cxroi.engine import Assumption, BenefitLine, CostLine, Scenario
from cxroi.errors import NotFound
from models import Case, User

Part = Assumption | CostLine | BenefitLine | Scenario

#: section: the noun people read.
PARTS: dict[str, str] = {
    "assumptions": "assumption",
    "costs": "cost line",
    "benefits": "benefit line",
    "scenarios": "scenario",
}

__all__ = [
    "PARTS",
    "PartInUse",
    "SavedPart",
    "add_correlation",
    "delete_part",
    "find_assumption",
    "find_benefit",
    "find_part",
    "find_scenario",
    "item_of",
    "remove_correlation",
    "save_assumption",
    "save_benefit",
    "save_cost",
    "save_scenario",
    "uses_of_assumption",
]


@dataclass(frozen=True, slots=True)
class SavedPart:
    """The case after a save, and the part as it now stands in its document."""

    case: Case
    part: Part

    @property
    def id(self) -> str:
        return self.part.id


def find_part(case: Case, section: str, part_id: str) -> Part:
    parts: tuple[Part, ...] = getattr(case.doc, section)
    for part in parts:
        if part.id == part_id:
            return part
    raise NotFound(f"This case has no such {PARTS[section]}.")


def find_assumption(case: Case, part_id: str | None) -> Assumption | None:
    """The assumption with this id (None for a new one)."""
    if part_id is None:
        return None
    part = find_part(case, "assumptions", part_id)
    return part if isinstance(part, Assumption) else None


def find_benefit(case: Case, part_id: str) -> BenefitLine:
    part = find_part(case, "benefits", part_id)
    if not isinstance(part, BenefitLine):  # pragma: no cover - the section holds benefits
        raise NotFound("This case has no such benefit line.")
    return part


def find_scenario(case: Case, part_id: str) -> Scenario:
    part = find_part(case, "scenarios", part_id)
    if not isinstance(part, Scenario):  # pragma: no cover - the section holds scenarios
        raise NotFound("This case has no such scenario.")
    return part


def item_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """A form's values as a document item: a line's ``params`` become its own fields."""
    item = {k: v for k, v in values.items() if k != "params"}
    item.update(values.get("params") or {})
    return item


def _check(actor: User, section: str, part_id: str | None) -> Any:
    def check(case: Case) -> None:
        if section == "assumptions":
            permissions.require_edit_assumption(actor, case, find_assumption(case, part_id))
        else:
            if part_id is not None:
                find_part(case, section, part_id)  # a 404 before a 403
            permissions.require_edit(actor, case)

    return check


def _save(
    actor: User,
    case_id: int,
    lock_version: int | None,
    section: str,
    part_id: str | None,
    values: Mapping[str, Any],
) -> SavedPart:
    item = item_of(values)
    new_id: list[str] = []

    def edit(doc: casework.Document, retired: frozenset[str]) -> casework.Document:
        if part_id is None:
            out, added = casework.add_item(doc, section, item, retired)
            new_id.append(added)
            return out
        return casework.replace_item(doc, section, part_id, item)

    # A new item is the last of its section: its errors land beside the form's fields.
    case = services.apply_edit(
        actor,
        case_id,
        lock_version,
        edit,
        section=section,
        item_id=part_id,
        check=_check(actor, section, part_id),
    )
    return SavedPart(case, find_part(case, section, part_id or new_id[0]))


def save_assumption(
    actor: User, case_id: int, lock_version: int | None, row_id: str | None, values: Any
) -> SavedPart:
    return _save(actor, case_id, lock_version, "assumptions", row_id, values)


def save_cost(
    actor: User, case_id: int, lock_version: int | None, row_id: str | None, values: Any
) -> SavedPart:
    return _save(actor, case_id, lock_version, "costs", row_id, values)


def save_benefit(
    actor: User, case_id: int, lock_version: int | None, row_id: str | None, values: Any
) -> SavedPart:
    return _save(actor, case_id, lock_version, "benefits", row_id, values)


def save_scenario(
    actor: User, case_id: int, lock_version: int | None, row_id: str | None, values: Any
) -> SavedPart:
    return _save(actor, case_id, lock_version, "scenarios", row_id, values)


def uses_of_assumption(case: Case, key: str) -> list[str]:
    """Where an assumption is used, in words: lines by name, scenarios by name."""
    return casework.uses_of_assumption(services.document_of(case), key)


def delete_part(
    actor: User, case_id: int, lock_version: int | None, section: str, row_id: str
) -> str:
    """Delete one part; returns what was deleted, in words. An assumption in use is refused."""
    case = services.get_case(case_id)
    part = find_part(case, section, row_id)
    label = part.key if isinstance(part, Assumption) else part.name
    services.apply_edit(
        actor,
        case_id,
        lock_version,
        lambda doc, _retired: casework.remove_item(doc, section, row_id),
        check=_check(actor, section, row_id),
    )
    return f'{PARTS[section]} "{label}"'


def _check_correlations(actor: User) -> Any:
    def check(case: Case) -> None:
        # The pairs it changes decide whose right it takes (rights.require_rights_for).
        if not permissions.can_edit_anything(actor, case):
            permissions.require_edit(actor, case)

    return check


def add_correlation(
    actor: User, case_id: int, lock_version: int | None, values: Mapping[str, Any]
) -> Case:
    """Append a rank-correlation pair; the loader refuses a bad pair or matrix."""

    def edit(doc: casework.Document, _retired: frozenset[str]) -> casework.Document:
        return casework.set_correlations(doc, [*doc.get("correlations", []), dict(values)])

    return services.apply_edit(actor, case_id, lock_version, edit, check=_check_correlations(actor))


def remove_correlation(actor: User, case_id: int, lock_version: int | None, index: int) -> str:
    """Remove the ``index``-th pair; returns it in words."""
    pairs = services.document_of(services.get_case(case_id)).get("correlations", [])
    if not 0 <= index < len(pairs):
        raise NotFound("This case has no such correlation.")
    gone = pairs[index]

    def edit(doc: casework.Document, _retired: frozenset[str]) -> casework.Document:
        return casework.set_correlations(
            doc, [p for i, p in enumerate(doc.get("correlations", [])) if i != index]
        )

    services.apply_edit(actor, case_id, lock_version, edit, check=_check_correlations(actor))
    return f'the correlation of "{gone["a"]}" and "{gone["b"]}"'
