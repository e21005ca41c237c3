"""The approver directory, authority limits and separation of duties.

An administrator keeps the directory (:func:`add_approver`, :func:`update_approver`);
nothing is deleted, an approver is switched off. An approve link goes only to an
approver who :func:`qualifies <refusal>`: active, with a limit in the case's currency
that covers the frozen version's PV of costs, and not one of the case's team (owner,
anyone in its audit trail, its reviewers). The same team rule refuses a decision made
while signed in as a team member (:func:`team_role`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select

from cxroi.approvals import tokens
from cxroi.approvals.errors import InputError, NotFound, PermissionDenied
from cxroi.approvals.ledger import append_entry
from cxroi.approvals.versions import documents
from cxroi.audit.services import record_change, record_field_changes
from cxroi.engine.schema import CURRENCY_PATTERN, MAX_MAGNITUDE
from cxroi.extensions import db
from cxroi.formatting import money
from cxroi.workflow import MANAGE_APPROVERS, has_right
from models import AssumptionReview, AuditEvent, Case, User
from models._types import utcnow
from models.approval import CaseVersion
from models.approver import Approver


class ApproverRefused(PermissionDenied):
    """This person may not receive an approve link, or decide, for this case (403)."""


# -- the directory -----------------------------------------------------------------------


def require_manager(actor: User) -> None:
    if not has_right(actor.role, MANAGE_APPROVERS):
        raise PermissionDenied("Only an administrator can keep the approver directory.")


def list_approvers(actor: User) -> list[Approver]:
    require_manager(actor)
    return list(db.session.scalars(select(Approver).order_by(Approver.name, Approver.id)))


def by_email(email: str) -> Approver | None:
    return db.session.scalar(
        select(Approver).where(func.lower(Approver.email) == (email or "").strip().lower())
    )


def _check(name: str, limit: Any, currency: str) -> tuple[str, float, str]:
    """Trimmed name, the limit as a float and the upper-cased currency, or InputError."""
    name = (name or "").strip()
    if not name:
        raise InputError("name", "Enter the approver's name.")
    if len(name) > 120:
        raise InputError("name", "The name must be 120 characters or fewer.")
    try:
        amount = float(limit)
    except (TypeError, ValueError):
        raise InputError("limit_amount", "Enter the authority limit as a number.") from None
    if isinstance(limit, bool) or not math.isfinite(amount) or not 0 < amount <= MAX_MAGNITUDE:
        raise InputError(
            "limit_amount", "The authority limit must be a positive amount (at most 10^15)."
        )
    code = (currency or "").strip().upper()
    if not CURRENCY_PATTERN.fullmatch(code):
        raise InputError("currency", f"Enter a currency code such as GBP (got {currency!r}).")
    return name, amount, code


def _fields(approver: Approver) -> dict[str, Any]:
    return {
        "name": approver.name,
        "email": approver.email,
        "limit": money(approver.limit_amount, approver.currency),
        "active": approver.active,
    }


def _seal(actor: User, approver: Approver, action: str) -> None:
    append_entry(
        "approver",
        None,
        {"action": action, "approver_id": approver.id, **_fields(approver), "actor": actor.email},
    )


def add_approver(
    actor: User, *, name: str, email: str, limit_amount: Any, currency: str
) -> Approver:
    """A new active approver; commits. The email is unique (case-insensitive)."""
    require_manager(actor)
    name, amount, code = _check(name, limit_amount, currency)
    try:
        _, clean_email = tokens.check_recipient(name, email)
    except tokens.LinkInputError:
        raise InputError(
            "email", "Enter the approver's email address, like name@example.com."
        ) from None
    if by_email(clean_email) is not None:
        raise InputError("email", f"{clean_email} is already in the directory: edit it there.")
    approver = Approver(name=name, email=clean_email, limit_amount=amount, currency=code)
    db.session.add(approver)
    db.session.flush()
    record_change(
        actor=actor,
        entity="approver",
        entity_id=approver.id,
        action="create",
        new=_fields(approver),
    )
    _seal(actor, approver, "create")
    db.session.commit()
    return approver


def update_approver(
    actor: User,
    approver_id: int,
    *,
    name: str,
    limit_amount: Any,
    currency: str,
    active: bool,
) -> Approver:
    """Change an approver's name, limit, currency or switch them on/off; commits.

    The email is the approver's identity and is not changed: switch the entry off and
    add the new address instead.
    """
    require_manager(actor)
    approver = db.session.get(Approver, approver_id)
    if approver is None:
        raise NotFound(f"There is no approver {approver_id}.")
    name, amount, code = _check(name, limit_amount, currency)
    before = _fields(approver)
    approver.name, approver.limit_amount, approver.currency = name, amount, code
    approver.active = bool(active)
    after = _fields(approver)
    if before == after:
        return approver
    approver.updated_at = utcnow()
    record_field_changes(
        actor=actor,
        entity="approver",
        entity_id=approver.id,
        case_id=None,
        before=before,
        after=after,
    )
    _seal(
        actor,
        approver,
        "update"
        if before["active"] == after["active"]
        else ("activate" if approver.active else "deactivate"),
    )
    db.session.commit()
    return approver


# -- authority -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Authority:
    """What an approver's limit must cover: the version's risk-adjusted PV of costs, plus
    the PV of any month in which a benefit line pays out instead of in (a negative
    benefit is money spent all the same)."""

    amount: float
    currency: str

    @property
    def text(self) -> str:
        return money(self.amount, self.currency)


def authority_needed(version: CaseVersion) -> Authority:
    """Read from the frozen version's stored result (the figures the sponsor sees), its
    monthly rate included: a change to the engine never moves an approver's authority."""
    case_doc, result_doc = documents(version)
    needed = float(result_doc["metrics"]["pv_costs"])
    growth = 1.0 + float(result_doc["monthly_rate"])
    # The stored discount factors (the case's discounting convention); (1 + m)^-t where
    # an older result has none.
    stored = result_doc.get("cashflow", {}).get("discount_factor")
    for line in result_doc.get("lines", []):
        if line.get("side") == "benefit":
            values = np.asarray(line["values"], dtype=np.float64)
            if stored is not None and len(stored) == values.size:
                factor = np.asarray(stored, dtype=np.float64)
            else:
                factor = growth ** -np.arange(values.size, dtype=np.float64)  # (1 + m)^-t
            needed -= float(np.minimum(values, 0.0) @ factor)
    return Authority(needed, str(case_doc["currency"]))


def limit_refusal(approver: Approver, needed: Authority) -> str | None:
    """Why ``approver`` may not approve a case needing ``needed``; None when they may."""
    who = approver.address
    if not approver.active:
        return f"{who} is switched off in the approver directory."
    if approver.currency != needed.currency:
        return (
            f"{who}'s authority limit is in {approver.currency}; this case is in {needed.currency}."
        )
    if approver.limit_amount < needed.amount:
        return (
            f"{who}'s authority limit is {money(approver.limit_amount, approver.currency)}, "
            f"below this case's PV of costs (and other outflows) of {needed.text}."
        )
    return None


def team_role(case: Case, email: str) -> str | None:
    """How ``email`` belongs to the case's team ("owns", "reviewed", "edited"), or None.

    The team: the owner, finance users who reviewed or signed off, and every account in
    the case's audit trail. Emails are compared case-insensitively.
    """
    email = (email or "").strip().lower()
    if not email:
        return None
    if case.owner.email.lower() == email:
        return "owns"
    reviewer_ids = select(AssumptionReview.reviewer_id).where(AssumptionReview.case_id == case.id)
    signer_ids = select(CaseVersion.signed_off_by_id).where(CaseVersion.case_id == case.id)
    reviewers = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            func.lower(User.email) == email,
            User.id.in_(reviewer_ids.union(signer_ids).scalar_subquery()),
        )
    )
    if reviewers:
        return "reviewed"
    actor_ids = select(AuditEvent.actor_id).where(
        AuditEvent.case_id == case.id, AuditEvent.actor_id.is_not(None)
    )
    in_trail = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(func.lower(User.email) == email, User.id.in_(actor_ids))
    ) or db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.case_id == case.id, func.lower(AuditEvent.actor) == email)
    )
    return "edited" if in_trail else None


def team_refusal(case: Case, email: str, *, subject: str) -> str | None:
    """The separation-of-duties message for ``email`` (``subject`` names them), or None."""
    role = team_role(case, email)
    if role is None:
        return None
    return (
        f"{subject} {role} this case: whoever owns, edits or reviews a case may not "
        "approve it (separation of duties)."
    )


def approver_for_link(case: Case, version: CaseVersion, email: str) -> Approver:
    """The directory's approver for ``email`` if they may receive an approve link."""
    approver = by_email(email)
    if approver is None:
        raise ApproverRefused(
            f"{email} is not in the approver directory: an approve link goes only to an "
            "approver an administrator has added there. A view link is possible."
        )
    why = limit_refusal(approver, authority_needed(version))
    if why is None:
        why = team_refusal(case, approver.email, subject=approver.address)
    if why is not None:
        raise ApproverRefused(why)
    return approver


def qualifying(case: Case, version: CaseVersion) -> list[Approver]:
    """Active approvers whose limit covers the version and who are not in its team."""
    needed = authority_needed(version)
    candidates = db.session.scalars(
        select(Approver)
        .where(
            Approver.active.is_(True),
            Approver.currency == needed.currency,
            Approver.limit_amount >= needed.amount,
        )
        .order_by(Approver.limit_amount, Approver.name)
    )
    return [a for a in candidates if team_role(case, a.email) is None]
