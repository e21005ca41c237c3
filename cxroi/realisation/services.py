"""Realisation of the approved cases: the current version's documents, its actuals, the engine."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from cxroi import orgsettings
from cxroi.approvals.errors import Conflict, NotFound
from cxroi.approvals.versions import current_version, documents
from cxroi.engine import load_case
from cxroi.engine.realisation import Realisation, realise
from cxroi.extensions import db
from cxroi.realisation.data import actuals_for
from cxroi.workflow import APPROVED
from models import Case, CaseVersion


@dataclass(frozen=True)
class Initiative:
    """An approved case with the version it was approved as and its realisation."""

    case: Case
    version: CaseVersion
    realisation: Realisation


def realisation_of(case: Case) -> Initiative:
    """Realisation of one approved case against its current (approved) version."""
    if case.status != APPROVED:
        raise Conflict(f"Case {case.id} is not approved: realisation needs an approved case.")
    version = current_version(case)
    if version is None:
        raise Conflict(f"Case {case.id} has no current approved version.")
    case_doc, result = documents(version)
    case_file = load_case(case_doc)
    actuals = actuals_for(case.id, case_file)
    rules = orgsettings.rag_rules()
    return Initiative(case, version, realise(case_file, result, actuals, rules=rules))


def get_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    return case


def approved_initiatives() -> list[Initiative]:
    """Every approved case with a current version, by title."""
    cases = db.session.scalars(
        select(Case).where(Case.status == APPROVED).order_by(Case.title, Case.id)
    )
    out = []
    for case in cases:
        if current_version(case) is not None:
            out.append(realisation_of(case))
    return out
