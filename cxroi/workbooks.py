"""The finance workbook as the web app serves it: of the live case, or of a frozen version.

Both are built by the pure ``cxroi.workbook.build_workbook`` from a case file and
the engine's result, stamped with the case's state and carrying its audit trail.
A version's workbook is built from the version's stored case file, never from the
live rows, so it shows exactly the numbers that were frozen.
"""

from __future__ import annotations

from flask import current_app

from cxroi.audit.services import events_for_case
from cxroi.engine import CaseFile, analyse, load_case
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


def _build(case_file: CaseFile, case: Case, version: WorkbookVersion) -> bytes:
    # Same trials and seed as when the case was priced, so the Monte Carlo sheet
    # repeats the figures the app shows.
    result = analyse(case_file, trials=current_app.config.get("MC_TRIALS", 10_000))
    return build_workbook(case_file, result, version=version, audit=_audit_rows(case))


def case_workbook(case: Case) -> tuple[bytes, str]:
    """(xlsx bytes, file name) of the case as it stands now."""
    case_file = case.doc
    stamp = WorkbookVersion(status=case.status_label.lower(), case_hash=case.case_hash)
    return _build(case_file, case, stamp), workbook_filename(case_file.title)


def version_workbook(version: CaseVersion, case: Case) -> tuple[bytes, str]:
    """(xlsx bytes, file name) of the workbook of exactly this frozen version."""
    frozen = load_case(version.case_json)
    status = "superseded" if version.superseded_at else case.status.replace("_", " ")
    stamp = WorkbookVersion(
        status=status,
        number=version.number,
        case_hash=version.case_hash,
        frozen_at=version.frozen_at.strftime("%Y-%m-%d %H:%M UTC"),
    )
    name = workbook_filename(frozen.title, stamp).removesuffix(".xlsx")
    return _build(frozen, case, stamp), f"{name}-{version.short_hash}.xlsx"
