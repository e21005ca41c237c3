"""Properties that hold for every valid case (hypothesis)."""

from __future__ import annotations

import copy
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cxroi.engine import analyse, case_hash, load_case
from cxroi.engine.analysis import monte_carlo
from cxroi.engine.pricing import evaluate_metrics
from cxroi.engine.timeline import Timeline
from tests.strategies import case_documents, scale_money

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(case_documents())
def test_at_a_zero_rate_npv_is_the_sum_of_net_flows(doc: dict[str, Any]) -> None:
    doc["discount_rate"] = 0.0
    result = analyse(load_case(doc), trials=0)
    assert result.metrics.npv == pytest.approx(float(result.cashflow.net.sum()), abs=1e-6)


@SETTINGS
@given(case_documents(), st.floats(min_value=0.01, max_value=100))
def test_scaling_every_amount_scales_npv_and_keeps_irr_and_payback(
    doc: dict[str, Any], k: float
) -> None:
    base = analyse(load_case(doc), trials=0).metrics
    scaled = analyse(load_case(scale_money(doc, k)), trials=0).metrics
    assert scaled.npv == pytest.approx(base.npv * k, rel=1e-9, abs=1e-6)
    assert (scaled.payback_months is None) == (base.payback_months is None)
    if base.payback_months is not None and scaled.payback_months is not None:
        assert scaled.payback_months == pytest.approx(base.payback_months, abs=1e-6)
    assert scaled.irr_note == base.irr_note
    if base.irr is not None and scaled.irr is not None:
        assert scaled.irr == pytest.approx(base.irr, rel=1e-6, abs=1e-9)


@SETTINGS
@given(case_documents(), st.data())
def test_raising_a_benefit_risk_never_raises_npv(doc: dict[str, Any], data: st.DataObject) -> None:
    assume(doc["benefits"])
    i = data.draw(st.integers(0, len(doc["benefits"]) - 1))
    riskier = copy.deepcopy(doc)
    riskier["benefits"][i]["risk"] = data.draw(
        st.floats(min_value=doc["benefits"][i]["risk"], max_value=0.99)
    )
    before = evaluate_metrics(load_case(doc)).npv
    after = evaluate_metrics(load_case(riskier)).npv
    assert after <= before + 1e-6 * max(1.0, abs(before))


@SETTINGS
@given(case_documents())
def test_payback_is_null_or_within_the_horizon(doc: dict[str, Any]) -> None:
    m = analyse(load_case(doc), trials=0).metrics
    for value in (m.payback_months, m.discounted_payback_months):
        assert value is None or 0 <= value <= doc["horizon_months"]


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


@SETTINGS
@given(case_documents(), st.integers(0, 2**32))
def test_canonical_hash_ignores_key_order_and_number_spelling(
    doc: dict[str, Any], seed: int
) -> None:
    rng = random.Random(seed)
    respelled = shuffled(doc, rng)
    respelled["horizon_months"] = float(doc["horizon_months"])  # 24 and 24.0 are one number
    assert case_hash(load_case(respelled)) == case_hash(load_case(doc))


@SETTINGS
@given(case_documents(), st.integers(0, 2**31))
def test_monte_carlo_with_a_seed_is_reproducible(doc: dict[str, Any], seed: int) -> None:
    case = load_case(doc)
    tl = Timeline.of(case.horizon_months, case.discount_rate)
    first = monte_carlo(case, tl, trials=500, seed=seed)
    assert monte_carlo(case, tl, trials=500, seed=seed) == first
    # Chunking changes only the order of floating-point sums, never the draws.
    chunked = monte_carlo(case, tl, trials=500, seed=seed, chunk=97)
    if first is None or chunked is None:
        assert first is chunked is None
        return
    for name in ("mean", "p10", "p50", "p90"):
        assert getattr(chunked, name) == pytest.approx(getattr(first, name), rel=1e-9, abs=1e-6)
    assert chunked.prob_npv_positive == pytest.approx(first.prob_npv_positive, abs=0.01)


def test_monte_carlo_p50_is_near_the_base_npv_for_symmetric_ranges() -> None:
    doc = {
        "format": "cxroi-case/1",
        "title": "Symmetric",
        "currency": "EUR",
        "start_month": "2027-01",
        "horizon_months": 36,
        "discount_rate": 0.08,
        "assumptions": [
            {
                "key": "fee",
                "label": "Fee",
                "value": 50000,
                "unit": "EUR",
                "low": 30000,
                "high": 70000,
            },
            {
                "key": "saving",
                "label": "Saving",
                "value": 4000,
                "unit": "EUR/month",
                "low": 3000,
                "high": 5000,
            },
        ],
        "costs": [{"name": "Fee", "category": "x", "recurrence": "once", "amount": "fee"}],
        "benefits": [{"name": "Saving", "kind": "custom", "amount": "saving"}],
    }
    case = load_case(doc)
    result = analyse(case, trials=20_000, seed=7)
    mc = result.monte_carlo
    assert mc is not None
    assert mc.p50 == pytest.approx(result.metrics.npv, rel=0.01)
    assert mc.mean == pytest.approx(result.metrics.npv, rel=0.01)
    assert mc.p10 < mc.p50 < mc.p90
    assert sum(mc.histogram_counts) == 20_000
    assert np.isclose(mc.histogram_edges[0], mc.p10 - (mc.p10 - mc.histogram_edges[0]))
