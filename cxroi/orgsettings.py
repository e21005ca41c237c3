"""The organisation's settings, stored in the database: the default discount rate.

Finance or an admin sets them (:func:`cxroi.workflow.may_set_org_settings`), each change
with an audit row. Until someone sets the default rate, it is the configuration's
``DEFAULT_DISCOUNT_RATE``. Every new case created by someone who does not set finance's
inputs (a CX user, by the form, an import or the API) gets this rate.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app

from cxroi.audit.services import record_change
from cxroi.engine import validate_case
from cxroi.errors import DomainError, PermissionDenied
from cxroi.extensions import db
from cxroi.formatting import pct
from cxroi.workflow import may_set_org_settings
from models import OrgSetting, User
from models._types import utcnow

DEFAULT_DISCOUNT_RATE = "default_discount_rate"


class SettingInvalid(DomainError):
    """A setting's value breaks its rule; ``field`` names the setting."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _get(key: str) -> Any:
    row = db.session.get(OrgSetting, key)
    return None if row is None else json.loads(row.value)


def default_discount_rate() -> float:
    """The rate new cases get: the stored setting, else the configuration's default."""
    stored = _get(DEFAULT_DISCOUNT_RATE)
    if isinstance(stored, int | float) and not isinstance(stored, bool):
        return float(stored)
    return float(current_app.config["DEFAULT_DISCOUNT_RATE"])


def _rate_problem(rate: float) -> str | None:
    """What the case format says of this rate (the engine's own rule), or None."""
    doc = {
        "format": "cxroi-case/2",
        "title": "x",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": 12,
        "discount_rate": rate,
    }
    issues = validate_case(doc)
    return "; ".join(i.message for i in issues if i.path == "discount_rate") or None


def set_default_discount_rate(actor: User, rate: float) -> float:
    """Finance or an admin sets the organisation's default rate; audited; commits."""
    if not may_set_org_settings(actor.role):
        raise PermissionDenied("Only finance or an administrator sets the default discount rate.")
    problem = _rate_problem(rate)
    if problem:
        raise SettingInvalid("discount_rate", f"The default discount rate {problem}.")
    old = default_discount_rate()
    row = db.session.get(OrgSetting, DEFAULT_DISCOUNT_RATE)
    if row is None:
        row = OrgSetting(key=DEFAULT_DISCOUNT_RATE)
        db.session.add(row)
    row.value = json.dumps(rate)
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    record_change(
        actor=actor,
        entity="setting",
        entity_id=None,
        action="update",
        field=DEFAULT_DISCOUNT_RATE,
        old=old,
        new=rate,
    )
    db.session.commit()
    return rate


def rate_notice(default: float, requested: float | None) -> str:
    """What a CX user is told when their new case gets the organisation's default rate."""
    if requested is not None and requested != default:
        return (
            f"Finance sets the discount rate: this case uses the organisation's default, "
            f"{pct(default)}, not the {pct(requested)} it was given."
        )
    return (
        f"This case uses the organisation's default discount rate, {pct(default)}, set by Finance."
    )
