"""The result document read back: ``result_from_dict`` is the inverse of ``result_to_dict``.

A frozen version and a saved case keep only the document; every page and workbook
of them is built from it, so reading it back must lose nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from cxroi.engine import Result, analyse, load_case_file, result_from_dict, result_to_dict
from cxroi.engine.result import BreakEven
from tests.support import EXAMPLES_DIR

EXAMPLES = sorted(p.name for p in EXAMPLES_DIR.glob("*.json"))


@pytest.fixture(scope="module", params=EXAMPLES)
def priced(request: pytest.FixtureRequest) -> Result:
    return analyse(load_case_file(EXAMPLES_DIR / request.param), trials=300)


def _round_trip(doc: dict[str, Any]) -> dict[str, Any]:
    # Through JSON text too, as the database stores it.
    return result_to_dict(result_from_dict(json.loads(json.dumps(doc, allow_nan=False))))


def test_examples_are_found() -> None:
    assert len(EXAMPLES) >= 4


def test_every_example_result_survives_the_round_trip(priced: Result) -> None:
    doc = result_to_dict(priced)
    # Every part is present, so the comparison below covers it.
    assert doc["monte_carlo"] is not None and doc["monte_carlo"]["trials"] == 300
    assert doc["scenarios"] and doc["tornado"] and doc["break_even"] and doc["lines"]
    assert _round_trip(doc) == doc


def test_series_come_back_as_float_arrays(priced: Result) -> None:
    back = result_from_dict(result_to_dict(priced))
    assert back.cashflow.net.dtype == np.float64
    np.testing.assert_array_equal(back.cashflow.net, priced.cashflow.net)
    np.testing.assert_array_equal(
        back.cashflow_unadjusted.cumulative, priced.cashflow_unadjusted.cumulative
    )
    for mine, theirs in zip(back.lines, priced.lines, strict=True):
        np.testing.assert_array_equal(mine.adjusted, theirs.adjusted)
        np.testing.assert_array_equal(mine.unadjusted, theirs.unadjusted)
        assert (mine.side, mine.name, mine.kind) == (theirs.side, theirs.name, theirs.kind)
    assert back.metrics == priced.metrics and back.unadjusted == priced.unadjusted
    assert back.annual == priced.annual
    assert back.scenarios == priced.scenarios
    assert back.tornado == priced.tornado
    assert back.break_even == priced.break_even
    assert back.monte_carlo == priced.monte_carlo
    assert back.monthly_rate == priced.monthly_rate


def test_nulls_stay_null() -> None:
    # sme-onboarding never pays back and has no IRR; add a break-even without a bracket
    # and drop Monte Carlo, so every optional part is null somewhere.
    result = analyse(load_case_file(EXAMPLES_DIR / "sme-onboarding.json"), trials=0)
    unused = BreakEven("unused", "Unused", 1.0, None, "not used by any line", None)
    result = replace(result, break_even=(*result.break_even, unused))
    doc = result_to_dict(result)
    assert doc["monte_carlo"] is None
    assert doc["metrics"]["irr"] is None and doc["metrics"]["irr_note"] == "none"
    assert doc["metrics"]["payback_months"] is None
    assert doc["break_even"][-1]["bracket"] is None
    assert _round_trip(doc) == doc
    back = result_from_dict(doc)
    assert back.monte_carlo is None
    assert back.metrics.irr is None and back.metrics.irr_note == "none"
    assert back.metrics.payback_months is None
    assert back.break_even[-1] == unused


def test_a_null_inside_a_series_is_nan_and_writes_back_as_null(priced: Result) -> None:
    doc = result_to_dict(priced)
    doc["cashflow"]["net"][1] = None
    back = result_from_dict(doc)
    assert np.isnan(back.cashflow.net[1])
    assert result_to_dict(back) == doc


def test_a_document_missing_a_part_is_refused() -> None:
    doc = result_to_dict(analyse(load_case_file(EXAMPLES_DIR / EXAMPLES[0]), trials=0))
    del doc["cashflow_unadjusted"]
    with pytest.raises(KeyError, match="cashflow_unadjusted"):
        result_from_dict(doc)
