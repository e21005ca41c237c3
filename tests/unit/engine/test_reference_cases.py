"""Every reference case in tests/data/reference-cases reproduced within the format's tolerances."""

from __future__ import annotations

from typing import Any

import pytest

from cxroi.engine import analyse, load_case_file, result_to_dict
from tests.support import reference_case_path, reference_expected, reference_names

NAMES = reference_names()
MONEY = {"npv", "total_costs", "total_benefits", "pv_costs", "pv_benefits"}
RATIOS = {"irr", "roi", "bcr"}
MONTHS = {"payback_months", "discounted_payback_months"}


@pytest.fixture(scope="module", params=NAMES)
def reference(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    case = load_case_file(reference_case_path(request.param))
    return reference_expected(request.param), result_to_dict(analyse(case, trials=0))


def assert_metrics_match(expected: dict[str, Any], got: dict[str, Any]) -> None:
    assert set(expected) <= set(got)
    for key, want in expected.items():
        have = got[key]
        if want is None:
            assert have is None, f"{key}: expected null, got {have}"
            continue
        assert have is not None, f"{key}: expected {want}, got null"
        if key in MONEY:
            assert have == pytest.approx(want, abs=0.01), key
        elif key in RATIOS:
            assert have == pytest.approx(want, rel=1e-9, abs=1e-12), key
        elif key in MONTHS:
            assert have == pytest.approx(want, abs=1e-6), key
        else:
            raise AssertionError(f"unexpected metric {key}")


def test_headline_metrics_match(reference: tuple[dict[str, Any], dict[str, Any]]) -> None:
    expected, got = reference
    assert_metrics_match(expected["metrics"], got["metrics"])


def test_unadjusted_metrics_match(reference: tuple[dict[str, Any], dict[str, Any]]) -> None:
    expected, got = reference
    assert_metrics_match(expected["unadjusted"], got["unadjusted"])


@pytest.mark.parametrize("series", ["costs", "benefits", "net"])
def test_monthly_flows_match(reference: tuple[dict[str, Any], dict[str, Any]], series: str) -> None:
    expected, got = reference
    want, have = expected["cashflow"][series], got["cashflow"][series]
    assert len(have) == len(want)
    for month, (w, h) in enumerate(zip(want, have, strict=True)):
        assert h == pytest.approx(w, abs=0.01), f"{series}[{month}]"


def test_scenario_metrics_match(reference: tuple[dict[str, Any], dict[str, Any]]) -> None:
    expected, got = reference
    assert [s["name"] for s in got["scenarios"]] == [s["name"] for s in expected["scenarios"]]
    for want, have in zip(expected["scenarios"], got["scenarios"], strict=True):
        assert_metrics_match(want["metrics"], have["metrics"])


def test_tornado_order_and_values_match(reference: tuple[dict[str, Any], dict[str, Any]]) -> None:
    expected, got = reference
    assert [r["key"] for r in got["tornado"]] == [r["key"] for r in expected["tornado"]]
    for want, have in zip(expected["tornado"], got["tornado"], strict=True):
        for field in ("npv_low", "npv_high", "swing"):
            assert have[field] == pytest.approx(want[field], abs=0.01), (want["key"], field)
