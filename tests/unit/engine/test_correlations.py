"""Issue 13 item 6: rank correlations between assumptions (Iman–Conover).

The rank correlation of the engine's draws is measured here by a Spearman calculator of
this file's own (ranks, then Pearson of the ranks; checked against scipy.stats); a
matrix's validity by its determinant and leading minors, written out by hand. The
default (no pairs) leaves every reference case's draws those of numpy's own stream.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest
from scipy import stats

from cxroi.engine import CaseValidationError, case_to_dict, load_case, load_case_file
from cxroi.engine.analysis import monte_carlo, sample_assumptions
from cxroi.engine.loader import canonical_json
from cxroi.engine.timeline import Timeline
from tests.support import reference_case_path, reference_names

TRIALS = 20_000
SEED = 4242


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho: Pearson's correlation of the ranks (the draws have no ties)."""
    rx = np.empty(len(x))
    ry = np.empty(len(y))
    rx[np.argsort(x)] = np.arange(1, len(x) + 1)
    ry[np.argsort(y)] = np.arange(1, len(y) + 1)
    rx -= rx.mean()
    ry -= ry.mean()
    return float((rx * ry).sum() / np.sqrt((rx * rx).sum() * (ry * ry).sum()))


def drivers_doc(correlations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Two benefit drivers (monthly savings), a cost driver and an uncorrelated fourth,
    each with another distribution; the NPV is linear in each."""
    doc: dict[str, Any] = {
        "format": "cxroi-case/2",
        "title": "Drivers",
        "currency": "GBP",
        "start_month": "2027-01",
        "horizon_months": 24,
        "discount_rate": 0.08,
        "assumptions": [
            {
                "key": "saving_a",
                "label": "A",
                "value": 5000,
                "unit": "GBP",
                "low": 3000,
                "high": 8000,
            },
            {
                "key": "saving_b",
                "label": "B",
                "value": 4000,
                "unit": "GBP",
                "low": 2000,
                "high": 6000,
                "distribution": "pert",
            },
            {
                "key": "run",
                "label": "Run",
                "value": 1500,
                "unit": "GBP",
                "low": 1000,
                "high": 2500,
                "distribution": "uniform",
            },
            {
                "key": "other",
                "label": "Other",
                "value": 300,
                "unit": "GBP",
                "low": 100,
                "high": 400,
                "distribution": "truncated_normal",
            },
            {"key": "fixed", "label": "Fixed", "value": 50, "unit": "GBP"},
        ],
        "costs": [
            {"name": "Build", "category": "it", "recurrence": "once", "amount": 90000},
            {"name": "Run", "category": "it", "recurrence": "monthly", "amount": "run"},
            {"name": "Other", "category": "it", "recurrence": "monthly", "amount": "other"},
            {"name": "Fixed", "category": "it", "recurrence": "monthly", "amount": "fixed"},
        ],
        "benefits": [
            {"name": "Saving A", "kind": "custom", "amount": "saving_a"},
            {"name": "Saving B", "kind": "custom", "amount": "saving_b"},
        ],
    }
    if correlations is not None:
        doc["correlations"] = correlations
    return doc


PAIRS = [
    {"a": "saving_a", "b": "saving_b", "rho": 0.7},
    {"a": "run", "b": "saving_a", "rho": -0.4},
]


def test_our_spearman_is_spearman() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=500), rng.normal(size=500)
    y = x + y
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)


def test_the_draws_have_the_target_rank_correlations() -> None:
    drawn = sample_assumptions(load_case(drivers_doc(PAIRS)), TRIALS, SEED)
    assert spearman(drawn["saving_a"], drawn["saving_b"]) == pytest.approx(0.7, abs=0.03)
    assert spearman(drawn["run"], drawn["saving_a"]) == pytest.approx(-0.4, abs=0.03)
    # A pair not stated is 0 in the target matrix.
    assert spearman(drawn["run"], drawn["saving_b"]) == pytest.approx(0.0, abs=0.03)


def test_marginals_are_unchanged_and_uncorrelated_keys_untouched() -> None:
    plain = sample_assumptions(load_case(drivers_doc()), TRIALS, SEED)
    drawn = sample_assumptions(load_case(drivers_doc(PAIRS)), TRIALS, SEED)
    for key in ("saving_a", "saving_b", "run"):
        # The same values as a multiset, in another order.
        assert np.sort(drawn[key]).tolist() == np.sort(plain[key]).tolist()
        assert drawn[key].tolist() != plain[key].tolist()
    assert drawn["other"].tolist() == plain["other"].tolist()
    # Independent draws are numpy's own stream: key j's start j x trials outputs in
    # (keys in order: other, run, saving_a, saving_b).
    rng = np.random.default_rng(SEED)
    rng.bit_generator.advance(2 * TRIALS)
    assert (
        np.sort(drawn["saving_a"]).tolist()
        == np.sort(rng.triangular(3000, 5000, 8000, size=TRIALS)).tolist()
    )
    assert spearman(plain["saving_a"], plain["saving_b"]) == pytest.approx(0.0, abs=0.03)


def test_monte_carlo_uses_the_correlated_draws_whatever_the_chunk() -> None:
    case = load_case(drivers_doc(PAIRS))
    tl = Timeline.for_case(case)
    whole = monte_carlo(case, tl, trials=5000, seed=SEED)
    chunked = monte_carlo(case, tl, trials=5000, seed=SEED, chunk=128)
    assert whole is not None and chunked is not None
    assert chunked.mean == pytest.approx(whole.mean, rel=1e-12)
    assert chunked.p10 == pytest.approx(whole.p10, rel=1e-12)
    assert chunked.histogram_counts == whole.histogram_counts


def _spread(doc: dict[str, Any]) -> tuple[float, float]:
    case = load_case(doc)
    mc = monte_carlo(case, Timeline.for_case(case), trials=TRIALS, seed=SEED)
    assert mc is not None
    return mc.p90 - mc.p10, mc.mean


def test_positively_correlated_benefit_drivers_widen_the_npv_spread() -> None:
    pair = [{"a": "saving_a", "b": "saving_b", "rho": 0.8}]
    apart, mean_apart = _spread(drivers_doc())
    together, mean_together = _spread(drivers_doc(pair))
    against, _ = _spread(drivers_doc([{**pair[0], "rho": -0.8}]))
    assert together > 1.15 * apart
    assert against < 0.85 * apart
    # The NPV is linear in the drivers and their values are the same: so is the mean.
    assert mean_together == pytest.approx(mean_apart, rel=1e-9)


def test_a_perfect_correlation_is_valid_and_gives_the_same_ranks() -> None:
    doc = drivers_doc([{"a": "saving_a", "b": "saving_b", "rho": 1}])
    drawn = sample_assumptions(load_case(doc), 2000, SEED)
    assert spearman(drawn["saving_a"], drawn["saving_b"]) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", reference_names())
def test_no_pairs_leaves_each_reference_case_s_draws_and_statistics(name: str) -> None:
    case = load_case_file(reference_case_path(name))
    doc = case_to_dict(case)
    assert "correlations" not in doc  # the default is left out of the canonical form
    stated = load_case({**doc, "correlations": []})
    assert canonical_json(stated) == canonical_json(case)
    tl = Timeline.for_case(case)
    assert monte_carlo(stated, tl, trials=2000, seed=5) == monte_carlo(
        case, tl, trials=2000, seed=5
    )
    # The draws are numpy's own triangular stream, key after key: as before correlations.
    drawn = sample_assumptions(case, 500, 5)
    rng = np.random.default_rng(5)
    for a in sorted(case.assumptions, key=lambda a: a.key):
        if a.low is None or a.high is None:
            continue
        assert a.high > a.low
        assert drawn[a.key].tolist() == rng.triangular(a.low, a.value, a.high, 500).tolist()


def test_a_reference_case_with_pairs_round_trips_and_correlates() -> None:
    doc = case_to_dict(load_case_file(reference_case_path("lead-qualification")))
    doc["correlations"] = [
        {"a": "customers", "b": "arpu", "rho": 0.5},
        {"a": "call_reduction", "b": "cost_per_call", "rho": -0.3},
    ]
    case = load_case(doc)
    assert case_to_dict(case)["correlations"] == doc["correlations"]
    assert load_case(canonical_json(case)) == case
    drawn = sample_assumptions(case, TRIALS, 3)
    assert spearman(drawn["customers"], drawn["arpu"]) == pytest.approx(0.5, abs=0.03)
    assert spearman(drawn["call_reduction"], drawn["cost_per_call"]) == pytest.approx(
        -0.3, abs=0.03
    )


def det3(m: list[list[float]]) -> float:
    return (
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    )


def _issues(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(CaseValidationError) as caught:
        load_case(doc)
    return [str(i) for i in caught.value.issues]


def test_a_contradictory_matrix_is_refused() -> None:
    # a~b 0.9 and a~run 0.9 but b~run -0.9: each pair alone is fine, together impossible.
    rho = {("saving_a", "saving_b"): 0.9, ("run", "saving_a"): 0.9, ("run", "saving_b"): -0.9}
    m = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]  # rows: saving_a, saving_b, run
    assert det3(m) < 0  # a 3x3 with unit diagonal and a negative determinant is not PSD
    pairs = [{"a": a, "b": b, "rho": r} for (a, b), r in rho.items()]
    (message,) = _issues(drivers_doc(pairs))
    assert message.startswith("correlations: the pairs")
    assert '"saving_a" and "saving_b" 0.9' in message
    assert "not a valid correlation matrix" in message
    # Softer: a valid matrix (every leading minor positive), accepted.
    soft = [[1, 0.5, 0.3], [0.5, 1, -0.2], [0.3, -0.2, 1]]
    assert soft[0][0] > 0 and 1 - 0.5**2 > 0 and det3(soft) > 0
    ok = [
        {"a": "saving_a", "b": "saving_b", "rho": 0.5},
        {"a": "run", "b": "saving_a", "rho": 0.3},
        {"a": "run", "b": "saving_b", "rho": -0.2},
    ]
    assert len(load_case(drivers_doc(ok)).correlations) == 3


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        (
            {"a": "saving_a", "b": "nope", "rho": 0.2},
            'correlations[0].b: unknown assumption "nope"',
        ),
        (
            {"a": "saving_a", "b": "saving_a", "rho": 0.2},
            'correlations[0].b: pairs "saving_a" with itself',
        ),
        (
            {"a": "fixed", "b": "saving_a", "rho": 0.2},
            'correlations[0].a: assumption "fixed" has no range (low and high)',
        ),
        (
            {"a": "saving_a", "b": "saving_b", "rho": 1.2},
            'correlations[0].rho: the correlation of "saving_a" and "saving_b" must be'
            " from -1 to 1, not 1.2",
        ),
        ({"a": "saving_a", "b": "saving_b", "rho": 1e308}, "correlations[0].rho: must be at most"),
        ({"a": "saving_a", "b": "x\x00", "rho": 0.1}, "correlations[0].b: must be an identifier"),
        ({"a": "saving_a", "b": "saving_b", "rho": "0.5"}, "correlations[0].rho: must be a number"),
        ({"a": "saving_a", "b": "saving_b"}, "correlations[0].rho: is required"),
        ({"a": "saving_a", "b": "saving_b", "rho": 0.1, "x": 1}, "correlations[0].x: is not a"),
    ],
)
def test_each_bad_pair_is_named(pair: dict[str, Any], expected: str) -> None:
    messages = _issues(drivers_doc([pair]))
    assert any(m.startswith(expected) for m in messages), messages


def test_a_duplicate_pair_is_named_either_way_round() -> None:
    pairs = [
        {"a": "saving_a", "b": "saving_b", "rho": 0.2},
        {"a": "saving_b", "b": "saving_a", "rho": 0.3},
    ]
    assert _issues(drivers_doc(pairs)) == [
        'correlations[1]: duplicate pair "saving_b" and "saving_a" (first given by correlations[0])'
    ]


def test_nan_and_format_1_are_refused() -> None:
    text = json.dumps(drivers_doc([{"a": "saving_a", "b": "saving_b", "rho": 0.5}]))
    with pytest.raises(CaseValidationError, match="NaN"):
        load_case(text.replace("0.5", "NaN"))
    v1 = copy.deepcopy(drivers_doc(PAIRS))
    v1["format"] = "cxroi-case/1"
    for a in v1["assumptions"]:
        a.pop("distribution", None)
    assert any(m.startswith("correlations: is not a field of cxroi-case/1") for m in _issues(v1))
    too_many = drivers_doc([{"a": "saving_a", "b": "saving_b", "rho": 0.1}] * 301)
    assert _issues(too_many)[0].startswith("correlations: a case has at most 300")


def test_an_assumption_s_pairs_are_part_of_its_review_item() -> None:
    from cxroi.engine.review_items import review_items

    def items(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {i.key: dict(i.fields) for i in review_items(load_case(doc)) if i.key}

    plain, paired = items(drivers_doc()), items(drivers_doc(PAIRS))
    ids = {a["key"]: f"assumption a{n + 1}" for n, a in enumerate(drivers_doc()["assumptions"])}
    assert paired["saving_a"]["correlations"] == {ids["saving_b"]: 0.7, ids["run"]: -0.4}
    assert paired["saving_b"]["correlations"] == {ids["saving_a"]: 0.7}
    # An assumption in no pair reads as it did without pairs.
    assert paired["other"] == plain["other"] and "correlations" not in plain["saving_a"]


def test_a_pair_with_an_assumption_that_does_not_vary_has_no_effect() -> None:
    doc = drivers_doc([{"a": "saving_a", "b": "other", "rho": 0.5}])
    doc["assumptions"][3].update(low=300, high=300)  # other: low = value = high
    plain = drivers_doc()
    plain["assumptions"][3].update(low=300, high=300)
    drawn = sample_assumptions(load_case(doc), 1000, SEED)
    before = sample_assumptions(load_case(plain), 1000, SEED)
    assert drawn["saving_a"].tolist() == before["saving_a"].tolist()
    assert drawn["other"].tolist() == [300.0] * 1000


def test_cxroi_calc_names_the_pairs() -> None:
    from cxroi.cli import summary
    from cxroi.engine import analyse

    case = load_case(drivers_doc(PAIRS))
    text = summary(case, analyse(case, trials=200))
    assert "  Rank correlations (Iman-Conover): saving_a ~ saving_b 0.7; run ~ saving_a -0.4" in (
        text.splitlines()
    )
    plain = load_case(drivers_doc())
    assert "Rank correlations" not in summary(plain, analyse(plain, trials=200))
