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
from cxroi.engine.realisation import DEFAULT_RAG_RULES, RagRule
from cxroi.errors import DomainError, PermissionDenied
from cxroi.extensions import db
from cxroi.formatting import pct
from cxroi.workflow import may_set_org_settings
from models import OrgSetting, User
from models._types import utcnow

DEFAULT_DISCOUNT_RATE = "default_discount_rate"
RAG_RULES = "rag_rules"


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


def rag_rules() -> tuple[RagRule, ...]:
    """The rules that colour an approved case's realisation: stored, else the defaults."""
    stored = _get(RAG_RULES)
    if isinstance(stored, list):
        try:
            return tuple(
                RagRule(str(r["colour"]), float(r["below_share"]), int(r["months_running"]))
                for r in stored
            )
        except (KeyError, TypeError, ValueError):
            pass
    return DEFAULT_RAG_RULES


def _rules_text(rules: tuple[RagRule, ...]) -> str:
    return json.dumps(
        [
            {"colour": r.colour, "below_share": r.below_share, "months_running": r.months_running}
            for r in rules
        ],
        sort_keys=True,
    )


def set_rag_rules(
    actor: User, amber: tuple[float, int], red: tuple[float, int]
) -> tuple[RagRule, ...]:
    """Finance or an admin sets when a realisation turns amber and red; audited; commits.

    Each is (share of planned benefit, months running): "below 80 % of plan for two
    months running". Red must be at least as strict as amber (a lower share)."""
    if not may_set_org_settings(actor.role):
        raise PermissionDenied("Only finance or an administrator sets the status rules.")
    for colour, (share, months) in (("amber", amber), ("red", red)):
        if not 0 < share <= 1:
            raise SettingInvalid(
                f"{colour}_share", f"The {colour} share must be above 0 % and at most 100 %."
            )
        if not 1 <= months <= 12:
            raise SettingInvalid(f"{colour}_months", f"The {colour} months must be from 1 to 12.")
    if red[0] > amber[0]:
        raise SettingInvalid(
            "red_share", "Red must be stricter than amber: a share at most amber's."
        )
    rules = (RagRule("red", red[0], red[1]), RagRule("amber", amber[0], amber[1]))
    old = _rules_text(rag_rules())
    row = db.session.get(OrgSetting, RAG_RULES)
    if row is None:
        row = OrgSetting(key=RAG_RULES)
        db.session.add(row)
    row.value = _rules_text(rules)
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    record_change(
        actor=actor, entity="setting", entity_id=None, action="update", field=RAG_RULES,
        old=old, new=row.value,
    )  # fmt: skip
    db.session.commit()
    return rules


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
