"""Which NPV a case leads with, and the figures beside it: one rule for every page that
shows a case's headline (the results page, the sponsor's page).

A case with a continuing value says which NPV is its headline (``headline`` in its
``continuing_value`` result: within the horizon, or with the continuing value); without
one the headline is plain NPV. After-tax figures, when the case has a tax rate, sit
beside the pre-tax ones. Everything here reads a stored result document (never prices).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cxroi.engine.metrics import IRR_CAUTION, irr_needs_caution, irr_words
from cxroi.formatting import money, months, pct
from cxroi.labels import expected_npv_label

#: How each continuing value method reads.
CONTINUING_METHODS = {
    "customer_runoff": "customer run-off",
    "gordon_growth": "Gordon growth",
}


@dataclass(frozen=True, slots=True)
class LeadNpv:
    label: str
    adjusted: float
    unadjusted: float


def leads_with_continuing_value(result: Mapping[str, Any]) -> bool:
    return (result.get("continuing_value") or {}).get("headline") == "with_continuing_value"


def lead_npv(result: Mapping[str, Any]) -> LeadNpv:
    """The NPV the case leads with (risk-adjusted and unadjusted), and its name."""
    m, u = result["metrics"], result["unadjusted"]
    cv = result.get("continuing_value")
    if not cv:
        return LeadNpv("NPV", m["npv"], u["npv"])
    if leads_with_continuing_value(result):
        return LeadNpv(
            "NPV with continuing value",
            cv["npv_with_continuing_value"],
            cv["npv_with_continuing_value_unadjusted"],
        )
    return LeadNpv("NPV within the horizon", m["npv"], u["npv"])


def expected_npv(result: Mapping[str, Any], mc: Mapping[str, Any] | None, cur: str) -> str | None:
    """The Monte Carlo mean beside the headline NPV, in words (None without one).

    Monte Carlo prices NPVs within the horizon: beside an NPV with continuing value it
    says so.
    """
    if not mc or mc.get("mean") is None:
        return None
    within = leads_with_continuing_value(result)
    return (
        f"{expected_npv_label(int(mc['trials']), within_horizon=within)}: {money(mc['mean'], cur)}"
    )


def continuing_rows(result: Mapping[str, Any], cur: str) -> list[tuple[str, str, str]]:
    """(label, risk-adjusted, unadjusted) rows: both NPVs and the continuing value's PV."""
    cv = result.get("continuing_value")
    if not cv:
        return []
    m, u = result["metrics"], result["unadjusted"]
    method = CONTINUING_METHODS.get(cv["method"], cv["method"].replace("_", " "))
    if cv.get("growth") is not None:
        method += f", growth {pct(cv['growth'])} a year"
    return [
        ("NPV within the horizon", money(m["npv"], cur), money(u["npv"], cur)),
        (
            f"Continuing value, PV ({method})",
            money(cv["pv"], cur),
            money(cv["pv_unadjusted"], cur),
        ),
        (
            "NPV with continuing value",
            money(cv["npv_with_continuing_value"], cur),
            money(cv["npv_with_continuing_value_unadjusted"], cur),
        ),
    ]


def irr_text(m: Mapping[str, Any]) -> str:
    return irr_words(m.get("irr"), m.get("irr_note"), pct)


def after_tax_rows(result: Mapping[str, Any], cur: str) -> list[tuple[str, str, str]]:
    """After-tax NPV, IRR and payback (risk-adjusted only: the unadjusted column is —)."""
    after = result.get("after_tax")
    if not after:
        return []
    m = after["metrics"]
    lag = f", paid {after['lag_months']} months later" if after["lag_months"] else ""
    tax = f"tax {pct(after['rate'])}{lag}"
    return [
        (f"NPV after tax ({tax})", money(m["npv"], cur), "—"),
        (
            "IRR after tax",
            irr_text(m) + (f" ({IRR_CAUTION})" if irr_needs_caution(m["irr"]) else ""),
            "—",
        ),
        ("Payback after tax", months(m["payback_months"]), "—"),
    ]
