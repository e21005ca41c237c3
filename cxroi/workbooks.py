"""The finance workbook as the web app serves it: of the live case, or of a frozen version.

Both are built by the pure ``cxroi.workbook.build_workbook`` from a case file and a
stored result document, stamped with the case's state and carrying its audit
trail. No download prices anything:

- a version's workbook is built from the version's stored case file and stored
  result, never from the live rows nor the engine, so it shows exactly the numbers
  that were frozen, whatever the engine does later;
- the live case's workbook is built from the result stored at its last save. Only
  when that result is missing or belongs to other content (it should not happen:
  every save stores it) is the case priced, once, for this download.
"""

from __future__ import annotations

from flask import current_app

from cxroi import simulations
from cxroi.approvals.versions import documents
from cxroi.audit.services import events_for_case
from cxroi.engine import (
    CaseFile,
    Result,
    analyse,
    case_hash,
    load_case,
    result_from_dict,
    result_to_dict,
)
from cxroi.workbook import AuditRow, WorkbookVersion, build_workbook, workbook_filename
from models import Case
from models.approval import CaseVersion


def _audit_rows(case: Case) -> list[AuditRow]:
    return [
        AuditRow(
            when=e.at.strftime("%Y-%m-%d %H:%M:%S"),
            who=e.actor,
            what=" ".join(x for x in (e.entity, e.action, e.field or "") if x),
            old=e.old,
            new=e.new,
        )
        for e in events_for_case(case.id)
    ]


def _build(case_file: CaseFile, result: Result, case: Case, version: WorkbookVersion) -> bytes:
    return build_workbook(case_file, result, version=version, audit=_audit_rows(case))


def _live_result(case: Case, case_file: CaseFile, digest: str) -> Result:
    """The result stored at the case's last save; priced now only if it is missing.

    A Monte Carlo simulation not finished yet is run now (or read from the cache), so a
    workbook never says "not run" of a case that has ranges.
    """
    if case.result is not None and case.case_hash == digest:
        return result_from_dict(simulations.complete(case_file, digest, case.result))
    current_app.logger.warning(
        "case %s has no stored result for its content; pricing it for the workbook", case.id
    )
    stored = result_to_dict(analyse(case_file, trials=0))
    return result_from_dict(simulations.complete(case_file, digest, stored))


def case_workbook(case: Case) -> tuple[bytes, str]:
    """(xlsx bytes, file name) of the case as it stands now."""
    case_file = case.doc
    digest = case_hash(case_file)
    stamp = WorkbookVersion(status=case.status_label.lower(), case_hash=digest)
    result = _live_result(case, case_file, digest)
    return _build(case_file, result, case, stamp), workbook_filename(case_file.title)


def version_workbook(version: CaseVersion, case: Case) -> tuple[bytes, str]:
    """(xlsx bytes, file name) of the workbook of exactly this frozen version.

    Read from the version's stored documents only: never priced again.
    """
    frozen = load_case(version.case_json)
    result = result_from_dict(documents(version)[1])
    status = "superseded" if version.superseded_at else case.status.replace("_", " ")
    stamp = WorkbookVersion(
        status=status,
        number=version.number,
        case_hash=version.case_hash,
        frozen_at=version.frozen_at.strftime("%Y-%m-%d %H:%M UTC"),
    )
    name = workbook_filename(frozen.title, stamp).removesuffix(".xlsx")
    return _build(frozen, result, case, stamp), f"{name}-{version.short_hash}.xlsx"
