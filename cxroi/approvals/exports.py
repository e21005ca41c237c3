"""The finance workbook of a frozen version, with its version stamp and audit trail.

Built from the version's stored case file (not the live case), by
``cxroi.workbook.build_workbook`` (issue 4). Until that function is present on the
branch, the download answers 501 with a message instead of failing.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app

from cxroi.approvals.errors import DomainError
from cxroi.audit.services import events_for_case
from cxroi.engine import analyse, load_case
from models import Case
from models.approval import CaseVersion


class WorkbookUnavailable(DomainError):
    status = 501


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60] or "case"


def version_workbook(version: CaseVersion, case: Case) -> tuple[bytes, str]:
    """(xlsx bytes, file name) of the workbook of exactly this version."""
    try:
        from cxroi.workbook import build_workbook
    except ImportError:
        raise WorkbookUnavailable(
            "The workbook export is not installed in this build (cxroi.workbook, issue 4)."
        ) from None
    frozen = load_case(version.case_json)
    result = analyse(frozen, trials=current_app.config.get("MC_TRIALS", 10_000))
    kwargs: dict[str, Any] = {}
    try:
        from cxroi.workbook import AuditRow, WorkbookVersion
    except ImportError:  # an older build_workbook(case, result)
        pass
    else:
        status = "superseded" if version.superseded_at else case.status.replace("_", " ")
        kwargs["version"] = WorkbookVersion(
            status=status,
            number=version.number,
            case_hash=version.case_hash,
            frozen_at=version.frozen_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
        kwargs["audit"] = [
            AuditRow(
                when=e.at.strftime("%Y-%m-%d %H:%M:%S"),
                who=e.actor,
                what=" ".join(x for x in (e.entity, e.action, e.field or "") if x),
                old=e.old,
                new=e.new,
            )
            for e in events_for_case(case.id)
        ]
    data = build_workbook(frozen, result, **kwargs)
    return data, f"{_slug(frozen.title)}-v{version.number}-{version.short_hash}.xlsx"
