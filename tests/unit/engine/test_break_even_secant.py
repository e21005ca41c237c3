"""Break-even's secant shortcut agrees with the bracketing search it stands in for.

When the NPV is affine in an assumption (a money amount), one secant step across the grid
cell where NPV changes sign is the root, proved by a sign change of NPV within half of
brentq's tolerance of it (:func:`~cxroi.engine.analysis._secant_root`); anything else
(a churn rate, a factor used twice) falls back to brentq. These tests run break-even with
and without the shortcut on the same cases and check both give the same crossings.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxroi.engine import KINDS, analysis, load_case, load_case_file
from cxroi.engine.analysis import (
    _BREAK_EVEN_RTOL,
    _BREAK_EVEN_XTOL,
    _npv_pricer,
    _secant_root,
    break_even,
)
from cxroi.engine.batch import Prepared
from cxroi.engine.casefile import CaseFile
from cxroi.engine.domains import Domain
from cxroi.engine.kinds import COST_DOMAINS
from cxroi.engine.pricing import npv_rows, price, values_for
from cxroi.engine.timeline import Timeline
from tests.strategies import case_documents
from tests.support import reference_case_path, reference_names


def _tolerance(x: float) -> float:
    """brentq's own: it returns a point within xtol + rtol |x| of a sign change."""
    return _BREAK_EVEN_XTOL + _BREAK_EVEN_RTOL * abs(x)


def _break_evens(case: CaseFile) -> list[tuple[str, float | None]]:
    return [(b.key, b.value) for b in break_even(case, Timeline.for_case(case))]


def _bracketing_only(case: CaseFile, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Break-even as before the shortcut: every crossing by brentq."""
    with monkeypatch.context() as m:
        m.setattr(analysis, "_secant_root", lambda *args: None)
        return _break_evens(case)


def _shortcuts(case: CaseFile, monkeypatch: pytest.MonkeyPatch) -> list[float | None]:
    """What the shortcut answered at each crossing it was tried on (None: refused)."""
    answers: list[float | None] = []

    def spy(*args: Any) -> float | None:
        answers.append(_secant_root(*args))
        return answers[-1]

    with monkeypatch.context() as m:
        m.setattr(analysis, "_secant_root", spy)
        _break_evens(case)
    return answers


def _assert_same_crossings(case: CaseFile, monkeypatch: pytest.MonkeyPatch) -> None:
    with_shortcut = _break_evens(case)
    without = _bracketing_only(case, monkeypatch)
    assert [k for k, _ in with_shortcut] == [k for k, _ in without]
    for (key, got), (_, want) in zip(with_shortcut, without, strict=True):
        assert (got is None) == (want is None), key
        if got is not None and want is not None:
            assert abs(got - want) <= 2.0 * _tolerance(want), (key, got, want)


def _npv(case: CaseFile, key: str, x: float) -> float:
    """NPV with ``key`` at ``x``, priced line by line (:func:`price`, not the batch)."""
    tl = Timeline.for_case(case)
    priced = price(case, tl, values_for(case, {key: x}))
    return float(npv_rows(priced.costs, priced.benefits, tl)[0])


# -- ranged assumptions on any parameter: linear ones (money, a factor) and curved ones
# (a churn rate, an escalation, a risk shared with a factor) ---------------------------


def _domain(line: dict[str, Any], name: str) -> Domain:
    if "kind" not in line:
        return COST_DOMAINS[name]
    return KINDS[line["kind"]].domains()[name]


@st.composite
def ranged_case_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A generated case some of whose line parameters read a ranged assumption instead,
    one key sometimes shared by several parameters (so the NPV may be curved in it)."""
    doc = copy.deepcopy(draw(case_documents()))
    lines = doc["costs"] + doc["benefits"]
    n = 0
    for line in lines:
        for name, value in list(line.items()):
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if name in ("month", "start_month", "end_month", "ramp_start", "ramp_months"):
                continue
            if not numeric or not draw(st.booleans()):
                continue
            domain = _domain(line, name)
            low = max(value * 0.8, domain.low) if value >= 0 else value * 1.2
            high = value * 1.2 if value > 0 else value * 0.8
            high = min(high, domain.high - (1e-6 if domain.high_open else 0.0))
            key = f"p{n}"
            n += 1
            doc["assumptions"].append(
                {"key": key, "label": key, "value": value, "unit": "x", "low": low, "high": high}
            )
            line[name] = key
    return doc


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ranged_case_documents(), st.booleans())
def test_shortcut_and_bracketing_find_the_same_crossings(
    doc: dict[str, Any], every_crossing: bool
) -> None:
    """``every_crossing`` tries the shortcut even where the grid looks curved: the check
    alone must then refuse every secant that is not a root."""
    case = load_case(doc)
    with pytest.MonkeyPatch.context() as monkeypatch:
        if every_crossing:
            monkeypatch.setattr(analysis, "_looks_affine", lambda xs, npvs: True)
        _assert_same_crossings(case, monkeypatch)


@pytest.mark.parametrize("name", reference_names())
def test_reference_cases_break_even_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same_crossings(load_case_file(reference_case_path(name)), monkeypatch)


# -- the shortcut on one case: taken for money, refused for a churn rate -----------------


def _churn_case() -> CaseFile:
    """A retention case: NPV is affine in the platform's cost and curved in churn."""
    return load_case(
        {
            "format": "cxroi-case/2",
            "title": "Retention",
            "currency": "GBP",
            "start_month": "2027-01",
            "horizon_months": 36,
            "discount_rate": 0.1,
            "assumptions": [
                {"key": "platform", "label": "Platform", "value": 900_000.0, "unit": "GBP",
                 "low": 700_000.0, "high": 1_100_000.0},
                {"key": "churn", "label": "Churn", "value": 0.25, "unit": "ratio",
                 "low": 0.15, "high": 0.35},
            ],
            "costs": [
                {"name": "Platform", "category": "technology", "recurrence": "once",
                 "month": 0, "amount": "platform"},
            ],
            "benefits": [
                {"name": "Retention", "kind": "churn", "customers": 100_000,
                 "annual_churn": "churn", "reduction": 0.1, "arpu": 30.0, "margin": 0.5},
            ],
        }
    )  # fmt: skip


def test_the_shortcut_is_taken_for_an_amount_and_proved(monkeypatch: pytest.MonkeyPatch) -> None:
    case = _churn_case()
    answers = _shortcuts(case, monkeypatch)
    assert len(answers) == 1 and answers[0] is not None  # platform only: churn looks curved
    x = answers[0]
    # The proof, checked with NPVs priced line by line: a sign change within tolerance of x.
    d = _tolerance(x)
    assert _npv(case, "platform", x - d) > 0.0 > _npv(case, "platform", x + d)
    assert dict(_break_evens(case))["platform"] == x
    _assert_same_crossings(case, monkeypatch)


def test_the_check_refuses_a_secant_on_a_curved_assumption(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = _churn_case()
    tl = Timeline.for_case(case)
    npv_of = _npv_pricer(case, Prepared(case, tl), tl, {"churn"})
    xs = np.linspace(0.0, 1.0, 121)
    npvs = npv_of({"churn": xs}, xs.size)
    # NPV rises with churn (more customers to keep), then falls: two crossings.
    crossings = np.flatnonzero(np.sign(npvs[:-1]) * np.sign(npvs[1:]) < 0)
    assert crossings.size == 2
    i = crossings[0]
    secant = xs[i] - npvs[i] * (xs[i + 1] - xs[i]) / (npvs[i + 1] - npvs[i])
    # The chord misses the root by far more than the tolerance ...
    assert abs(_npv(case, "churn", secant)) > 1.0
    # ... so the check refuses it, and break-even bisects as before.
    assert _secant_root(npv_of, "churn", xs[i], xs[i + 1], npvs[i], npvs[i + 1]) is None
    # Even tried on every crossing (the affine guess forced), break-even is unchanged.
    monkeypatch.setattr(analysis, "_looks_affine", lambda xs, npvs: True)
    answers = _shortcuts(case, monkeypatch)
    assert len(answers) == 3 and answers.count(None) == 2  # platform taken, churn refused
    _assert_same_crossings(case, monkeypatch)
    churn = dict(_break_evens(case))["churn"]
    assert churn is not None
    d = _tolerance(churn)
    assert _npv(case, "churn", churn - d) * _npv(case, "churn", churn + d) <= 0.0
