"""Realisation of the approved cases: the current version's documents, its actuals, the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from cxroi import orgsettings
from cxroi.approvals.errors import Conflict, NotFound
from cxroi.approvals.versions import current_version, documents
from cxroi.engine import load_case
from cxroi.engine.realisation import Realisation, realise, to_dict
from cxroi.extensions import db
from cxroi.realisation import forecast as finance_forecast
from cxroi.realisation.data import actuals_for
from cxroi.workflow import APPROVED, TAKES_ACTUALS, takes_actuals
from models import Case, CaseVersion


@dataclass(frozen=True)
class Initiative:
    """An approved case with the version it was approved as and its realisation."""

    case: Case
    version: CaseVersion
    realisation: Realisation
    #: The re-forecast with finance's adjusted forecast for the months left (None: finance
    #: has set no value for a month left), and the stored forecast (who set it, when).
    adjusted: Realisation | None = None
    forecast: finance_forecast.Stored = field(
        default_factory=lambda: finance_forecast.Stored({}, None, None)
    )


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
    plain = realise(case_file, result, actuals, rules=rules)
    stored = finance_forecast.stored(case.id)
    adjusted = None
    if stored.values:
        chosen = finance_forecast.forecast_for(stored.values, case_file, len(plain.months))
        if chosen:
            adjusted = realise(case_file, result, actuals, rules=rules, forecast=chosen)
    return Initiative(case, version, plain, adjusted, stored)


def realisation_json(initiative: Initiative) -> dict[str, Any]:
    """The JSON of ``cxroi realisation --json``: the engine's, with finance's adjusted
    forecast beside the plain re-forecast (null when finance has set none)."""
    adjusted, stored = initiative.adjusted, initiative.forecast
    return {
        **to_dict(initiative.realisation),
        "adjusted_forecast_npv": adjusted.forecast_npv if adjusted else None,
        "adjusted_forecast_payback_months": adjusted.forecast_payback_months if adjusted else None,
        "adjusted_forecast_set_by": stored.set_by if adjusted else None,
        "adjusted_forecast_set_at": stored.set_at.isoformat()
        if adjusted and stored.set_at
        else None,
    }


def get_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    return case


def approved_initiatives() -> list[Initiative]:
    """Every live approved case with a current version, by title: the realisation list,
    the council's agenda and its pack. An archived case takes no actuals
    (:func:`~cxroi.workflow.takes_actuals`), so it leaves them until it is restored; its
    own realisation page stays readable."""
    cases = db.session.scalars(
        select(Case)
        .where(Case.status.in_(TAKES_ACTUALS), Case.archived_at.is_(None))
        .order_by(Case.title, Case.id)
    )
    return [
        realisation_of(case)
        for case in cases
        if takes_actuals(case.status, archived=case.archived) and current_version(case) is not None
    ]
