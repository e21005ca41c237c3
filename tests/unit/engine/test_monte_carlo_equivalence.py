"""The restructured Monte Carlo (issue 11) gives today's statistics for the same seed.

The oracle is ``_mc_reference.py``, a frozen copy of the Monte Carlo as it was: the
same case and seed must give the same draws, so the same statistics to 1e-9 relative
(they differ only by the order of floating-point sums, about 1e-15), and the very same
histogram counts and probabilities.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from cxroi.engine import KINDS, load_case, load_case_file
from cxroi.engine.analysis import _draw_streams, _spread, monte_carlo, sample_assumptions
from cxroi.engine.casefile import CaseFile
from cxroi.engine.kinds import COST_PARAMETERS
from cxroi.engine.timeline import Timeline
from tests.support import reference_case_path, reference_names
from tests.unit.engine import _mc_reference as reference

STATS = ("mean", "std", "p10", "p50", "p90")
EXACT = ("trials", "seed", "sampled", "prob_npv_positive", "prob_payback_within_horizon")


def assert_same_statistics(
    case: CaseFile, trials: int, seed: int, chunk: int | None = None
) -> None:
    tl = Timeline.of(case.horizon_months, case.discount_rate)
    want = reference.monte_carlo(case, tl, trials=trials, seed=seed)
    got = monte_carlo(case, tl, trials=trials, seed=seed, chunk=chunk)
    if want is None:
        assert got is None
        return
    assert got is not None
    for name in STATS:
        assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-9, abs=1e-9), name
    for name in EXACT:
        assert getattr(got, name) == getattr(want, name), name
    assert got.histogram_counts == want.histogram_counts
    assert got.histogram_edges == pytest.approx(want.histogram_edges, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("name", reference_names())
@pytest.mark.parametrize("seed", [20_270_101, 7])
def test_reference_cases_keep_their_statistics(name: str, seed: int) -> None:
    # 5,000 trials: two full chunks of 2,048 and a partial one.
    assert_same_statistics(load_case_file(reference_case_path(name)), 5_000, seed)


def test_an_odd_chunk_size_keeps_the_statistics() -> None:
    case = load_case_file(reference_case_path(reference_names()[0]))
    assert_same_statistics(case, 1_000, 3, chunk=97)


def _number(rng: random.Random, example: tuple[float, float]) -> float:
    low, high = example
    return round(rng.uniform(low, high), 4)


def synthetic_case(seed: int) -> dict[str, Any]:
    """A valid case where any parameter of any kind (rates, churn, risk included) may be
    an assumption: ranged, ranged with low == high, or without a range."""
    rng = random.Random(seed)
    horizon = rng.randint(1, 72)
    assumptions: list[dict[str, Any]] = []

    def param(name: str, example: tuple[float, float]) -> Any:
        value = _number(rng, example)
        if rng.random() < 0.5:
            return value
        key = f"{name}_{len(assumptions)}"
        item: dict[str, Any] = {"key": key, "label": key, "value": value, "unit": "x"}
        style = rng.random()
        if style < 0.75:
            low, high = example
            item["low"] = round(max(low, value - rng.uniform(0, 0.3) * (high - low)), 4)
            item["high"] = round(min(high, value + rng.uniform(0, 0.3) * (high - low)), 4)
        elif style < 0.85:
            item["low"] = item["high"] = value
        assumptions.append(item)
        return key

    costs = []
    for _ in range(rng.randint(0, 4)):
        recurrence = rng.choice(["once", "monthly", "annual"])
        line: dict[str, Any] = {"name": "cost", "category": "x", "recurrence": recurrence}
        for p in COST_PARAMETERS:
            line[p.name] = param(p.name, p.example)
        if recurrence == "once":
            line["month"] = rng.randint(0, horizon)
        else:
            line["start_month"] = rng.randint(1, horizon)
            line["end_month"] = rng.randint(line["start_month"], horizon + 12)
        costs.append(line)
    benefits = []
    for kind in rng.sample(sorted(KINDS), k=rng.randint(1, len(KINDS))):
        line = {"name": kind, "kind": kind, "ramp_start": rng.randint(1, horizon)}
        line["ramp_months"] = rng.randint(0, 24)
        for p in KINDS[kind].parameters:
            line[p.name] = param(p.name, p.example)
        line["risk"] = param("risk", (0.0, 0.9))
        benefits.append(line)
    return {
        "format": "cxroi-case/2",
        "title": f"Synthetic {seed}",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": horizon,
        "discount_rate": round(rng.uniform(0, 0.3), 4),
        "assumptions": assumptions,
        "costs": costs,
        "benefits": benefits,
    }


@pytest.mark.parametrize("seed", range(40))
def test_synthetic_cases_keep_their_statistics(seed: int) -> None:
    case = load_case(synthetic_case(seed))
    assert_same_statistics(case, 2_500 if seed % 4 else 300, seed)


def test_the_synthetic_cases_vary_shapes_as_well_as_factors() -> None:
    """The cases above exercise the shaped path: a ranged churn rate or escalation."""
    shaped = 0
    for seed in range(40):
        doc = synthetic_case(seed)
        ranged = {a["key"] for a in doc["assumptions"] if "low" in a and a["low"] < a["high"]}
        for line in doc["benefits"] + doc["costs"]:
            params = ("annual_churn", "reduction", "escalation", "growth", "customers")
            shaped += any(line.get(p) in ranged for p in params)
    assert shaped >= 20


def test_draws_made_chunk_by_chunk_are_todays_draws() -> None:
    case = load_case(synthetic_case(5))
    trials = 1_000
    want = reference.sample_assumptions(case, trials, 11)
    streams = _draw_streams(_spread(case), trials, 11)
    assert streams, "the case should have ranged assumptions"
    for a, rng in streams:
        chunks = [rng.triangular(a.low, a.value, a.high, size=n) for n in (300, 1, 699)]
        assert np.array_equal(np.concatenate(chunks), want[a.key]), a.key
    got = sample_assumptions(case, trials, 11)
    assert list(got) == list(want)
    for key, values in want.items():
        assert np.array_equal(got[key], values), key
