"""The organisation's settings, stored in the database: the default discount rate, the
status rules of realisation, and the reporting currency with its exchange rates.

Finance or an admin sets them (:func:`cxroi.workflow.may_set_org_settings`), each change
with an audit row. Until someone sets the default rate, it is the configuration's
``DEFAULT_DISCOUNT_RATE``. Every new case created by someone who does not set finance's
inputs (a CX user, by the form, an import or the API) gets this rate.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from cxroi.audit.services import record_change
from cxroi.engine import validate_case
from cxroi.engine.realisation import DEFAULT_RAG_RULES, RagRule
from cxroi.engine.schema import text_problem
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


def _store(actor: User, key: str, text: str, *, old: Any, new: Any) -> None:
    """Write one setting (its JSON ``text``), who and when, and its audit row (``old`` to
    ``new`` as the history shows them); commits."""
    row = db.session.get(OrgSetting, key)
    if row is None:
        row = OrgSetting(key=key)
        db.session.add(row)
    row.value = text
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    record_change(
        actor=actor, entity="setting", entity_id=None, action="update", field=key,
        old=old, new=new,
    )  # fmt: skip
    db.session.commit()


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
    _store(actor, DEFAULT_DISCOUNT_RATE, json.dumps(rate), old=default_discount_rate(), new=rate)
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
    text = _rules_text(rules)
    _store(actor, RAG_RULES, text, old=_rules_text(rag_rules()), new=text)
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


# -- exchange rates to the reporting currency ------------------------------------------------

FX_RATES = "fx_rates"
#: The largest and smallest rate accepted (one unit of a currency in the reporting one).
MAX_FX_RATE = 1_000_000.0
MIN_FX_RATE = 1e-6
#: The earliest as-of date a rate may carry.
EARLIEST_AS_OF = date(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class FxRate:
    """One unit of ``currency`` is ``rate`` units of the reporting currency, as of ``as_of``;
    set by the account ``set_by_id`` on ``set_on``."""

    currency: str
    rate: float
    as_of: date
    set_by_id: int | None
    set_on: date

    @property
    def set_by(self) -> str:
        user = db.session.get(User, self.set_by_id) if self.set_by_id else None
        return user.display_name if user is not None else "someone no longer known"


@dataclass(frozen=True, slots=True)
class FxRates:
    """The organisation's reporting currency and the rates finance set to it."""

    reporting: str
    rates: dict[str, FxRate]

    def rate_of(self, currency: str) -> float | None:
        """What one unit of ``currency`` is in the reporting currency (None: no rate set)."""
        if currency == self.reporting:
            return 1.0
        found = self.rates.get(currency)
        return found.rate if found is not None else None


def _fx_text(reporting: str, rates: dict[str, FxRate]) -> str:
    """The stored (and audited) JSON of the table: sorted, so that verify-audit compares."""
    return json.dumps(
        {
            "reporting": reporting,
            "rates": {
                code: {
                    "rate": r.rate,
                    "as_of": r.as_of.isoformat(),
                    "set_by": r.set_by_id,
                    "set_on": r.set_on.isoformat(),
                }
                for code, r in sorted(rates.items())
            },
        },
        sort_keys=True,
    )


def fx_rates() -> FxRates | None:
    """The reporting currency and its rates, or None until finance chooses the currency."""
    stored = _get(FX_RATES)
    if not isinstance(stored, dict) or not isinstance(stored.get("reporting"), str):
        return None
    rates: dict[str, FxRate] = {}
    for code, r in (stored.get("rates") or {}).items():
        try:
            rates[code] = FxRate(
                code,
                float(r["rate"]),
                date.fromisoformat(r["as_of"]),
                r.get("set_by") if isinstance(r.get("set_by"), int) else None,
                date.fromisoformat(r["set_on"]),
            )
        except (KeyError, TypeError, ValueError):
            continue  # a damaged entry is no rate: its cases stay out of the total
    return FxRates(stored["reporting"], rates)


def known_currencies() -> list[str]:
    """The currencies a rate may be set for: those a case form offers, and any a case uses."""
    from cxroi.cases.forms import CURRENCIES
    from models import Case

    used = db.session.scalars(select(Case.currency).distinct())
    return sorted(set(CURRENCIES) | {c for c in used if c})


def _currency(field: str, raw: str | None) -> str:
    text = (raw or "").strip()
    if (problem := text_problem(text)) is not None:
        raise SettingInvalid(field, f"The currency {problem}.")
    if not text:
        raise SettingInvalid(field, "Choose a currency.")
    code = text.upper()
    if code not in known_currencies():
        shown = text if len(text) <= 12 else text[:12] + "…"
        raise SettingInvalid(
            field,
            f"“{shown}” is not a currency cxroi knows: choose one of "
            f"{', '.join(known_currencies())}.",
        )
    return code


def _write_fx(actor: User, reporting: str, rates: dict[str, FxRate]) -> None:
    row = db.session.get(OrgSetting, FX_RATES)
    text = _fx_text(reporting, rates)
    _store(actor, FX_RATES, text, old=row.value if row is not None else None, new=text)


def set_reporting_currency(actor: User, currency: str | None) -> FxRates:
    """Finance or an admin chooses the currency portfolio totals are converted to; audited;
    commits. A new reporting currency drops the rates set to the old one."""
    if not may_set_org_settings(actor.role):
        raise PermissionDenied("Only finance or an administrator sets the reporting currency.")
    code = _currency("reporting_currency", currency)
    current = fx_rates()
    rates = current.rates if current is not None and current.reporting == code else {}
    _write_fx(actor, code, rates)
    return FxRates(code, rates)


def set_fx_rate(actor: User, currency: str | None, rate: float | None, as_of: str | None) -> FxRate:
    """Finance or an admin sets what one unit of ``currency`` is in the reporting currency,
    as of a date; audited; commits. Each bad value is :class:`SettingInvalid` naming it."""
    if not may_set_org_settings(actor.role):
        raise PermissionDenied("Only finance or an administrator sets exchange rates.")
    current = fx_rates()
    if current is None:
        raise SettingInvalid(
            "reporting_currency", "Choose the reporting currency first: rates are set to it."
        )
    code = _currency("currency", currency)
    if code == current.reporting:
        raise SettingInvalid("currency", f"{code} is the reporting currency: its rate is always 1.")
    if rate is None or not math.isfinite(rate):
        raise SettingInvalid("rate", "The rate must be a number, like 0.86.")
    if rate <= 0:
        raise SettingInvalid("rate", "The rate must be above 0: one unit is worth something.")
    if not MIN_FX_RATE <= rate <= MAX_FX_RATE:
        raise SettingInvalid(
            "rate", f"The rate must be from {MIN_FX_RATE:g} to {MAX_FX_RATE:,.0f}."
        )
    day = _as_of(as_of)
    new = FxRate(code, float(rate), day, actor.id, utcnow().date())
    _write_fx(actor, current.reporting, {**current.rates, code: new})
    return new


def _as_of(raw: str | None) -> date:
    text = (raw or "").strip()
    if (problem := text_problem(text)) is not None:
        raise SettingInvalid("as_of", f"The as-of date {problem}.")
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        raise SettingInvalid("as_of", "Enter the as-of date as YYYY-MM-DD, like 2026-11-01.")
    if day > utcnow().date():
        raise SettingInvalid("as_of", "The as-of date cannot be in the future.")
    if day < EARLIEST_AS_OF:
        raise SettingInvalid("as_of", f"The as-of date must be on or after {EARLIEST_AS_OF}.")
    return day
