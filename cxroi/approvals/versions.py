"""Frozen versions: freeze on sign-off, supersede on an edit, list and compare.

A version holds the engine's canonical case file and the result document, each
with its SHA-256; every page and workbook of a version reads these stored
documents, so what a sponsor approved can always be traced to exact numbers.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, select

from cxroi import simulations
from cxroi.approvals.diff import VersionDiff, diff_versions
from cxroi.approvals.errors import Conflict, NotFound
from cxroi.engine import CaseValidationError, analyse, canonical_json, case_hash, result_to_dict
from cxroi.engine.loader import assign_ids, upgrade
from cxroi.extensions import db
from models import Case, User
from models._types import utcnow
from models.approval import CaseVersion


def result_json(result: dict[str, Any]) -> str:
    """The stored spelling of a result document (sorted keys, no NaN)."""
    return json.dumps(result, sort_keys=True, separators=(",", ":"), allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_version(case: Case) -> CaseVersion | None:
    """The newest version of the case if it has not been superseded, else None."""
    latest = latest_version(case.id)
    return latest if latest is not None and latest.superseded_at is None else None


def latest_version(case_id: int) -> CaseVersion | None:
    return db.session.scalar(
        select(CaseVersion)
        .where(CaseVersion.case_id == case_id)
        .order_by(CaseVersion.number.desc())
        .limit(1)
    )


def versions_of(case_id: int) -> list[CaseVersion]:
    """Every version of a case, newest first."""
    return list(
        db.session.scalars(
            select(CaseVersion)
            .where(CaseVersion.case_id == case_id)
            .order_by(CaseVersion.number.desc())
        )
    )


def get_version(case_id: int, number: int) -> CaseVersion:
    version = db.session.scalar(
        select(CaseVersion).where(CaseVersion.case_id == case_id, CaseVersion.number == number)
    )
    if version is None:
        raise NotFound(f"Case {case_id} has no version {number}.")
    return version


def freeze(case: Case, signed_off_by: User) -> CaseVersion:
    """Store the case as it is now, with its result, as the next version (no commit).

    The result is the one stored at the last save when it belongs to exactly this
    content (same case hash); otherwise the engine prices the case again. Either way
    it is whole: a Monte Carlo simulation still queued or running is computed now
    (from the cache when it is there), so a version always holds the statistics its
    approval saw; the live case's stored result gets them too.
    """
    try:
        case_file = case.doc
    except CaseValidationError as exc:
        problems = "; ".join(str(i) for i in exc.issues[:5])
        raise Conflict(f"The case cannot be frozen while it has errors: {problems}") from None
    canonical = canonical_json(case_file)
    digest = case_hash(case_file)
    saved = case.result if case.case_hash == digest else None
    stored = simulations.complete(
        case_file, digest, saved or result_to_dict(analyse(case_file, trials=0))
    )
    if saved is not None and stored is not saved:
        case.result = stored
        mc = stored["monte_carlo"]
        case.prob_npv_positive = mc["prob_npv_positive"] if mc else None
    result_text = result_json(stored)
    previous = latest_version(case.id)
    if previous is not None and previous.superseded_at is None:
        previous.superseded_at = utcnow()
        previous.superseded_reason = f"replaced by version {previous.number + 1}"
    number = (
        db.session.scalar(
            select(func.coalesce(func.max(CaseVersion.number), 0)).where(
                CaseVersion.case_id == case.id
            )
        )
        or 0
    ) + 1
    version = CaseVersion(
        case_id=case.id,
        number=number,
        case_json=canonical,
        case_hash=digest,
        result_json=result_text,
        result_hash=sha256_text(result_text),
        frozen_at=utcnow(),
        signed_off_by_id=signed_off_by.id,
        signed_off_by_name=signed_off_by.display_name,
    )
    db.session.add(version)
    db.session.flush()
    return version


def supersede_current(case: Case, reason: str) -> CaseVersion | None:
    """Mark the current version superseded (an edit started a new draft); no commit."""
    version = current_version(case)
    if version is not None:
        version.superseded_at = utcnow()
        version.superseded_reason = reason[:300]
    return version


def documents(version: CaseVersion) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored case document and result document of a version."""
    return json.loads(version.case_json), json.loads(version.result_json)


def integrity_problems(version: CaseVersion) -> list[str]:
    """Whether the stored documents still match their hashes (empty list: they do)."""
    problems = []
    if sha256_text(version.case_json) != version.case_hash:
        problems.append(f"version {version.number}: the case file does not match its hash")
    if sha256_text(version.result_json) != version.result_hash:
        problems.append(f"version {version.number}: the result does not match its hash")
    return problems


def compare(
    case_id: int, old_number: int, new_number: int
) -> tuple[CaseVersion, CaseVersion, VersionDiff]:
    old, new = get_version(case_id, old_number), get_version(case_id, new_number)
    (old_case, old_result), (new_case, new_result) = documents(old), documents(new)
    # A version frozen as cxroi-case/1 is compared as the /2 document it upgrades to.
    old_case, new_case = assign_ids(upgrade(old_case)), assign_ids(upgrade(new_case))
    return old, new, diff_versions(old_case, new_case, old_result, new_result)
