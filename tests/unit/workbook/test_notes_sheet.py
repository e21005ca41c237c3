"""The Notes sheet explains every benefit kind from the registry, beside the conventions."""

from __future__ import annotations

import dataclasses
from io import BytesIO

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from cxroi.engine import KINDS, analyse, load_case_file
from cxroi.engine.kinds import LineKind
from cxroi.workbook import build_workbook
from cxroi.workbook.notes import write_notes
from tests.support import reference_case_path


def notes_of_workbook() -> dict[str, str]:
    case = load_case_file(reference_case_path("field-expenses"))
    book = openpyxl.load_workbook(BytesIO(build_workbook(case, analyse(case, trials=0))))
    return _notes(book["Notes"])


def _notes(ws: Worksheet) -> dict[str, str]:
    """Topic (column A) → text (column B), for the rows that have both."""
    return {str(a.value): str(b.value) for a, b in ws.iter_rows(min_row=2, max_col=2) if b.value}


@pytest.fixture(scope="module")
def notes() -> dict[str, str]:
    return notes_of_workbook()


@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_is_explained_with_its_formula(notes: dict[str, str], name: str) -> None:
    kind = KINDS[name]
    text = notes[f"{kind.label} ({name})"]
    assert kind.summary in text
    assert f"before risk: {kind.formula}." in text
    for p in kind.parameters:
        assert f"{p.name} = {p.label}" in text


def test_referrals_reads_as_the_case_format_defines_it(notes: dict[str, str]) -> None:
    text = notes["Referrals (referrals)"]
    assert "R_t = R_{t−1} × (1 − c) + customers × referral_uplift × a_t" in text
    assert "referral_uplift = New customers per customer per month" in text


def test_the_sheet_keeps_its_other_notes_and_defines_the_kinds_symbols(
    notes: dict[str, str],
) -> None:
    for topic in (
        "Timeline",
        "Monthly rate",
        "NPV",
        "PV of costs and benefits",
        "ROI and benefit/cost",
        "IRR",
        "Payback",
        "Escalation and growth",
        "Ramp",
        "Churn cohort",
        "Risk",
        "Colours",
        "Analyses",
    ):
        assert topic in notes
    assert "e_t = (1 + rate)^INT((t - 1) / 12)" in notes["Escalation and growth"]
    assert "g_t" in notes["Escalation and growth"]
    assert notes["Ramp"].startswith("a_t = 0 before ramp_start")
    cohort = notes["Churn cohort"]
    assert "c = 1 - (1 - annual_churn)^(1/12)" in cohort
    assert "A^base_t" in cohort and "A^cx_t" in cohort


def test_the_churn_cohort_follows_the_formula_that_points_below_to_it() -> None:
    ws = openpyxl.Workbook().active
    assert ws is not None
    write_notes(ws)
    topics = [str(c.value) for c in ws["A"] if c.value]
    assert "below" in KINDS["churn"].formula
    assert topics.index("Churn cohort") > topics.index("Customers kept (churn)")


def test_a_new_kind_explains_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    loyalty = dataclasses.replace(
        KINDS["custom"],
        name="loyalty",
        label="Loyalty points",
        summary="Members spend more.",
        formula="members × spend × a_t",
    )
    assert isinstance(loyalty, LineKind)
    monkeypatch.setitem(KINDS, "loyalty", loyalty)
    ws = openpyxl.Workbook().active
    assert ws is not None
    write_notes(ws)
    text = _notes(ws)["Loyalty points (loyalty)"]
    assert text.startswith("Members spend more. Monthly benefit in month t >= 1, before risk:")
    assert "members × spend × a_t." in text
