"""The Excel round trip (issue 14, item 6): download the workbook, edit inputs in it with
openpyxl as a user would in Excel, upload it, see the diff, apply it as one audited
change that respects who owns which value."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from cxroi.engine import analyse, load_case
from cxroi.extensions import db
from models import AuditEvent
from tests.appsupport import example_document

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _register_row(sheet: Any, key: str) -> int:
    """The Inputs row of assumption ``key`` (column A holds the key)."""
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, 1).value == key:
            return row
    raise AssertionError(f"no row for {key}")


def _line_row(sheet: Any, line_title: str, label: str) -> int:
    """The Inputs row of parameter ``label`` under the line whose title starts so."""
    inside = False
    for row in range(1, sheet.max_row + 1):
        first = sheet.cell(row, 1).value
        if isinstance(first, str) and first:
            inside = first.startswith(line_title)
        if inside and sheet.cell(row, 2).value == label:
            return row
    raise AssertionError(f"no {label} under {line_title}")


def _edited(client: Any, case_id: int, edit: Any) -> bytes:
    download = client.get(f"/cases/{case_id}/workbook.xlsx")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    edit(book["Inputs"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client: Any, case_id: int, data: bytes, name: str = "edited.xlsx") -> Any:
    return client.post(
        f"/cases/{case_id}/workbook/upload",
        data={"workbook": (io.BytesIO(data), name, XLSX)},
        content_type="multipart/form-data",
    )


def _apply_fields(page: str) -> dict[str, str]:
    fields = {}
    for name in ("base_hash", "changes"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', page
        )
        assert match, name
        fields[name] = unescape(match.group(1))
    return fields


def _priced(doc: dict[str, Any]) -> float:
    return analyse(load_case(doc), trials=0).metrics.npv


def test_edit_two_inputs_upload_see_the_diff_and_apply(cx_client, make_case) -> None:
    case = make_case()
    before_hash = case.case_hash

    def edit(sheet: Any) -> None:
        row = _register_row(sheet, "churn_reduction")  # the CX-owned assumption
        sheet.cell(row, 3).value = 0.08
        sheet.cell(_line_row(sheet, "Cost 3: Agent training", "Amount"), 3).value = 52_000

    preview = _upload(cx_client, case.id, _edited(cx_client, case.id, edit))
    assert preview.status_code == 200, preview.text
    text = unescape(preview.text)
    assert "2 inputs differ from the case" in text
    assert "Relative churn reduction (churn_reduction): value" in text
    assert "6.00%" in text and "8.00%" in text
    assert "Agent training: Amount" in text and "40,000" in text and "52,000" in text
    db.session.refresh(case)
    assert case.case_hash == before_hash  # a preview saves nothing

    applied = cx_client.post(f"/cases/{case.id}/workbook/apply", data=_apply_fields(preview.text))
    assert applied.status_code == 302
    db.session.refresh(case)
    expected = example_document()
    next(a for a in expected["assumptions"] if a["key"] == "churn_reduction")["value"] = 0.08
    next(c for c in expected["costs"] if c["name"] == "Agent training")["amount"] = 52_000
    assert case.npv == pytest.approx(_priced(expected), rel=1e-12)
    assert case.npv != pytest.approx(_priced(example_document()), rel=1e-6)
    assert case.doc.costs[2].amount == 52_000
    # One audited edit: both fields in the trail, with old and new values.
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "update")
    ).all()
    changed = {(e.field, e.old, e.new) for e in events}
    assert any(
        f and "amount" in f and "40000" in str(o) and "52000" in str(n) for f, o, n in changed
    )
    assert any(f and "value" in f and "0.06" in str(o) and "0.08" in str(n) for f, o, n in changed)
    page = cx_client.get(applied.headers["Location"]).text
    assert "Applied 2 changes from the workbook" in unescape(page)


def test_finance_owned_values_stay_finance_s(cx_client, finance_client, make_case) -> None:
    case = make_case()
    before = case.case_hash

    def cx_edit(sheet: Any) -> None:
        sheet["B6"].value = 0.05  # the discount rate
        sheet.cell(_register_row(sheet, "arpu"), 3).value = 30  # owned by Finance

    preview = _upload(cx_client, case.id, _edited(cx_client, case.id, cx_edit))
    assert preview.status_code == 200
    refused = cx_client.post(f"/cases/{case.id}/workbook/apply", data=_apply_fields(preview.text))
    assert refused.status_code == 403
    assert "discount rate" in unescape(refused.text).lower()
    db.session.refresh(case)
    assert case.case_hash == before

    def finance_edit(sheet: Any) -> None:
        sheet["B6"].value = 0.05

    preview = _upload(finance_client, case.id, _edited(finance_client, case.id, finance_edit))
    applied = finance_client.post(
        f"/cases/{case.id}/workbook/apply", data=_apply_fields(preview.text)
    )
    assert applied.status_code == 302
    db.session.refresh(case)
    assert case.discount_rate == 0.05
    assert case.npv == pytest.approx(_priced({**example_document(), "discount_rate": 0.05}))


def test_a_workbook_of_older_content_is_refused(cx_client, make_case) -> None:
    case = make_case()
    data = _edited(cx_client, case.id, lambda s: None)
    assert _upload(cx_client, case.id, data).status_code == 200  # current: nothing to apply
    # The case changes after the download.
    other = _edited(
        cx_client,
        case.id,
        lambda s: setattr(s.cell(_register_row(s, "churn_reduction"), 3), "value", 0.07),
    )
    preview = _upload(cx_client, case.id, other)
    cx_client.post(f"/cases/{case.id}/workbook/apply", data=_apply_fields(preview.text))
    db.session.refresh(case)
    now = case.case_hash
    stale = _upload(cx_client, case.id, data)
    assert stale.status_code == 409
    assert "Download the workbook again" in unescape(stale.text)
    # A preview's changes applied after the case moved on are refused too.
    again = cx_client.post(f"/cases/{case.id}/workbook/apply", data=_apply_fields(preview.text))
    assert again.status_code == 409
    db.session.refresh(case)
    assert case.case_hash == now


def test_an_unchanged_workbook_has_nothing_to_apply(cx_client, make_case) -> None:
    case = make_case()
    page = _upload(cx_client, case.id, _edited(cx_client, case.id, lambda s: None))
    assert page.status_code == 200
    assert "nothing to apply" in page.text


def _no_hash_workbook() -> bytes:
    book = Workbook()
    book.active.title = "Inputs"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "choose the file"),
        (b"not a workbook at all", "is not an Excel workbook"),
        (b"PK\x03\x04" + b"\x00" * 64, "is not an Excel workbook"),
        (_no_hash_workbook(), "carries no case hash"),
    ],
    ids=["empty", "text", "broken-zip", "no-hash"],
)
def test_files_that_are_not_its_workbook_are_400s_naming_the_file(
    cx_client, make_case, data, says
) -> None:
    case = make_case()
    before = case.case_hash
    response = _upload(cx_client, case.id, data)
    assert response.status_code == 400
    assert says in unescape(response.text)
    db.session.refresh(case)
    assert case.case_hash == before


@pytest.mark.parametrize(
    ("value", "says"),
    [("=C17*2", "holds a formula"), ("lots", "must be a number"), (None, "is empty")],
)
def test_an_input_cell_without_a_number_is_named(cx_client, make_case, value, says) -> None:
    case = make_case()

    def edit(sheet: Any) -> None:
        sheet.cell(_register_row(sheet, "churn_reduction"), 3).value = value

    response = _upload(cx_client, case.id, _edited(cx_client, case.id, edit))
    assert response.status_code == 400
    text = re.sub(r"<[^>]+>", "", unescape(response.text))
    row = _register_row(
        load_workbook(io.BytesIO(cx_client.get(f"/cases/{case.id}/workbook.xlsx").data))["Inputs"],
        "churn_reduction",
    )
    assert f"Inputs!C{row} (Relative churn reduction (churn_reduction): value) {says}" in text


@pytest.mark.parametrize(
    "changes",
    [
        json.dumps({"Z999": 1}),  # not an input cell
        json.dumps({"B6": float("nan")}).replace("NaN", "NaN"),
        json.dumps({"B6": "0.05"}),
        json.dumps([["B6", 0.05]]),
        "{" * 5_000,
        json.dumps({}),
    ],
    ids=["unknown-cell", "nan", "text", "list", "deep", "empty"],
)
def test_tampered_changes_are_400s_naming_the_field(finance_client, make_case, changes) -> None:
    case = make_case()
    before = case.case_hash
    response = finance_client.post(
        f"/cases/{case.id}/workbook/apply", data={"base_hash": before, "changes": changes}
    )
    assert response.status_code == 400
    assert "changes" in unescape(response.text).lower()
    db.session.refresh(case)
    assert case.case_hash == before


def test_a_month_read_back_stays_a_whole_month(cx_client, make_case) -> None:
    case = make_case()

    def edit(sheet: Any) -> None:
        sheet.cell(
            _line_row(sheet, "Cost 4: First-call refunds", "First month charged"), 3
        ).value = 4

    preview = _upload(cx_client, case.id, _edited(cx_client, case.id, edit))
    assert (
        cx_client.post(
            f"/cases/{case.id}/workbook/apply", data=_apply_fields(preview.text)
        ).status_code
        == 302
    )
    db.session.refresh(case)
    doc = json.loads(case.document)
    assert doc["costs"][3]["start_month"] == 4 and isinstance(doc["costs"][3]["start_month"], int)

    def half(sheet: Any) -> None:
        sheet.cell(
            _line_row(sheet, "Cost 4: First-call refunds", "First month charged"), 3
        ).value = 4.5

    refused = _upload(cx_client, case.id, _edited(cx_client, case.id, half))
    assert refused.status_code == 400
    assert "must be a whole number of months" in refused.text


def test_a_value_that_breaks_a_rule_is_named_by_its_cell(cx_client, make_case) -> None:
    case = make_case()
    rows: list[int] = []

    def edit(sheet: Any) -> None:
        rows.append(_register_row(sheet, "churn_reduction"))
        sheet.cell(rows[0], 3).value = 0.5  # above its high

    preview = _upload(cx_client, case.id, _edited(cx_client, case.id, edit))
    before = case.case_hash
    refused = cx_client.post(f"/cases/{case.id}/workbook/apply", data=_apply_fields(preview.text))
    assert refused.status_code == 400
    text = re.sub(r"<[^>]+>", "", unescape(refused.text))
    where = f"Inputs!C{rows[0]} (Relative churn reduction (churn_reduction): value)"
    assert f"{where} 0.5 is above high" in text
    db.session.refresh(case)
    assert case.case_hash == before


def test_only_people_who_may_edit_the_case_see_or_use_the_upload(
    login, make_user, make_case
) -> None:
    case = make_case()
    stranger = login(make_user("cx", "sam@example.com", "Sam"))
    assert stranger.get(f"/cases/{case.id}/workbook/upload").status_code == 403
    assert "Upload edited workbook" not in stranger.get(f"/cases/{case.id}").text
