"""The referrals kind against a calculator written here, month by month, with no numpy.

Word of mouth: in month t the initiative wins customers × referral_uplift × a_t new
customers (a_t the ramp), who then churn at the baseline rate and pay arpu × margin.
"""

from __future__ import annotations

import pytest

from cxroi.engine import analyse, load_case
from tests.unit.workbook.cases import referrals_doc


def by_hand(doc: dict) -> tuple[list[float], float]:
    """Monthly net flows and NPV of a case with one once-cost and one referrals line."""
    horizon, rate = doc["horizon_months"], doc["discount_rate"]
    values = {a["key"]: a["value"] for a in doc["assumptions"]}
    (cost,) = doc["costs"]
    (line,) = doc["benefits"]

    def value(name: str) -> float:
        v = line[name]
        return values[v] if isinstance(v, str) else float(v)

    retention = (1.0 - value("annual_churn")) ** (1.0 / 12.0)  # 1 - monthly churn
    start, months = line["ramp_start"], line["ramp_months"]
    referred = 0.0
    flows = []
    for t in range(horizon + 1):
        outflow = float(cost["amount"]) if t == cost.get("month", 0) else 0.0
        if t == 0:
            flows.append(-outflow)
            continue
        ramp = 0.0 if t < start else (1.0 if months <= 1 else min(1.0, (t - start + 1) / months))
        won = value("customers") * value("referral_uplift") * ramp
        referred = referred * retention + won
        benefit = referred * value("arpu") * value("margin") * (1.0 - line["risk"])
        flows.append(benefit - outflow)
    monthly = (1.0 + rate) ** (1.0 / 12.0) - 1.0
    npv = sum(f / (1.0 + monthly) ** t for t, f in enumerate(flows))
    return flows, npv


def test_referrals_match_a_month_by_month_calculation() -> None:
    doc = referrals_doc()
    flows, npv = by_hand(doc)
    result = analyse(load_case(doc), trials=0)
    assert list(result.cashflow.net) == pytest.approx(flows, abs=1e-6)
    assert result.metrics.npv == pytest.approx(npv, abs=0.01)
    # The numbers are not trivial: customers are won from month 2 and keep paying.
    assert flows[1] == pytest.approx(0.0) and flows[2] > 0 and flows[30] > flows[5]
    assert npv == pytest.approx(result.metrics.npv, rel=1e-12)


def test_referred_customers_keep_paying_after_the_ramp_and_churn_away_slowly() -> None:
    doc = referrals_doc()
    doc["benefits"][0].update(ramp_start=1, ramp_months=0, risk=0.0)
    doc["costs"][0]["amount"] = 0
    flows, _ = by_hand(doc)
    # With a constant intake N and retention r, R_t = N (1 - r^t) / (1 - r).
    n = 40_000 * 0.0025
    r = 0.8 ** (1 / 12)
    assert flows[12] == pytest.approx(n * (1 - r**12) / (1 - r) * 25 * 0.6, rel=1e-12)
    assert list(analyse(load_case(doc), trials=0).cashflow.net) == pytest.approx(flows, rel=1e-12)
