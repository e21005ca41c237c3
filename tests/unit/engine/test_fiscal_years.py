"""Fiscal years in the Annual roll-up (issue 13, item 5): checked against a roll-up done
here by calendar dates, not by the engine's index arithmetic."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from cxroi.engine import CaseValidationError, analyse, load_case
from cxroi.engine.loader import case_to_dict
from tests.support import EXAMPLES_DIR


def _doc() -> dict:
    return json.loads((EXAMPLES_DIR / "contact-centre.json").read_text())


def _month_date(start: str, t: int) -> date:
    """The calendar month of case month t >= 1 (month 1 is ``start``)."""
    year, month = int(start[:4]), int(start[5:7])
    index = year * 12 + month - 1 + t - 1
    return date(index // 12, index % 12 + 1, 1)


def _fiscal_label(day: date, first_month: int) -> int:
    """The fiscal year a date falls in, named by the calendar year it starts in."""
    return day.year if day.month >= first_month else day.year - 1


@pytest.mark.parametrize("fiscal", [1, 4, 7, 3, 12])
def test_years_follow_the_fiscal_calendar(fiscal: int) -> None:
    doc = _doc()
    plain = analyse(load_case(doc), trials=0)
    doc["fiscal_year_start"] = fiscal
    result = analyse(load_case(doc), trials=0)
    # Every metric is the same: only the roll-up is cut differently.
    assert result.metrics == plain.metrics
    net = result.cashflow.net
    # By hand: month 0 alone, then months grouped by the fiscal year of their date.
    groups: dict[int, list[int]] = {}
    for t in range(1, doc["horizon_months"] + 1):
        groups.setdefault(_fiscal_label(_month_date(doc["start_month"], t), fiscal), []).append(t)
    expected = [(0, 0, float(net[0]))] + [
        (months[0], months[-1], float(sum(net[m] for m in months)))
        for _, months in sorted(groups.items())
    ]
    got = [(row.first_month, row.last_month, row.net) for row in result.annual]
    assert [g[:2] for g in got] == [e[:2] for e in expected]
    for (_, _, a), (_, _, b) in zip(got, expected, strict=True):
        assert a == pytest.approx(b, abs=1e-6)
    assert [row.year for row in result.annual] == list(range(len(expected)))
    assert result.annual[-1].cumulative == pytest.approx(float(net.sum()), abs=1e-6)


def test_the_start_month_s_own_month_is_the_case_s_own_years() -> None:
    doc = _doc()
    own = analyse(load_case(doc), trials=0).annual
    doc["fiscal_year_start"] = int(doc["start_month"][5:7])
    assert analyse(load_case(doc), trials=0).annual == own


def test_the_field_round_trips_and_is_absent_by_default() -> None:
    doc = _doc()
    assert "fiscal_year_start" not in case_to_dict(load_case(doc))  # old hashes unchanged
    doc["fiscal_year_start"] = 4
    again = case_to_dict(load_case(copy.deepcopy(doc)))
    assert again["fiscal_year_start"] == 4
    assert case_to_dict(load_case(again)) == again


@pytest.mark.parametrize("bad", [0, 13, -1, 4.5, "April"])
def test_a_month_outside_1_to_12_is_named(bad: object) -> None:
    doc = {**_doc(), "fiscal_year_start": bad}
    with pytest.raises(CaseValidationError) as caught:
        load_case(doc)
    assert any(i.path == "fiscal_year_start" for i in caught.value.issues), caught.value.issues
