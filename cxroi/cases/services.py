"""Creating and changing cases: one pipeline for every edit.

A case is stored as its document. Every change, from a form, an import or the API,
goes the same way (:func:`apply_edit`): load the case, check permission and the
optimistic lock, apply a pure edit from :mod:`cxroi.casework` to the document,
validate the result once (the engine's loader), derive the rights the change needs
from what it changed, take the ``reopen`` step if the case is frozen (a new draft;
the frozen version is superseded, see :mod:`cxroi.workflow`), price it once, and
store the document, its hash, the result and the list columns together with the
audit rows in one commit. Who may change what is :mod:`cxroi.cases.rights`; case files
in and out (import, templates, copies, workbook uploads, the API's replace, export) are
:mod:`cxroi.cases.casefiles`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from cxroi import casework, orgsettings, simulations, workflow
from cxroi.approvals.steps import start_new_draft_if_frozen
from cxroi.audit.services import record_change, record_field_changes
from cxroi.cases import permissions, rights
from cxroi.engine import (
    CaseFile,
    CaseValidationError,
    Issue,
    analyse,
    canonical_json,
    case_hash,
    case_to_dict,
    load_case,
    result_to_dict,
)
from cxroi.engine.loader import assign_ids
from cxroi.engine.review_items import effects_to_dict, npv_effects
from cxroi.errors import DomainError, NotFound, StaleEdit
from cxroi.extensions import db
from models import AuditEvent, Case, User
from models._types import utcnow

HEADER_FIELDS = casework.DETAIL_FIELDS
SECTION_NOUNS = {
    "assumptions": "Assumption",
    "costs": "Cost",
    "benefits": "Benefit",
    "scenarios": "Scenario",
}
#: The audit trail's name for an item of each section.
ENTITIES = {
    "assumptions": "assumption",
    "costs": "cost",
    "benefits": "benefit",
    "scenarios": "scenario",
}
_PATH = re.compile(r"^(assumptions|costs|benefits|scenarios)\[(\d+)\](?:\.([A-Za-z_]+))?(.*)$")

Document = dict[str, Any]
Edit = Callable[[Document, frozenset[str]], Document]
"""An edit of a document, given the ids the case used before (never to be reused)."""


class CaseInvalid(DomainError):
    """The case would break a rule of the case format; errors are sorted by form field."""

    status = 400

    def __init__(
        self,
        issues: Iterable[Issue],
        doc: Mapping[str, Any],
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


class ImportInvalid(CaseInvalid):
    """An uploaded or posted document is not a valid case; ``issues`` has every problem."""

    def __init__(self, issues: list[Issue], doc: Mapping[str, Any] | None = None) -> None:
        super().__init__(issues, doc or {})
        self.message = f"{len(issues)} problem(s) in the case file"


class PartInUse(DomainError):
    """An assumption cannot go while lines or scenarios use it."""

    status = 409


class PreconditionFailed(DomainError):
    """The document was changed since the caller read it (a stale ETag)."""

    status = 412


def _sentence(message: str) -> str:
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


def _field_of(path: str, section: str | None, index: int | None) -> str | None:
    match = _PATH.match(path)
    if section is None:  # the case header: top-level fields
        return path if path in HEADER_FIELDS else None
    if match and match.group(1) == section and int(match.group(2)) == index:
        if match.group(3) == "register" and match.group(4).startswith("."):
            return f"register_{match.group(4)[1:]}"  # the register's own form field
        return match.group(3) or None
    return None


def describe_issue(issue: Issue, doc: Mapping[str, Any]) -> str:
    """An issue in words a person recognises: ``Cost "Training", amount: ...``."""
    match = _PATH.match(issue.path)
    if not match:
        return str(issue)
    section, index, field = match.group(1), int(match.group(2)), match.group(3)
    items = doc.get(section) or []
    item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
    name = _label_of(section, item)
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


def document_of(case: Case) -> Document:
    """The case's normalised ``cxroi-case/2`` document (a fresh dict)."""
    return case_to_dict(case.doc)


def header_of(case: Case) -> dict[str, Any]:
    doc = case.doc
    return {name: getattr(doc, name) for name in HEADER_FIELDS}


# -- the one pipeline ------------------------------------------------------------------


def validated(doc: Document, section: str | None = None, index: int | None = None) -> CaseFile:
    """The document as the engine's typed case, or ``CaseInvalid`` with every problem."""
    try:
        return load_case(doc)
    except CaseValidationError as exc:
        raise CaseInvalid(exc.issues, doc, section, index) from None


def store(case: Case, case_file: CaseFile) -> None:
    """Write the document, its hash, the engine's result and the list columns together.

    A valid case whose numbers are too large to price is ``CaseInvalid`` (nothing written).
    Monte Carlo is not run here: the stored result has it only when the simulation of
    this content is cached already; otherwise :func:`simulations.submit`, after the
    commit, starts it as a job.
    """
    try:
        result = analyse(case_file, trials=0)
    except CaseValidationError as exc:
        raise CaseInvalid(exc.issues, case_to_dict(case_file)) from None
    m = result.metrics
    digest = case_hash(case_file)
    stored = result_to_dict(result)
    stored["monte_carlo"] = simulations.cached_statistics(case_file, digest)
    case.document = canonical_json(case_file)
    case.__dict__["_doc_cache"] = (case.document, case_file)  # parsed already: keep it
    case.case_hash = digest
    case.title = case_file.title
    case.description = case_file.description
    case.currency = case_file.currency
    # Each review item's effect on NPV, priced with the case so that no read prices it.
    stored["review_effects"] = effects_to_dict(npv_effects(case_file))
    case.result = stored
    case.computed_at = utcnow()
    case.npv, case.npv_unadjusted = m.npv, result.unadjusted.npv
    case.irr, case.roi, case.bcr = m.irr, m.roi, m.bcr
    # With nothing to price, "pays back in month 0" would rank first by payback: none.
    paybacks = (m.payback_months, m.discounted_payback_months)
    case.payback_months, case.discounted_payback_months = (
        (None, None) if case_file.nothing_to_price else paybacks
    )
    case.total_costs, case.total_benefits = m.total_costs, m.total_benefits
    case.pv_costs, case.pv_benefits = m.pv_costs, m.pv_benefits
    case.npv_per_pv_cost = m.npv / m.pv_costs if m.pv_costs else None
    mc = stored["monte_carlo"]
    case.prob_npv_positive = mc["prob_npv_positive"] if mc else None


def apply_edit(
    actor: User,
    case_id: int,
    lock_version: int | None,
    edit: Edit,
    *,
    section: str | None = None,
    item_id: str | None = None,
    check: Callable[[Case], None] | None = None,
    client_ids: bool = False,
) -> Case:
    """Apply ``edit`` to the case's document: permission, lock, validate once, price, store.

    ``check`` runs first (a page's own permission rule); then the rights the change
    needs are derived from what it changed. ``section`` and ``item_id`` say which item
    a form edits, so that its errors land beside its fields. ``client_ids``: the new
    document came whole from a client (the API), whose ids are checked against the
    case's (:func:`_keep_ids`).
    """
    case = get_case(case_id)
    permissions.require_not_archived(case)
    if check is not None:
        check(case)
    check_lock(case, lock_version)
    before = document_of(case)
    retired = retired_ids(case)
    try:
        after = edit(before, retired)
    except casework.AssumptionInUse as exc:
        raise PartInUse(str(exc)) from None
    except casework.ItemNotFound as exc:
        raise NotFound(f"This case has no such {SECTION_NOUNS[exc.section].lower()}.") from None
    if client_ids:
        after = _keep_ids(before, after, retired)
    index = None
    if section is not None:
        ids = [i.get("id") if isinstance(i, dict) else None for i in after.get(section, [])]
        index = ids.index(item_id) if item_id in ids else len(ids) - 1
    case_file = validated(after, section, index)
    normalised = case_to_dict(case_file)
    rights.require_rights_for(actor, case, before, normalised)
    if normalised == before:
        return case  # nothing changed: no new draft, no new row
    start_new_draft_if_frozen(case, actor)  # editing a frozen case starts a new draft
    _commit(case, case_file, actor, before, normalised)
    return case


def retired_ids(case: Case) -> frozenset[str]:
    """Every id the case's items have had: in its audit trail, reviews and threads."""
    from models.review import AssumptionReview, Comment

    ids: set[str] = set()
    for column, where in (
        (AuditEvent.item_id, AuditEvent.case_id == case.id),
        (AssumptionReview.item_id, AssumptionReview.case_id == case.id),
        (Comment.item_id, Comment.case_id == case.id),
    ):
        ids.update(i for i in db.session.scalars(select(column).where(where).distinct()) if i)
    return frozenset(ids)


def _label_of(section: str, item: Mapping[str, Any]) -> str | None:
    """What people call an item: an assumption's key, a line's or scenario's name (None
    when it is not text: the schema reports that)."""
    label = item.get("key") if section == "assumptions" else item.get("name")
    return label if isinstance(label, str) else None


def _keep_ids(before: Document, after: Document, retired: frozenset[str]) -> Document:
    """A client's document with the case's ids respected.

    An item sent without an id keeps the id of the item of its section with the same
    key (assumptions) or name; one that matches nothing gets a new id. An id may not move
    to another section, nor bring back a deleted item's id (its review and threads
    would follow it): both are errors naming the item.
    """
    if not isinstance(after, dict):
        return after
    sections = {
        item["id"]: section for section in casework.SECTIONS for item in before.get(section, [])
    }
    out = dict(after)
    issues: list[Issue] = []
    for section in casework.SECTIONS:
        items = after.get(section)
        if not isinstance(items, list):
            continue
        known = {_label_of(section, i): i["id"] for i in before.get(section, [])}
        sent = {i.get("id") for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)}
        fresh = []
        for n, item in enumerate(items):
            if isinstance(item, dict):
                item_id = item.get("id")
                if item_id is None:
                    match = known.get(_label_of(section, item))
                    if match is not None and match not in sent:
                        item = {**item, "id": match}
                        sent.add(match)
                elif isinstance(item_id, str) and sections.get(item_id, section) != section:
                    issues.append(
                        Issue(
                            f"{section}[{n}].id",
                            f'"{item_id}" is the id of one of the case\'s '
                            f"{sections[item_id]}; leave it out to add a new item",
                        )
                    )
                elif isinstance(item_id, str) and item_id in retired and item_id not in sections:
                    issues.append(
                        Issue(
                            f"{section}[{n}].id",
                            f'"{item_id}" belonged to an item since deleted; leave it out '
                            "to add a new item",
                        )
                    )
            fresh.append(item)
        out[section] = fresh
    if issues:
        raise CaseInvalid(issues, after)
    return assign_ids(out, retired)


def _commit(
    case: Case, case_file: CaseFile, actor: User, before: Document, after: Document
) -> None:
    """Store, audit and commit; a concurrent save since the lock check is a StaleEdit."""
    try:
        store(case, case_file)  # may autoflush the pending changes: inside the try
        audit_changes(actor, case, before, after)
        case.updated_at = utcnow()
        case.updated_by_id = actor.id
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit() from None
    simulations.submit(case)


# -- the audit trail of a document change ---------------------------------------------------


def audit_changes(actor: User, case: Case, before: Document, after: Document) -> None:
    """One audit row per changed field: the case's own fields, then each item by id."""
    record_field_changes(
        actor=actor,
        entity="case",
        entity_id=case.id,
        case_id=case.id,
        before=before,
        after=after,
        fields=(*HEADER_FIELDS, "correlations"),
    )
    for section, entity in ENTITIES.items():
        old_items = {i["id"]: i for i in before.get(section, [])}
        new_items = {i["id"]: i for i in after.get(section, [])}
        for item_id, item in new_items.items():
            old = old_items.get(item_id)
            if old is None:
                record_change(
                    actor=actor,
                    entity=entity,
                    entity_id=None,
                    item_id=item_id,
                    action="create",
                    case_id=case.id,
                    new=_label_of(section, item),
                )
                continue
            record_field_changes(
                actor=actor,
                entity=entity,
                entity_id=None,
                item_id=item_id,
                case_id=case.id,
                before=old,
                after=item,
            )
        for item_id, old in old_items.items():
            if item_id not in new_items:
                record_change(
                    actor=actor,
                    entity=entity,
                    entity_id=None,
                    item_id=item_id,
                    action="delete",
                    case_id=case.id,
                    old=old,
                )


# -- the case itself -----------------------------------------------------------------


def _empty_document(details: Mapping[str, Any]) -> Document:
    doc: Document = {
        "format": "cxroi-case/2",
        "assumptions": [],
        "costs": [],
        "benefits": [],
        "scenarios": [],
    }
    return casework.set_details(doc, details)


def finance_rate_for(actor: User, requested: float | None, notices: list[str] | None) -> float:
    """The discount rate of a new case ``actor`` creates: theirs only if they set finance's
    inputs, else the organisation's default (with a notice saying so in ``notices``)."""
    if requested is not None and workflow.sets_own_discount_rate(actor.role):
        return requested
    default = orgsettings.default_discount_rate()
    if notices is not None:
        notices.append(orgsettings.rate_notice(default, requested))
    return default


def duplicate_notice(case: Case) -> str | None:
    """A warning when another case has the same title (letter case aside), else None."""
    other = db.session.scalar(
        select(Case)
        .where(func.lower(Case.title) == case.title.lower(), Case.id != case.id)
        .order_by(Case.id)
        .limit(1)
    )
    if other is None:
        return None
    return (
        f'Another case already has the title "{other.title}" (owner '
        f"{other.owner.display_name}, {other.status_label.lower()}). If it is the same "
        "initiative, keep one of them, so that the portfolio does not count it twice."
    )


def warn_if_duplicate(case: Case, notices: list[str] | None) -> Case:
    if notices is not None and (warning := duplicate_notice(case)) is not None:
        notices.append(warning)
    return case


def create_case(actor: User, header: dict[str, Any], *, notices: list[str] | None = None) -> Case:
    """A new draft owned by ``actor``; ``header`` holds :data:`HEADER_FIELDS`.

    The discount rate is finance's: see :func:`finance_rate_for` (``notices`` gets what
    the user should be told)."""
    permissions.require_create(actor)
    header = dict(header)
    header["discount_rate"] = finance_rate_for(actor, header.get("discount_rate"), notices)
    doc = _empty_document(header)
    return warn_if_duplicate(insert_case(actor, validated(doc), "create"), notices)


def insert_case(actor: User, case_file: CaseFile, action: str, origin: str | None = None) -> Case:
    """Price a new case, insert it with its first audit row, commit (version 1).

    ``origin`` says where its content came from (the case cloned, the template used):
    the audit row keeps it as the old value."""
    case = Case(owner_id=actor.id, status=workflow.DRAFT, updated_by_id=actor.id)
    store(case, case_file)
    db.session.add(case)
    db.session.flush()
    record_change(
        actor=actor,
        entity="case",
        entity_id=case.id,
        action=action,
        case_id=case.id,
        old=origin,
        new=case.case_hash,
    )
    db.session.commit()
    simulations.submit(case)
    return case


def update_case(actor: User, case_id: int, lock_version: int, header: dict[str, Any]) -> Case:
    """Change the case's details. Finance changes only the discount rate; CX everything else."""

    def check(case: Case) -> None:
        permissions.require_edit_any(actor, case)

    return apply_edit(
        actor,
        case_id,
        lock_version,
        lambda doc, _retired: casework.set_details(doc, header),
        check=check,
    )
