"""Every change through the services leaves an audit row: who, when, what, old → new."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cxroi.audit.services import events_for_case
from cxroi.cases import parts, services
from cxroi.extensions import db
from models import AuditEvent

ASSUMPTION = {
    "key": "pilot_uplift",
    "label": "Pilot uplift",
    "value": 0.1,
    "unit": "ratio",
    "low": 0.05,
    "high": 0.15,
    "source": "Pilot",
    "owner": "CX",
    "confidence": "low",
    "notes": None,
}
COST = {
    "name": "Vendor",
    "category": "technology",
    "department": None,
    "recurrence": "once",
    "month": 0,
    "start_month": None,
    "end_month": None,
    "params": {"amount": 1000.0, "escalation": 0.0, "risk": 0.0},
}
BENEFIT = {
    "name": "Uplift",
    "kind": "custom",
    "ramp_start": 1,
    "ramp_months": 0,
    "params": {"amount": 500.0, "escalation": 0.0, "risk": 0.0},
}


def test_each_kind_of_change_is_recorded_with_actor_and_values(make_case, cx_user, finance_user):
    case = make_case()
    version = case.lock_version
    row = parts.save_assumption(cx_user, case.id, version, None, ASSUMPTION)
    version += 1
    parts.save_assumption(cx_user, case.id, version, row.id, {**ASSUMPTION, "value": 0.12})
    version += 1
    cost = parts.save_cost(cx_user, case.id, version, None, COST)
    version += 1
    benefit = parts.save_benefit(cx_user, case.id, version, None, BENEFIT)
    version += 1
    scenario = parts.save_scenario(
        cx_user, case.id, version, None, {"name": "High", "overrides": {"pilot_uplift": 0.15}}
    )
    version += 1
    for section, row_id in (
        ("scenarios", scenario.id),
        ("benefits", benefit.id),
        ("costs", cost.id),
        ("assumptions", row.id),
    ):
        parts.delete_part(cx_user, case.id, version, section, row_id)
        version += 1
    header = services.header_of(case)
    services.update_case(finance_user, case.id, version, {**header, "discount_rate": 0.11})

    trail = [(e.entity, e.action, e.field, e.old, e.new, e.actor) for e in events_for_case(case.id)]
    assert trail[0][:2] == ("case", "import")
    assert ("assumption", "create", None, None, "pilot_uplift", cx_user.email) in trail
    assert ("assumption", "update", "value", "0.1", "0.12", cx_user.email) in trail
    assert ("cost", "create", None, None, "Vendor", cx_user.email) in trail
    assert ("benefit", "create", None, None, "Uplift", cx_user.email) in trail
    assert ("scenario", "create", None, None, "High", cx_user.email) in trail
    deleted = [t[0] for t in trail if t[1] == "delete"]
    assert deleted == ["scenario", "benefit", "cost", "assumption"]
    assert ("case", "update", "discount_rate", "0.09", "0.11", finance_user.email) in trail
    assert all(e.at is not None for e in events_for_case(case.id))


def test_refused_changes_leave_no_trace(make_case, cx_user):
    case = make_case()
    before = db.session.scalars(select(AuditEvent)).all()
    with pytest.raises(services.CaseInvalid):
        parts.save_assumption(cx_user, case.id, case.lock_version, None, {**ASSUMPTION, "low": 0.2})
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent)).all() == before
