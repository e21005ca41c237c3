"""The line grids (issue 14, item 6): the cost lines, and each benefit kind's lines, as
editable tables checked by the one-line forms' rules and saved as one audited edit."""

from __future__ import annotations

import copy
import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from cxroi.cases.grid import BENEFITS, COSTS
from cxroi.engine import KINDS, analyse, load_case
from cxroi.extensions import db
from cxroi.formatting import money, plain
from models import AuditEvent
from tests.appsupport import example_document


def _cell_text(value: Any) -> str:
    return plain(value) if isinstance(value, int | float) else ("" if value is None else value)


def _grid(
    doc: dict[str, Any],
    columns: tuple[str, ...],
    items: list[dict[str, Any]],
    lock: int,
    changes: dict[str, dict[str, Any]] | None = None,
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """A grid's form data as its page posts it, with ``changes`` by line name applied."""
    data = {"lock_version": str(lock)}
    rows = []
    for item in items:
        row = {"id": item["id"], **{c: _cell_text(item.get(c)) for c in columns}}
        row.update((changes or {}).get(item["name"], {}))
        rows.append(row)
    rows += extra or []
    rows.append(dict.fromkeys(("id", "name"), ""))  # a blank row
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"rows-{i}-{name}"] = str(value)
    return data


def _costs(case: Any, changes=None, extra=None) -> dict[str, str]:
    doc = example_document()
    return _grid(doc, COSTS.columns, doc["costs"], case.lock_version, changes, extra)


def _benefits(case: Any, kind: str, changes=None, extra=None) -> dict[str, str]:
    doc = example_document()
    items = [b for b in doc["benefits"] if b["kind"] == kind]
    return _grid(doc, BENEFITS[kind].columns, items, case.lock_version, changes, extra)


def _npv(doc: dict[str, Any]) -> float:
    return analyse(load_case(doc), trials=0).metrics.npv


def test_every_kind_has_a_grid_with_its_own_parameters(cx_client, make_case) -> None:
    case = make_case()
    for kind, definition in KINDS.items():
        page = unescape(cx_client.get(f"/cases/{case.id}/grid/benefits/{kind}").text)
        for p in definition.parameters:
            assert f'name="rows-0-{p.name}"' in page, (kind, p.name)
        for other in set().union(*(k.names for k in KINDS.values())) - set(definition.names):
            assert f'name="rows-0-{other}"' not in page, (kind, other)
    page = unescape(cx_client.get(f"/cases/{case.id}/grid/costs").text)
    names = [c["name"] for c in example_document()["costs"]]
    for i, name in enumerate(names):
        assert f'name="rows-{i}-name" id="rows-{i}-name" value="{name}"' in page
    assert money(case.npv, "GBP") in page
    assert cx_client.get(f"/cases/{case.id}/grid/benefits/nonsense").status_code == 404


def test_a_cost_grid_save_changes_adds_and_removes_lines_as_one_audited_edit(
    cx_client, make_case
) -> None:
    case = make_case()
    data = _costs(
        case,
        {
            "Agent training": {"amount": "45,000", "month": "2"},
            "First-call refunds": dict.fromkeys((*COSTS.columns,), ""),  # emptied: deleted
        },
        [
            {
                "id": "",
                "name": "Content design",
                "category": "people",
                "recurrence": "monthly",
                "start_month": "3",
                "end_month": "14",
                "amount": "2500",
                "escalation": "",
                "risk": "10%",
            },
        ],
    )
    events_before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    response = cx_client.post(f"/cases/{case.id}/grid/costs", data=data)
    assert response.status_code == 302, unescape(response.text)[:3000]
    db.session.refresh(case)
    expected = copy.deepcopy(example_document())
    expected["costs"] = [c for c in expected["costs"] if c["name"] != "First-call refunds"]
    training = next(c for c in expected["costs"] if c["name"] == "Agent training")
    training.update(amount=45000, month=2)
    expected["costs"].append(
        {
            "name": "Content design",
            "category": "people",
            "recurrence": "monthly",
            "start_month": 3,
            "end_month": 14,
            "amount": 2500,
            "risk": 0.1,
        }
    )
    assert [c.name for c in case.costs] == [c["name"] for c in expected["costs"]]
    assert case.npv == pytest.approx(_npv(expected), rel=1e-12)
    # One edit: one new version of the lock, its audit rows written with it.
    assert case.lock_version == 2
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)).all()
    actions = {(e.entity, e.action) for e in events}
    assert {("cost", "create"), ("cost", "delete")} <= actions, actions
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) > events_before


def test_a_benefit_grid_keeps_other_kinds_notes_and_register(cx_client, make_case) -> None:
    doc = example_document()
    doc["benefits"][1]["note"] = "From the pilot"
    case = make_case(doc)
    data = _benefits(
        case,
        "cost_savings",
        {"Repeat calls avoided": {"unit_cost": "5.1", "ramp_months": "4"}},
        [
            {
                "id": "",
                "name": "Emails avoided",
                "ramp_start": "",
                "ramp_months": "",
                "volume": "3000",
                "reduction": "25%",
                "unit_cost": "2.2",
                "escalation": "",
                "risk": "",
            }
        ],
    )
    response = cx_client.post(f"/cases/{case.id}/grid/benefits/cost_savings", data=data)
    assert response.status_code == 302, unescape(response.text)[:3000]
    db.session.refresh(case)
    expected = copy.deepcopy(doc)
    expected["benefits"][1].update(unit_cost=5.1, ramp_months=4)
    expected["benefits"].append(
        {
            "name": "Emails avoided",
            "kind": "cost_savings",
            "volume": 3000,
            "reduction": 0.25,
            "unit_cost": 2.2,
        }
    )
    assert case.npv == pytest.approx(_npv(expected), rel=1e-12)
    by_name = {b.name: b for b in case.benefits}
    assert by_name["Repeat calls avoided"].note == "From the pilot"
    assert by_name["Subscribers kept"].kind == "churn"  # the churn line is not this grid's
    assert by_name["Emails avoided"].ramp_start == 1


def test_the_check_prices_the_grid_and_names_bad_cells_without_saving(cx_client, make_case) -> None:
    case = make_case()
    before = case.case_hash
    answer = cx_client.post(
        f"/cases/{case.id}/grid/costs/check",
        data=_costs(case, {"Agent training": {"amount": "60000"}}),
    ).get_json()
    expected = example_document()
    next(c for c in expected["costs"] if c["name"] == "Agent training")["amount"] = 60000
    assert answer["errors"] == {}
    assert answer["npv"] == money(_npv(expected), "GBP")
    names = [c["name"] for c in example_document()["costs"]]
    bad = cx_client.post(
        f"/cases/{case.id}/grid/costs/check",
        data=_costs(
            case,
            {"Agent training": {"amount": "lots"}, "Knowledge base licence": {"risk": "nokey"}},
        ),
    ).get_json()
    assert set(bad["errors"]) == {
        f"rows-{names.index('Agent training')}-amount",
        f"rows-{names.index('Knowledge base licence')}-risk",
    }
    assert (
        "neither a number nor an assumption"
        in bad["errors"][f"rows-{names.index('Knowledge base licence')}-risk"]
    )
    assert bad["npv"] is None
    # The engine's own rule (a reduction is a ratio from 0 to 1) lands on its cell too.
    engine = cx_client.post(
        f"/cases/{case.id}/grid/benefits/cost_savings/check",
        data=_benefits(case, "cost_savings", {"Repeat calls avoided": {"reduction": "1.5"}}),
    ).get_json()
    assert list(engine["errors"]) == ["rows-0-reduction"]
    assert engine["npv"] is None
    db.session.refresh(case)
    assert case.case_hash == before


@pytest.mark.parametrize(
    ("cell", "value", "column", "said"),
    [
        ("amount", "lots", "Amount", "neither a number nor an assumption"),
        ("month", "-1", "Month", "at least 0"),
        ("recurrence", "fortnightly", "Recurrence", "Not a valid choice"),
        ("name", "", "Name", "Enter a name"),
        ("amount", "1e300", "Amount", "at most"),
        ("end_month", "0", "To month", "at least 1"),
    ],
)
def test_a_hostile_cell_is_a_400_naming_row_and_column_and_saves_nothing(
    cx_client, make_case, cell, value, column, said
) -> None:
    case = make_case()
    before = case.case_hash
    names = [c["name"] for c in example_document()["costs"]]
    data = _costs(case, {"First-call refunds": {cell: value}})
    response = cx_client.post(f"/cases/{case.id}/grid/costs", data=data)
    assert response.status_code == 400, unescape(response.text)[:2000]
    text = unescape(response.text)
    row = names.index("First-call refunds") + 1
    assert re.search(rf"Row {row}, {column}: [^<]*{said}", text), text[-6000:]
    assert f'id="rows-{row - 1}-{cell}-error"' in text
    db.session.refresh(case)
    assert case.case_hash == before


def test_a_row_that_is_not_this_grid_s_is_refused(cx_client, make_case) -> None:
    case = make_case()
    before = case.case_hash
    # The churn line's id posted in the cost-savings grid would turn it into another kind.
    data = _benefits(
        case,
        "cost_savings",
        extra=[{"id": "b1", "name": "Hijack", "volume": "1", "reduction": "0.1", "unit_cost": "1"}],
    )
    response = cx_client.post(f"/cases/{case.id}/grid/benefits/cost_savings", data=data)
    assert response.status_code == 400
    assert "Row 2: it is not one of this case" in unescape(response.text)
    db.session.refresh(case)
    assert case.case_hash == before


def test_a_stale_lock_is_a_409_and_finance_cannot_edit_lines(
    cx_client, finance_client, make_case
) -> None:
    case = make_case()
    before = case.case_hash
    data = {**_costs(case, {"Agent training": {"amount": "1"}}), "lock_version": "0"}
    assert cx_client.post(f"/cases/{case.id}/grid/costs", data=data).status_code == 409
    data = _costs(case, {"Agent training": {"amount": "1"}})
    assert finance_client.post(f"/cases/{case.id}/grid/costs", data=data).status_code == 403
    assert finance_client.get(f"/cases/{case.id}/grid/benefits/churn").status_code == 403
    db.session.refresh(case)
    assert case.case_hash == before


def test_a_renamed_assumption_is_followed_by_the_lines_grid(cx_client, make_case) -> None:
    """An assumption renamed in its grid: the lines that name it follow, so their grid
    shows the new key."""
    case = make_case()
    keys = [a.key for a in case.assumptions]
    data: dict[str, str] = {"lock_version": str(case.lock_version)}
    for i, a in enumerate(case.assumptions):
        for name in ("key", "label", "unit", "source", "owner"):
            data[f"rows-{i}-{name}"] = getattr(a, name) or ""
        data[f"rows-{i}-id"] = a.id
        for name in ("value", "low", "high"):
            data[f"rows-{i}-{name}"] = plain(getattr(a, name))
    data[f"rows-{keys.index('kb_licence')}-key"] = "platform_licence"
    assert cx_client.post(f"/cases/{case.id}/grid", data=data).status_code == 302
    page = unescape(cx_client.get(f"/cases/{case.id}/grid/costs").text)
    assert 'value="platform_licence"' in page


def test_one_line_in_two_rows_is_refused(cx_client, make_case) -> None:
    case = make_case()
    before = case.case_hash
    doc = example_document()
    first = doc["costs"][0]
    twin = {
        "id": first["id"],
        "name": "Twin",
        "category": "technology",
        "recurrence": "once",
        "month": "0",
        "amount": "1",
    }
    response = cx_client.post(f"/cases/{case.id}/grid/costs", data=_costs(case, extra=[twin]))
    assert response.status_code == 400
    assert "Row 5: it is the same item as row 1" in unescape(response.text)
    db.session.refresh(case)
    assert case.case_hash == before
