"""Creating, changing, importing and exporting cases; every save reprices the case.

Each change is checked in three steps before any row is touched: permission,
the optimistic lock (the ``lock_version`` the form was opened with), and the
whole case document after the change (the engine's validator). Then the rows are
changed, the engine's result and headline metrics are stored on the case, the
audit trail is written, and everything commits together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from cxroi.audit.services import record_change, record_field_changes
from cxroi.cases import permissions
from cxroi.engine import (
    CaseValidationError,
    Issue,
    analyse,
    case_hash,
    load_case,
    pretty_json,
    result_to_dict,
    validate_case,
)
from cxroi.engine.loader import parse_json
from cxroi.errors import DomainError, NotFound, StaleEdit
from cxroi.extensions import db
from models import AssumptionRow, BenefitLineRow, Case, CostLineRow, ScenarioRow, User
from models._types import utcnow

HEADER_FIELDS = (
    "title",
    "description",
    "customer_problem",
    "evidence",
    "currency",
    "start_month",
    "horizon_months",
    "discount_rate",
)
SECTION_NOUNS = {
    "assumptions": "Assumption",
    "costs": "Cost",
    "benefits": "Benefit",
    "scenarios": "Scenario",
}
_PATH = re.compile(r"^(assumptions|costs|benefits|scenarios)\[(\d+)\](?:\.([A-Za-z_]+))?(.*)$")


class CaseInvalid(DomainError):
    """The case would break a rule of ``cxroi-case/1``; errors are sorted by form field."""

    status = 400

    def __init__(
        self,
        issues: Iterable[Issue],
        doc: dict[str, Any],
        section: str | None = None,
        index: int | None = None,
    ) -> None:
        self.issues = list(issues)
        self.field_errors: dict[str, list[str]] = {}
        self.other_errors: list[str] = []
        for issue in self.issues:
            field = _field_of(issue.path, section, index)
            if field:
                self.field_errors.setdefault(field, []).append(_sentence(issue.message))
            else:
                self.other_errors.append(describe_issue(issue, doc))
        super().__init__("; ".join(str(i) for i in self.issues))


def _sentence(message: str) -> str:
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


def _field_of(path: str, section: str | None, index: int | None) -> str | None:
    match = _PATH.match(path)
    if section is None:  # the case header: top-level fields
        return path if path in HEADER_FIELDS else None
    if match and match.group(1) == section and int(match.group(2)) == index:
        return match.group(3) or None
    return None


def describe_issue(issue: Issue, doc: dict[str, Any]) -> str:
    """An issue in words a person recognises: ``Cost "Training", amount: ...``."""
    match = _PATH.match(issue.path)
    if not match:
        return str(issue)
    section, index, field = match.group(1), int(match.group(2)), match.group(3)
    items = doc.get(section) or []
    item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
    name = item.get("key") if section == "assumptions" else item.get("name")
    where = (
        f'{SECTION_NOUNS[section]} "{name}"' if name else f"{SECTION_NOUNS[section]} {index + 1}"
    )
    if field:
        where += f", {field}{match.group(4)}"
    return f"{where}: {issue.message}"


# -- reading -----------------------------------------------------------------------


def get_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("There is no such case. It may have been deleted, or the link is wrong.")
    return case


def check_lock(case: Case, lock_version: int | None) -> None:
    if lock_version is None or int(lock_version) != case.lock_version:
        raise StaleEdit()


# -- the save pipeline ---------------------------------------------------------------


def validate_document(
    doc: dict[str, Any], section: str | None = None, index: int | None = None
) -> None:
    issues = validate_case(doc)
    if issues:
        raise CaseInvalid(issues, doc, section, index)


def reprice(case: Case) -> None:
    """Run the engine on the case's rows and store its answer on the case."""
    case_file = load_case(case.to_case_document())
    result = analyse(case_file, trials=current_app.config["MC_TRIALS"])
    m = result.metrics
    case.result = result_to_dict(result)
    case.case_hash = case_hash(case_file)
    case.computed_at = utcnow()
    case.npv, case.npv_unadjusted = m.npv, result.unadjusted.npv
    case.irr, case.roi, case.bcr = m.irr, m.roi, m.bcr
    case.payback_months = m.payback_months
    case.discounted_payback_months = m.discounted_payback_months
    case.total_costs, case.total_benefits = m.total_costs, m.total_benefits
    case.pv_costs, case.pv_benefits = m.pv_costs, m.pv_benefits
    case.npv_per_pv_cost = m.npv / m.pv_costs if m.pv_costs else None
    mc = result.monte_carlo
    case.prob_npv_positive = mc.prob_npv_positive if mc else None


def commit_case(case: Case, actor: User) -> None:
    """Reprice, stamp and commit; a concurrent save since the lock check is a StaleEdit."""
    try:
        reprice(case)  # may autoflush the pending changes: inside the try
        case.updated_at = utcnow()
        case.updated_by_id = actor.id
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit() from None


def header_of(case: Case) -> dict[str, Any]:
    return {name: getattr(case, name) for name in HEADER_FIELDS}


# -- the case itself -----------------------------------------------------------------


def _header_document(header: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    doc = dict(base)
    for name in ("title", "currency", "start_month", "horizon_months", "discount_rate"):
        doc[name] = header[name]
    if header.get("description"):
        doc["description"] = header["description"]
    else:
        doc.pop("description", None)
    return doc


def create_case(actor: User, header: dict[str, Any]) -> Case:
    """A new draft owned by ``actor``; ``header`` holds :data:`HEADER_FIELDS`."""
    permissions.require_create(actor)
    header = dict(header)
    if header.get("discount_rate") is None:
        header["discount_rate"] = current_app.config["DEFAULT_DISCOUNT_RATE"]
    empty = {"format": "cxroi-case/1", "assumptions": [], "costs": [], "benefits": []}
    validate_document(_header_document(header, empty))
    case = Case(owner_id=actor.id, status="draft", **header)
    return insert_case(case, actor, "create")


def insert_case(case: Case, actor: User, action: str) -> Case:
    """Price a new case, insert it with its first audit row, commit (version 1)."""
    reprice(case)
    case.updated_by_id = actor.id
    db.session.add(case)
    db.session.flush()
    record_change(
        actor=actor,
        entity="case",
        entity_id=case.id,
        action=action,
        case_id=case.id,
        new=case.case_hash,
    )
    db.session.commit()
    return case


def update_case(actor: User, case_id: int, lock_version: int, header: dict[str, Any]) -> Case:
    """Change the case's details. Finance changes only the discount rate; CX everything else."""
    case = get_case(case_id)
    before = header_of(case)
    changed = {k for k in HEADER_FIELDS if k in header and header[k] != before[k]}
    if "discount_rate" in changed:
        permissions.require(
            permissions.can_edit_discount_rate(actor, case),
            "The discount rate is set by Finance.",
        )
    if changed - {"discount_rate"}:
        permissions.require_edit(actor, case)
    if not changed:
        permissions.require(
            permissions.can_edit_anything(actor, case), "You cannot edit this case."
        )
    check_lock(case, lock_version)
    after = {**before, **{k: header[k] for k in changed}}
    validate_document(_header_document(after, case.to_case_document()))
    for name in changed:
        setattr(case, name, after[name])
    record_field_changes(
        actor=actor,
        entity="case",
        entity_id=case.id,
        case_id=case.id,
        before=before,
        after=after,
        fields=HEADER_FIELDS,
    )
    commit_case(case, actor)
    return case


# -- case files in and out -------------------------------------------------------------


class ImportInvalid(DomainError):
    """The uploaded file is not a valid case; ``issues`` lists every problem with its path."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__(f"{len(issues)} problem(s) in the case file")


def import_case(actor: User, data: bytes) -> Case:
    """A new draft case from a ``cxroi-case/1`` file (commits)."""
    permissions.require_create(actor)
    try:
        case_file = load_case(parse_json(data))
    except CaseValidationError as exc:
        raise ImportInvalid(list(exc.issues)) from None
    case = Case(
        owner_id=actor.id,
        status="draft",
        title=case_file.title,
        description=case_file.description,
        currency=case_file.currency,
        start_month=case_file.start_month,
        horizon_months=case_file.horizon_months,
        discount_rate=case_file.discount_rate,
    )
    for i, a in enumerate(case_file.assumptions):
        case.assumptions.append(
            AssumptionRow(
                position=i,
                key=a.key,
                label=a.label,
                value=a.value,
                unit=a.unit,
                low=a.low,
                high=a.high,
                source=a.source,
                owner=a.owner,
                notes=a.notes,
            )
        )
    for i, c in enumerate(case_file.costs):
        once = c.recurrence == "once"
        case.costs.append(
            CostLineRow(
                position=i,
                name=c.name,
                category=c.category,
                department=c.department,
                recurrence=c.recurrence,
                month=c.month if once else None,
                start_month=None if once else c.start_month,
                end_month=None if once else c.end_month,
                params={"amount": c.amount, "escalation": c.escalation, "risk": c.risk},
            )
        )
    for i, b in enumerate(case_file.benefits):
        case.benefits.append(
            BenefitLineRow(
                position=i,
                name=b.name,
                kind=b.kind,
                ramp_start=b.ramp_start,
                ramp_months=b.ramp_months,
                params={**dict(b.params), "risk": b.risk},
            )
        )
    for i, s in enumerate(case_file.scenarios):
        case.scenarios.append(ScenarioRow(position=i, name=s.name, overrides=dict(s.overrides)))
    return insert_case(case, actor, "import")


def export_case(case: Case) -> tuple[str, str]:
    """``(file name, JSON text)`` of the case as ``cxroi-case/1``."""
    slug = re.sub(r"[^a-z0-9]+", "-", case.title.lower()).strip("-")[:60] or "case"
    return f"{slug}.cxroi.json", pretty_json(case.to_case_file())


# -- document API (lead replaces at merge) --------------------------------------------
# The JSON API (cxroi.api) calls only: create_from_document, replace_document, get_case,
# document_of, CaseInvalid / ImportInvalid (``.issues``) and PreconditionFailed.


class PreconditionFailed(DomainError):
    """The case changed since the caller read it: its hash is not the one they sent."""

    status = 412


def document_of(case: Case) -> dict[str, Any]:
    """The case as a normalised ``cxroi-case/1`` document (its hash is ``case.case_hash``)."""
    from cxroi.engine import case_to_dict

    return case_to_dict(case.to_case_file())


def create_from_document(actor: User, doc: dict[str, Any]) -> Case:
    """A new draft owned by ``actor`` from a case document (commits); ImportInvalid if bad."""
    import json

    return import_case(actor, json.dumps(doc, allow_nan=False).encode())


def _rows_of(case_file: Any, confidence: dict[str, str | None]) -> dict[str, list[Any]]:
    """The parts of a case as rows (same building as :func:`import_case`)."""
    rows: dict[str, list[Any]] = {
        "assumptions": [
            AssumptionRow(
                position=i,
                key=a.key,
                label=a.label,
                value=a.value,
                unit=a.unit,
                low=a.low,
                high=a.high,
                source=a.source,
                owner=a.owner,
                notes=a.notes,
                confidence=confidence.get(a.key),
            )
            for i, a in enumerate(case_file.assumptions)
        ],
        "costs": [],
        "benefits": [
            BenefitLineRow(
                position=i,
                name=b.name,
                kind=b.kind,
                ramp_start=b.ramp_start,
                ramp_months=b.ramp_months,
                params={**dict(b.params), "risk": b.risk},
            )
            for i, b in enumerate(case_file.benefits)
        ],
        "scenarios": [
            ScenarioRow(position=i, name=s.name, overrides=dict(s.overrides))
            for i, s in enumerate(case_file.scenarios)
        ],
    }
    for i, c in enumerate(case_file.costs):
        once = c.recurrence == "once"
        rows["costs"].append(
            CostLineRow(
                position=i,
                name=c.name,
                category=c.category,
                department=c.department,
                recurrence=c.recurrence,
                month=c.month if once else None,
                start_month=None if once else c.start_month,
                end_month=None if once else c.end_month,
                params={"amount": c.amount, "escalation": c.escalation, "risk": c.risk},
            )
        )
    return rows


def _require_document_change(
    actor: User, case: Case, old: dict[str, Any], new: dict[str, Any]
) -> None:
    """The web's rules for a whole-document change: what changed decides who may change it."""
    if old == new:
        permissions.require(
            permissions.can_edit_anything(actor, case), "You cannot edit this case."
        )
        return
    if old.get("discount_rate") != new.get("discount_rate"):
        permissions.require(
            permissions.can_edit_discount_rate(actor, case), "The discount rate is set by Finance."
        )
    old_assumptions = {a["key"]: a for a in old["assumptions"]}
    new_assumptions = {a["key"]: a for a in new["assumptions"]}
    for key in old_assumptions.keys() | new_assumptions.keys():
        if old_assumptions.get(key) != new_assumptions.get(key):
            row = case.assumption_by_key(key) if key in old_assumptions else None
            permissions.require_edit_assumption(actor, case, row)
    rest = set(old) | set(new)
    rest -= {"discount_rate", "assumptions"}
    if any(old.get(k) != new.get(k) for k in rest) or list(old_assumptions) != list(
        new_assumptions
    ):
        permissions.require_edit(actor, case)


def replace_document(actor: User, case_id: int, doc: dict[str, Any], if_match: str) -> Case:
    """Replace the whole case by ``doc`` if its hash is still ``if_match`` (commits).

    Checks, in order: the actor may edit the case at all (403), the hash (412), the
    document (CaseInvalid), then what changed against the web's rules (403).
    """
    from cxroi.engine import case_to_dict

    case = get_case(case_id)
    if not permissions.can_edit_anything(actor, case):
        permissions.require_edit(actor, case)  # raises, saying why
    if if_match != case.case_hash:
        raise PreconditionFailed(
            "The case has changed since you read it (its hash is no longer the one you sent). "
            "Nothing was saved: read it again and apply your change to the new version."
        )
    try:
        case_file = load_case(doc)
    except CaseValidationError as exc:
        raise CaseInvalid(exc.issues, doc) from None
    old, new = document_of(case), case_to_dict(case_file)
    _require_document_change(actor, case, old, new)
    if old == new:
        return case
    record_change(
        actor=actor,
        entity="case",
        entity_id=case.id,
        action="replace",
        case_id=case.id,
        old=case.case_hash,
        new=case_hash(case_file),
    )
    for name in ("title", "description", "currency", "start_month", "horizon_months"):
        setattr(case, name, getattr(case_file, name))
    case.discount_rate = case_file.discount_rate
    confidence = {a.key: a.confidence for a in case.assumptions}
    for section, rows in _rows_of(case_file, confidence).items():
        setattr(case, section, rows)
    try:
        commit_case(case, actor)  # a concurrent save since the check: StaleEdit
    except StaleEdit:
        raise PreconditionFailed(
            "The case was changed by someone else while your change was saved. "
            "Nothing was saved: read it again and apply your change to the new version."
        ) from None
    return case
