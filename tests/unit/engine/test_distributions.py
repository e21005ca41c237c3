"""Issue 13 item 6: PERT, uniform and truncated-normal draws beside triangular.

Each distribution's sample mean and variance over many draws are compared with closed
forms written here (the truncated normal's from scipy.stats, an implementation apart from
the engine's); the default (triangular) leaves every reference case's statistics as
they were for the same seed.
"""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from cxroi.engine import CaseValidationError, analyse, case_to_dict, load_case, load_case_file
from cxroi.engine.analysis import monte_carlo, sample_assumptions
from cxroi.engine.casefile import Assumption
from cxroi.engine.distributions import draw, moments
from cxroi.engine.review_items import review_items
from cxroi.engine.timeline import Timeline
from tests.support import reference_case_path, reference_names
from tests.unit.workbook.cases import gordon_doc

DRAWS = 400_000
LOW, MODE, HIGH = 2.0, 3.0, 10.0  # a skewed range: each distribution's mean differs


def closed_form(shape: str, a: float, m: float, b: float) -> tuple[float, float]:
    """Mean and variance from the textbook formulas."""
    if shape == "triangular":
        return (a + m + b) / 3, (a * a + m * m + b * b - a * m - a * b - m * b) / 18
    if shape == "uniform":
        return (a + b) / 2, (b - a) ** 2 / 12
    if shape == "pert":
        mean = (a + 4 * m + b) / 6
        return mean, (mean - a) * (b - mean) / 7
    sigma = (b - a) / 4
    dist = stats.truncnorm((a - m) / sigma, (b - m) / sigma, loc=m, scale=sigma)
    return float(dist.mean()), float(dist.var())


@pytest.mark.parametrize("shape", ["triangular", "pert", "uniform", "truncated_normal"])
def test_sample_mean_and_variance_match_the_closed_form(shape: str) -> None:
    a = Assumption("x", "x", MODE, "n", LOW, HIGH, distribution=shape)  # type: ignore[arg-type]
    values = draw(a, np.random.default_rng(7), DRAWS)
    mean, var = closed_form(shape, LOW, MODE, HIGH)
    assert moments(a) == pytest.approx((mean, var), rel=1e-12)
    assert values.min() >= LOW and values.max() <= HIGH
    # Within 5 standard errors of the mean; the variance within 2 %.
    assert abs(values.mean() - mean) < 5 * math.sqrt(var / DRAWS)
    assert values.var() == pytest.approx(var, rel=0.02)


def test_the_distributions_differ_as_their_closed_forms_say() -> None:
    means = {
        s: closed_form(s, LOW, MODE, HIGH)[0]
        for s in ("triangular", "pert", "uniform", "truncated_normal")
    }
    # PERT weights the mode 4 to 1: nearer the mode than triangular; uniform ignores it.
    assert means["pert"] < means["triangular"] < means["uniform"] == 6.0


def test_triangular_is_numpy_s_own_draws_in_key_order() -> None:
    """The default draws the numbers it always drew: key j's come j x trials outputs on."""
    case = load_case(gordon_doc())
    drawn = sample_assumptions(case, 1000, 11)
    rng = np.random.default_rng(11)
    assert drawn["g_fee"].tolist() == rng.triangular(800, 900, 1200, size=1000).tolist()


def _with(doc: dict, shape: str | None) -> dict:
    doc = copy.deepcopy(doc)
    for a in doc["assumptions"]:
        if shape is None:
            a.pop("distribution", None)
        else:
            a["distribution"] = shape
    return doc


@pytest.mark.parametrize("name", reference_names())
def test_stating_triangular_leaves_each_reference_case_s_statistics_identical(name: str) -> None:
    case = load_case_file(reference_case_path(name))
    doc = case_to_dict(case)
    if doc["format"] != "cxroi-case/2":
        pytest.skip("a /1 case cannot state a distribution")
    stated = load_case(_with(doc, "triangular"))
    assert case_to_dict(stated) == doc  # the default is left out of the canonical form
    tl = Timeline.for_case(case)
    assert monte_carlo(stated, tl, trials=2000, seed=5) == monte_carlo(
        case, tl, trials=2000, seed=5
    )


@pytest.mark.parametrize("shape", ["pert", "uniform", "truncated_normal"])
def test_monte_carlo_draws_by_the_distribution_whatever_the_chunk(shape: str) -> None:
    case = load_case(_with(gordon_doc(), shape))
    tl = Timeline.for_case(case)
    whole = monte_carlo(case, tl, trials=3000, seed=9)
    chunked = monte_carlo(case, tl, trials=3000, seed=9, chunk=128)
    assert whole is not None and chunked is not None
    assert chunked.mean == pytest.approx(whole.mean, rel=1e-12)
    assert chunked.histogram_counts == whole.histogram_counts
    # The fee is the only ranged input and a monthly cost: the NPV is linear in it, so the
    # mean NPV is the NPV at the fee's mean (closed form), priced by the engine's base case.
    fee_mean = closed_form(shape, 800, 900, 1200)[0]
    drawn_mean = float(sample_assumptions(case, 3000, 9)["g_fee"].mean())
    at_mean = dataclasses.replace(
        case, assumptions=(dataclasses.replace(case.assumptions[0], value=drawn_mean),)
    )
    assert whole.mean == pytest.approx(analyse(at_mean, trials=0).metrics.npv, rel=1e-9)
    assert drawn_mean == pytest.approx(fee_mean, abs=5 * math.sqrt(400**2 / 12 / 3000))


def test_a_distribution_needs_a_range_and_format_2_and_is_reviewed() -> None:
    doc = _with(gordon_doc(), "pert")
    case = load_case(doc)
    assert case_to_dict(case)["assumptions"][0]["distribution"] == "pert"
    (item,) = [i for i in review_items(case) if i.kind == "assumption"]
    assert item.fields["distribution"] == "pert"
    plain = [i for i in review_items(load_case(gordon_doc())) if i.kind == "assumption"]
    assert "distribution" not in plain[0].fields
    no_range = copy.deepcopy(doc)
    del no_range["assumptions"][0]["low"], no_range["assumptions"][0]["high"]
    with pytest.raises(CaseValidationError, match=r"assumptions\[0\]\.distribution"):
        load_case(no_range)
    with pytest.raises(CaseValidationError, match="distribution"):
        load_case(_with(gordon_doc(), "lognormal"))
