"""Case files in and out: a new case from a document, an upload, a template or a copy;
an edited workbook read back; the API's whole-document replace; the export. Each goes
through the one edit pipeline of :mod:`cxroi.cases.services`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from cxroi import workflow
from cxroi.cases import permissions, starters
from cxroi.cases.services import (
    CaseInvalid,
    ImportInvalid,
    PreconditionFailed,
    apply_edit,
    document_of,
    finance_rate_for,
    get_case,
    insert_case,
    warn_if_duplicate,
)
from cxroi.engine import CaseValidationError, Issue, load_case, pretty_json
from cxroi.engine.loader import parse_json
from cxroi.errors import DomainError, NotFound
from cxroi.extensions import db
from cxroi.workbook import readback
from cxroi.workbook.readback import Change, WorkbookUnreadable
from models import Case, User


def create_from_document(
    actor: User,
    doc: Any,
    action: str = "import",
    *,
    notices: list[str] | None = None,
    origin: str | None = None,
) -> Case:
    """A new draft case from a case document (``/1`` or ``/2``); its ids are kept (commits).

    The discount rate is finance's: a CX user's document gets the organisation's default
    (:func:`~cxroi.cases.services.finance_rate_for`; ``notices`` gets what the user should
    be told)."""
    permissions.require_create(actor)
    if not isinstance(doc, dict):
        raise ImportInvalid([Issue("", "a case file must be a JSON object")])
    try:
        case_file = load_case(doc)
    except CaseValidationError as exc:
        raise ImportInvalid(list(exc.issues), doc) from None
    rate = finance_rate_for(actor, case_file.discount_rate, notices)
    if rate != case_file.discount_rate or not workflow.sets_own_discount_rate(actor.role):
        # Not theirs to set: the default, and no assumption sets it (the key is dropped).
        case_file = dataclasses.replace(case_file, discount_rate=rate, discount_rate_key=None)
    try:
        case = insert_case(actor, case_file, action, origin)
    except ImportInvalid:
        raise
    except CaseInvalid as exc:  # valid, but too large to price
        db.session.rollback()
        raise ImportInvalid(exc.issues, doc) from None
    return warn_if_duplicate(case, notices)


def create_from_starter(actor: User, slug: str, *, notices: list[str] | None = None) -> Case:
    """A new draft from a case template (:mod:`cxroi.cases.starters`), like an import."""
    permissions.require_create(actor)
    doc = starters.starter_document(slug)
    if doc is None:
        raise NotFound("There is no such template. Choose one of those listed.")
    return create_from_document(
        actor, doc, "create", notices=notices, origin=f"template {starters.BY_SLUG[slug].name}"
    )


def clone_case(actor: User, case_id: int, *, notices: list[str] | None = None) -> Case:
    """A new draft owned by ``actor`` with the content of case ``case_id`` as it stands.

    Only the document is copied (its ids, narrative, notes and register): reviews,
    comments, versions, approvals and actuals belong to the original. The title says
    it is a copy; the discount rate follows the rule for any new case."""
    permissions.require_create(actor)
    source = get_case(case_id)
    doc = document_of(source)
    doc["title"] = _copy_title(str(doc["title"]))
    return create_from_document(
        actor, doc, "clone", notices=notices, origin=f"case {source.id} #{source.case_hash}"
    )


def _copy_title(title: str) -> str:
    """ "Copy of <title>", within the title's 200 characters.

    >>> _copy_title("Returns portal")
    'Copy of Returns portal'
    >>> len(_copy_title("x" * 200))
    200
    """
    text = f"Copy of {title}"
    return text if len(text) <= 200 else text[:199] + "…"


class WorkbookStale(DomainError):
    """An uploaded workbook was exported from other content than the case has now."""

    status = 409


def workbook_changes(actor: User, case_id: int, data: bytes) -> tuple[Case, list[Change]]:
    """The case and the input changes an edited cxroi workbook of it carries (nothing saved).

    The workbook must be of the case's current content (its Summary's hash): read
    against older content, a cell could land on another input.
    """
    case = get_case(case_id)
    permissions.require_edit_any(actor, case)
    exported = readback.content_hash(data)
    if exported is None:
        raise WorkbookUnreadable(
            [("file", "carries no case hash: upload a workbook downloaded from this case")]
        )
    if exported != case.case_hash:
        raise WorkbookStale(
            f"This workbook was downloaded from other content (#{exported[:10]}) than the "
            f"case has now (#{(case.case_hash or '')[:10]}): someone changed the case since. "
            "Download the workbook again and make your edits in it. Nothing was saved."
        )
    return case, readback.read_changes(case.doc, data)


def apply_workbook_changes(
    actor: User, case_id: int, base_hash: str, values: Mapping[str, float]
) -> Case:
    """Apply input values read from a workbook (by Inputs cell: ``{"C17": 70400}``) as one
    audited edit of the case.

    Only the workbook's input cells may be set, and only on the content they were read
    against; who may change what is decided as for any edit (finance's values stay
    finance's)."""
    case = get_case(case_id)
    permissions.require_edit_any(actor, case)
    if base_hash != case.case_hash:
        raise WorkbookStale(
            "The case changed after the workbook was read: upload it again to see the "
            "changes against the case as it is now. Nothing was saved."
        )
    inputs = {cell.ref: cell for cell in readback.input_cells(case.doc)}
    unknown = sorted(set(values) - set(inputs))
    if unknown:
        raise ImportInvalid(
            [Issue("changes", f"{', '.join(unknown[:5])} is not an input cell of the workbook")]
        )
    changes = [(inputs[ref].path, float(value)) for ref, value in values.items()]
    return apply_edit(
        actor,
        case_id,
        case.lock_version,
        lambda doc, _retired: readback.apply_changes(doc, changes),
    )


def import_case(actor: User, data: bytes, *, notices: list[str] | None = None) -> Case:
    """A new draft case from an uploaded case file (commits); see create_from_document."""
    permissions.require_create(actor)
    try:
        doc = parse_json(data)
    except CaseValidationError as exc:
        raise ImportInvalid(list(exc.issues)) from None
    return create_from_document(actor, doc, notices=notices)


def replace_document(actor: User, case_id: int, doc: Any, if_match: str) -> Case:
    """Replace the whole document of a case, if it is still the one the caller read.

    ``if_match`` is the case hash the caller saw (the API's ETag); a case changed since
    is refused with ``PreconditionFailed`` and nothing is written.
    """
    case = get_case(case_id)
    permissions.require_edit_any(actor, case)
    if if_match != case.case_hash:
        raise PreconditionFailed(
            "The case changed since you read it: get it again and reapply your change."
        )
    if not isinstance(doc, dict):
        raise ImportInvalid([Issue("", "a case file must be a JSON object")])
    return apply_edit(
        actor, case_id, case.lock_version, lambda _old, _retired: dict(doc), client_ids=True
    )


def export_case(case: Case) -> tuple[str, str]:
    """``(file name, JSON text)`` of the case as ``cxroi-case/2``."""
    slug = re.sub(r"[^a-z0-9]+", "-", case.title.lower()).strip("-")[:60] or "case"
    return f"{slug}.cxroi.json", pretty_json(case.doc)
