"""Changing the parts of a case: assumptions, cost lines, benefit lines, scenarios.

Same pipeline as :mod:`cxroi.cases.services`: permission, lock, the whole case
validated after the change, a new draft if the case was frozen, rows changed,
repriced, audited, committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import DeclarativeBase

from cxroi.approvals.steps import start_new_draft_if_frozen
from cxroi.audit.services import record_change, record_field_changes
from cxroi.cases import permissions
from cxroi.cases.services import check_lock, commit_case, get_case, validate_document
from cxroi.errors import DomainError, NotFound
from cxroi.extensions import db
from models import AssumptionRow, BenefitLineRow, Case, CostLineRow, ScenarioRow, User

ASSUMPTION_FIELDS = (
    "key",
    "label",
    "value",
    "unit",
    "low",
    "high",
    "source",
    "owner",
    "confidence",
    "notes",
)
COST_FIELDS = ("name", "category", "department", "recurrence", "month", "start_month", "end_month")
BENEFIT_FIELDS = ("name", "kind", "ramp_start", "ramp_months")

PARTS: dict[str, tuple[type[Any], str, str]] = {
    # section: (model, audit entity, noun for people)
    "assumptions": (AssumptionRow, "assumption", "assumption"),
    "costs": (CostLineRow, "cost", "cost line"),
    "benefits": (BenefitLineRow, "benefit", "benefit line"),
    "scenarios": (ScenarioRow, "scenario", "scenario"),
}


class PartInUse(DomainError):
    """An assumption cannot go while lines or scenarios use it."""

    status = 409


def _find(case: Case, section: str, row_id: int | None) -> Any:
    if row_id is None:
        return None
    for row in getattr(case, section):
        if row.id == row_id:
            return row
    raise NotFound(f"This case has no such {PARTS[section][2]}.")


def _snapshot(row: Any) -> dict[str, Any]:
    """The row's values as audit fields (line parameters flattened)."""
    mapper = type(row).__mapper__
    values = {
        c.key: getattr(row, c.key)
        for c in mapper.column_attrs
        if c.key not in {"id", "case_id", "position", "params", "overrides"}
    }
    for name in ("params", "overrides"):
        if name in mapper.column_attrs:
            values.update(
                {
                    f"{name[:-1] if name == 'params' else name}.{k}": v
                    for k, v in (getattr(row, name) or {}).items()
                }
            )
    return values


def find_part(case: Case, section: str, row_id: int) -> Any:
    return _find(case, section, row_id)


def _save(
    actor: User,
    case_id: int,
    lock_version: int,
    section: str,
    row_id: int | None,
    values: dict[str, Any],
) -> Any:
    model, entity, _noun = PARTS[section]
    case = get_case(case_id)
    rows: list[DeclarativeBase] = getattr(case, section)
    row = _find(case, section, row_id)
    if section == "assumptions":
        permissions.require_edit_assumption(actor, case, row)
    else:
        permissions.require_edit(actor, case)
    check_lock(case, lock_version)

    doc = case.to_case_document()
    probe = model(**values)  # transient: never added to the session
    index = rows.index(row) if row is not None else len(rows)
    items = doc[section]
    if row is not None:
        items[index] = probe.to_document()
    else:
        items.append(probe.to_document())
    renamed = section == "assumptions" and row is not None and row.key != values["key"]
    if renamed:
        _rename_in_document(doc, row.key, values["key"])
    validate_document(doc, section, index)
    start_new_draft_if_frozen(case, actor)  # an edit of a frozen case starts a new draft

    if row is None:
        position = max((r.position for r in rows), default=-1) + 1
        row = model(position=position, **values)
        rows.append(row)
        db.session.flush()
        record_change(
            actor=actor,
            entity=entity,
            entity_id=row.id,
            action="create",
            case_id=case.id,
            new=values.get("key") or values.get("name"),
        )
    else:
        before = _snapshot(row)
        if renamed:
            _rename_in_rows(case, actor, row.key, values["key"])
        for name, value in values.items():
            setattr(row, name, value)
        record_field_changes(
            actor=actor,
            entity=entity,
            entity_id=row.id,
            case_id=case.id,
            before=before,
            after=_snapshot(row),
        )
    commit_case(case, actor)
    return row


def _rename_in_document(doc: dict[str, Any], old: str, new: str) -> None:
    for line in [*doc["costs"], *doc["benefits"]]:
        for name, value in list(line.items()):
            if value == old and name not in {
                "name",
                "kind",
                "category",
                "department",
                "recurrence",
            }:
                line[name] = new
    for scenario in doc.get("scenarios", []):
        if old in scenario["overrides"]:
            scenario["overrides"][new] = scenario["overrides"].pop(old)


def _rename_in_rows(case: Case, actor: User, old: str, new: str) -> None:
    """A renamed assumption keeps its uses: lines and scenarios follow the new key."""
    for line in [*case.costs, *case.benefits]:
        if old in line.params.values():
            line.params = {k: (new if v == old else v) for k, v in line.params.items()}
    for scenario in case.scenarios:
        if old in scenario.overrides:
            scenario.overrides = {
                (new if k == old else k): v for k, v in scenario.overrides.items()
            }


def save_assumption(
    actor: User, case_id: int, lock_version: int, row_id: int | None, values: dict[str, Any]
) -> AssumptionRow:
    return _save(actor, case_id, lock_version, "assumptions", row_id, values)


def save_cost(
    actor: User, case_id: int, lock_version: int, row_id: int | None, values: dict[str, Any]
) -> CostLineRow:
    return _save(actor, case_id, lock_version, "costs", row_id, values)


def save_benefit(
    actor: User, case_id: int, lock_version: int, row_id: int | None, values: dict[str, Any]
) -> BenefitLineRow:
    return _save(actor, case_id, lock_version, "benefits", row_id, values)


def save_scenario(
    actor: User, case_id: int, lock_version: int, row_id: int | None, values: dict[str, Any]
) -> ScenarioRow:
    return _save(actor, case_id, lock_version, "scenarios", row_id, values)


def uses_of_assumption(case: Case, key: str) -> list[str]:
    """Where an assumption is used, in words: lines by name, scenarios by name."""
    uses = [f'cost "{c.name}"' for c in case.costs if key in c.params.values()]
    uses += [f'benefit "{b.name}"' for b in case.benefits if key in b.params.values()]
    uses += [f'scenario "{s.name}"' for s in case.scenarios if key in s.overrides]
    return uses


def delete_part(actor: User, case_id: int, lock_version: int, section: str, row_id: int) -> str:
    """Delete one part; returns what was deleted, in words. An assumption in use is refused."""
    _model, entity, noun = PARTS[section]
    case = get_case(case_id)
    row = _find(case, section, row_id)
    if section == "assumptions":
        permissions.require_edit_assumption(actor, case, row)
    else:
        permissions.require_edit(actor, case)
    check_lock(case, lock_version)
    label = getattr(row, "key", None) or row.name
    if section == "assumptions":
        uses = uses_of_assumption(case, row.key)
        if uses:
            raise PartInUse(
                f'Assumption "{row.key}" cannot be deleted: it is used by {", ".join(uses)}. '
                "Change those first."
            )
    start_new_draft_if_frozen(case, actor)  # an edit of a frozen case starts a new draft
    record_change(
        actor=actor,
        entity=entity,
        entity_id=row.id,
        action="delete",
        case_id=case.id,
        old=_snapshot(row),
    )
    getattr(case, section).remove(row)
    commit_case(case, actor)
    return f'{noun} "{label}"'
