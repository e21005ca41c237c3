"""The finance workbook of the live case, one click from the case page."""

from __future__ import annotations

import io

import openpyxl
import pytest


def _values(book: openpyxl.Workbook) -> list[object]:
    return [cell.value for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def test_the_case_page_links_to_its_workbook(cx_client, make_case):
    case = make_case()
    page = cx_client.get(f"/cases/{case.id}").text
    assert f'href="/cases/{case.id}/workbook.xlsx"' in page
    assert "Download workbook" in page


def test_the_workbook_is_the_case_in_formulas_with_its_audit_trail(finance_client, make_case):
    case = make_case()
    response = finance_client.get(f"/cases/{case.id}/workbook.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert (
        disposition == 'attachment; filename="first-contact-resolution-in-the-contact-centre.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert {"Summary", "Inputs", "Calculations", "Checks", "Audit"} <= set(book.sheetnames)
    values = _values(book)
    assert case.title in values
    assert case.case_hash in values
    # The Checks sheet holds the NPV the app computed at export, to compare with the formula.
    assert any(isinstance(v, float) and v == pytest.approx(case.npv, abs=0.01) for v in values)
    audit = [c.value for row in book["Audit"].iter_rows() for c in row if c.value]
    assert any("case" in str(v) for v in audit)
    assert book.defined_names["npv"] is not None


def test_the_workbook_needs_a_signed_in_user(client, make_case):
    case = make_case()
    response = client.get(f"/cases/{case.id}/workbook.xlsx")
    assert response.status_code in (302, 401)
    assert not response.data.startswith(b"PK")


def test_an_unknown_case_has_no_workbook(cx_client):
    assert cx_client.get("/cases/999999/workbook.xlsx").status_code == 404
