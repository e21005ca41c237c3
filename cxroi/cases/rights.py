"""Who may change what in a case document: the rights a change needs, from what it changed.

Finance's settings (:data:`~cxroi.engine.casefile.FINANCE_SETTINGS`, the discount rate
and whatever sets it), the assumptions Finance owns and the rank correlations that name
them are Finance's; everything else is the CX owner's. Used by every edit
(:func:`cxroi.cases.services.apply_edit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxroi.cases import permissions
from cxroi.engine.casefile import FINANCE_SETTINGS, owned_by_finance, rate_key_of
from cxroi.formatting import pct
from models import Case, User

Document = dict[str, Any]


def _finance_owned_ids(doc: Mapping[str, Any]) -> set[str]:
    """Finance's assumptions: owner "finance", or the one that sets the discount rate."""
    rate_key = rate_key_of(doc)
    return {
        a["id"]
        for a in doc.get("assumptions", [])
        if owned_by_finance(a.get("owner"), a.get("key"), rate_key)
    }


def _rate_setting(doc: Mapping[str, Any]) -> Any:
    """The discount rate as Finance's setting: the number, or the assumption that sets it
    by its id (so that renaming that assumption changes no setting)."""
    key = rate_key_of(doc)
    if key is None:
        return doc.get("discount_rate")
    ids = {a.get("key"): a.get("id") for a in doc.get("assumptions", [])}
    return ("assumption", ids.get(key, key))


def _split(doc: Mapping[str, Any], finance_ids: set[str]) -> tuple[Any, Any]:
    """(what Finance owns, everything else) of a document.

    A rank-correlation pair that names an assumption Finance owns is Finance's, like the
    assumption's range it shapes; the other pairs are the case's.
    """
    owned = {a["id"]: a for a in doc.get("assumptions", []) if a["id"] in finance_ids}
    # Pairs by the assumptions' ids, so that renaming an assumption changes no pair.
    ids = {a.get("key"): a["id"] for a in doc.get("assumptions", [])}
    pairs = [
        (ids.get(p.get("a"), p.get("a")), ids.get(p.get("b"), p.get("b")), p.get("rho"))
        for p in doc.get("correlations", [])
    ]
    rest = {
        k: v for k, v in doc.items() if k not in (*FINANCE_SETTINGS, "assumptions", "correlations")
    }
    rest["assumptions"] = [a for a in doc.get("assumptions", []) if a["id"] not in finance_ids]
    rest["correlations"] = [p for p in pairs if not finance_ids & {p[0], p[1]}]
    owned_pairs = [p for p in pairs if finance_ids & {p[0], p[1]}]
    settings = {k: doc.get(k) for k in FINANCE_SETTINGS}
    settings["discount_rate"] = _rate_setting(doc)
    return (settings, owned, owned_pairs), rest


def require_rights_for(actor: User, case: Case, before: Document, after: Document) -> None:
    """The rights a change needs, from what it changed.

    Finance's settings (the discount rate and its discounting, the continuing value and
    tax: see :data:`~cxroi.engine.casefile.FINANCE_SETTINGS`) and the assumptions Finance owned
    before the change are finance's to change; everything else is the CX owner's.
    """
    finance_ids = _finance_owned_ids(before)
    (old_settings, old_owned, old_pairs), old_rest = _split(before, finance_ids)
    (new_settings, new_owned, new_pairs), new_rest = _split(after, finance_ids)
    if old_settings["discount_rate"] != new_settings["discount_rate"]:
        key = rate_key_of(before)
        stays = (
            f'set by assumption "{key}"' if key is not None else pct(before.get("discount_rate"))
        )
        permissions.require(
            permissions.can_edit_discount_rate(actor, case),
            f"The discount rate (discount_rate) is set by Finance: it stays "
            f"{stays} and nothing was saved. Keep it at that to change the rest.",
        )
    changed = [k for k in FINANCE_SETTINGS if old_settings[k] != new_settings[k]]
    if changed:
        permissions.require(
            permissions.can_edit_discount_rate(actor, case),
            f"{', '.join(changed)} {'is' if len(changed) == 1 else 'are'} set by Finance "
            f"(discounting, inflation, the continuing value and tax, like the discount rate): "
            f"nothing was saved. "
            f"Keep {'it as it was' if len(changed) == 1 else 'them as they were'} to change"
            f" the rest.",
        )
    if old_owned != new_owned:
        changed = sorted(a.get("key", i) for i, a in old_owned.items() if new_owned.get(i) != a)
        permissions.require(
            permissions.can_edit_discount_rate(actor, case),
            f'Assumption "{", ".join(changed)}" is owned by Finance: only Finance can change it.',
        )
    if old_pairs != new_pairs:
        permissions.require(
            permissions.can_edit_discount_rate(actor, case),
            "A rank correlation with an assumption owned by Finance is set by Finance:"
            " nothing was saved.",
        )
    if old_rest != new_rest:
        permissions.require_edit(actor, case)
