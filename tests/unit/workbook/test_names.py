"""Defined names: every assumption key gets a usable name, metrics keep their keys."""

from __future__ import annotations

import pytest

from cxroi.workbook.names import Names, is_valid_name


@pytest.mark.parametrize("name", ["customers", "arpu", "margin", "npv_2", "xfe1048577", "abcd1"])
def test_names_that_are_not_cell_references_are_valid(name: str) -> None:
    assert is_valid_name(name)


@pytest.mark.parametrize(
    "name", ["fte2", "a1", "xfd1048576", "r", "c", "r1c1", "rc", "true", "database", "print_area"]
)
def test_names_that_read_as_cells_or_r1c1_are_invalid(name: str) -> None:
    assert not is_valid_name(name)


def test_a_key_that_is_a_cell_reference_gets_a_prefix() -> None:
    names = Names()
    assert names.claim("fte2") == "a_fte2"
    assert names.claim("customers") == "customers"


def test_metric_keys_are_kept_for_the_metrics() -> None:
    names = Names(reserved=["npv"])
    assert names.claim("npv") == "a_npv"
    assert names.claim("npv", reserved=True) == "npv"


def test_names_never_repeat_ignoring_case() -> None:
    names = Names()
    assert names.claim("churn") == "churn"
    assert names.claim("CHURN") == "a_CHURN"
