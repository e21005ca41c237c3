"""The assumption grid (issue 14, item 6): edit every assumption in one table, checked
as typed, saved as one edit with the rules of the one-assumption form."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from cxroi.engine import analyse, load_case
from cxroi.extensions import db
from cxroi.formatting import money, plain
from tests.appsupport import example_document


def _grid(
    case: Any,
    changes: dict[str, dict[str, Any]] | None = None,
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """The grid's form data as the page posts it, with ``changes`` by key applied."""
    data: dict[str, str] = {"lock_version": str(case.lock_version)}
    rows = []
    for a in case.assumptions:
        row = {"id": a.id, "key": a.key, "label": a.label, "value": plain(a.value), "unit": a.unit,
               "low": plain(a.low), "high": plain(a.high), "source": a.source or "",
               "owner": a.owner or ""}  # fmt: skip
        row.update((changes or {}).get(a.key, {}))
        rows.append(row)
    rows += extra or []
    rows.append(dict.fromkeys(("id", "key", "label", "value", "unit"), ""))  # a blank row
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"rows-{i}-{name}"] = "" if value is None else str(value)
    return data


def _doc_with(changes: dict[str, float]) -> dict[str, Any]:
    doc = example_document()
    for a in doc["assumptions"]:
        if a["key"] in changes:
            a["value"] = changes[a["key"]]
    return doc


def test_the_grid_shows_every_assumption_and_its_npv(cx_client, make_case) -> None:
    case = make_case()
    page = unescape(cx_client.get(f"/cases/{case.id}/grid").text)
    for a in case.assumptions:
        assert f'value="{a.key}"' in page
    assert money(case.npv, "GBP") in page


def test_a_grid_save_changes_values_adds_and_removes_as_one_edit(cx_client, make_case) -> None:
    case = make_case()
    data = _grid(
        case,
        {"churn_reduction": {"value": "8%"}, "repeat_calls": {"value": "22,000"}},
        [{"key": "spare_seats", "label": "Spare seats", "value": "12", "unit": "seats"}],
    )
    response = cx_client.post(f"/cases/{case.id}/grid", data=data)
    assert response.status_code == 302, unescape(response.text)[:2000]
    db.session.refresh(case)
    values = {a.key: a.value for a in case.assumptions}
    assert values["churn_reduction"] == 0.08 and values["repeat_calls"] == 22_000
    assert values["spare_seats"] == 12
    expected = analyse(
        load_case(_doc_with({"churn_reduction": 0.08, "repeat_calls": 22_000})), trials=0
    )
    assert case.npv == pytest.approx(expected.metrics.npv, rel=1e-12)
    # Confidence and notes, not in the grid, are kept.
    original = {a["key"]: a for a in example_document()["assumptions"]}
    for a in case.assumptions:
        if a.key in original:
            assert a.confidence == original[a.key].get("confidence")
    # Emptying the new row removes that assumption again.
    empty = dict.fromkeys(("key", "label", "value", "unit", "low", "high", "source", "owner"), "")
    data = _grid(case, {"spare_seats": empty})
    assert cx_client.post(f"/cases/{case.id}/grid", data=data).status_code == 302
    db.session.refresh(case)
    assert "spare_seats" not in {a.key for a in case.assumptions}


def test_the_check_answers_cell_errors_and_the_live_npv_without_saving(
    cx_client, make_case
) -> None:
    case = make_case()
    before = case.case_hash
    answer = cx_client.post(
        f"/cases/{case.id}/grid/check", data=_grid(case, {"churn_reduction": {"value": "0.08"}})
    ).get_json()
    expected = analyse(load_case(_doc_with({"churn_reduction": 0.08})), trials=0)
    assert answer["errors"] == {}
    assert answer["npv"] == money(expected.metrics.npv, "GBP")
    bad = cx_client.post(
        f"/cases/{case.id}/grid/check",
        data=_grid(case, {"arpu": {"value": "lots"}, "margin": {"key": "Bad Key"}}),
    ).get_json()
    index = [a.key for a in case.assumptions]
    assert set(bad["errors"]) == {
        f"rows-{index.index('arpu')}-value",
        f"rows-{index.index('margin')}-key",
    }
    assert bad["npv"] is None
    above = cx_client.post(
        f"/cases/{case.id}/grid/check", data=_grid(case, {"churn_reduction": {"value": "0.5"}})
    ).get_json()
    assert "above high" in above["errors"][f"rows-{index.index('churn_reduction')}-value"]
    db.session.refresh(case)
    assert case.case_hash == before


def test_a_bad_cell_is_a_400_naming_it_and_saves_nothing(cx_client, make_case) -> None:
    case = make_case()
    before = case.case_hash
    response = cx_client.post(
        f"/cases/{case.id}/grid", data=_grid(case, {"arpu": {"value": "lots"}})
    )
    assert response.status_code == 400
    index = [a.key for a in case.assumptions].index("arpu")
    assert re.search(rf'id="rows-{index}-value-error"[^>]*>[^<]+', response.text)
    db.session.refresh(case)
    assert case.case_hash == before


def test_an_assumption_in_use_cannot_be_emptied_away(cx_client, make_case) -> None:
    case = make_case()
    before = case.case_hash
    empty = dict.fromkeys(("key", "label", "value", "unit", "low", "high", "source", "owner"), "")
    response = cx_client.post(f"/cases/{case.id}/grid", data=_grid(case, {"arpu": empty}))
    assert response.status_code == 409
    assert "arpu" in unescape(response.text)
    db.session.refresh(case)
    assert case.case_hash == before


def test_finance_owned_rows_stay_finance_s(cx_client, make_case) -> None:
    case = make_case()
    page = cx_client.get(f"/cases/{case.id}/grid").text
    index = [a.key for a in case.assumptions].index("arpu")  # owned by Finance
    assert re.search(rf'name="rows-{index}-value"[^>]*readonly', page)
    response = cx_client.post(f"/cases/{case.id}/grid", data=_grid(case, {"arpu": {"value": "30"}}))
    assert response.status_code == 403
    db.session.refresh(case)
    assert {a.key: a.value for a in case.assumptions}["arpu"] == 29


def test_too_many_rows_are_refused(cx_client, make_case) -> None:
    case = make_case()
    data = _grid(case)
    for i in range(40, 345):
        data[f"rows-{i}-key"] = f"k{i}"
    assert cx_client.post(f"/cases/{case.id}/grid", data=data).status_code == 400


@pytest.mark.parametrize("lock", ["abc", "", "9" * 30])
def test_a_lock_that_is_not_the_case_s_is_a_409_and_saves_nothing(
    cx_client, make_case, lock
) -> None:
    case = make_case()
    before = case.case_hash
    data = {**_grid(case, {"churn_reduction": {"value": "0.07"}}), "lock_version": lock}
    assert cx_client.post(f"/cases/{case.id}/grid", data=data).status_code == 409
    db.session.refresh(case)
    assert case.case_hash == before
