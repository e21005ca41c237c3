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


def _checks_npv(data: bytes) -> float:
    """The NPV the Checks sheet holds as the app's value at export."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    for label, _, app_value, _ in book["Checks"].iter_rows(min_row=8, values_only=True):
        if label == "npv agrees with the app at export":
            return float(app_value)
    raise AssertionError("no NPV check in the workbook")


def _counting_analyse(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from cxroi import workbooks

    calls: list[int] = []
    real = workbooks.analyse

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(workbooks, "analyse", counting)
    return calls


def test_the_workbook_reads_the_stored_result_without_pricing(
    finance_client, make_case, monkeypatch
):
    case = make_case()
    calls = _counting_analyse(monkeypatch)
    response = finance_client.get(f"/cases/{case.id}/workbook.xlsx")
    assert response.status_code == 200
    assert calls == []
    assert _checks_npv(response.data) == case.result["metrics"]["npv"]


@pytest.mark.parametrize("loss", ["no result", "result of other content"])
def test_a_case_without_its_stored_result_is_priced_once_for_the_workbook(
    finance_client, make_case, monkeypatch, loss
):
    from cxroi.engine import evaluate_metrics
    from cxroi.extensions import db

    case = make_case()
    npv = evaluate_metrics(case.doc).npv
    if loss == "no result":
        case.result = None
    else:
        case.case_hash = "0" * 64
    db.session.commit()
    calls = _counting_analyse(monkeypatch)
    response = finance_client.get(f"/cases/{case.id}/workbook.xlsx")
    assert response.status_code == 200
    assert calls == [1]
    assert _checks_npv(response.data) == pytest.approx(npv, rel=1e-12)
    # A download stores nothing: the case is left as it was.
    db.session.expire_all()
    assert (case.result is None) == (loss == "no result")


def _forbid_pricing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every binding, in every loaded cxroi module, of the engine's pricing and simulation
    entry points raises: whatever path a download took to them, it would fail."""
    import sys

    from cxroi.engine import analysis, pricing

    entry_points = {
        id(f): f
        for f in (
            analysis.analyse,
            analysis._analyse,
            analysis.simulate,
            analysis.monte_carlo,
            pricing.price,
            pricing.evaluate_metrics,
        )
    }

    def forbidden(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a workbook download priced or simulated the case")

    for name, module in list(sys.modules.items()):
        if not name.startswith("cxroi") or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if id(value) in entry_points and value is entry_points[id(value)]:
                monkeypatch.setattr(module, attr, forbidden)


def test_a_download_never_prices_nor_simulates_a_case_with_its_stored_result(
    finance_client, make_case, monkeypatch
):
    from cxroi.engine import analysis

    case = make_case()
    assert case.result["monte_carlo"]["trials"] > 0  # stored at the save, with its statistics
    _forbid_pricing(monkeypatch)
    with pytest.raises(AssertionError, match="priced or simulated"):
        analysis.analyse(case.doc)  # the guard is in place
    first = finance_client.get(f"/cases/{case.id}/workbook.xlsx")
    again = finance_client.get(f"/cases/{case.id}/workbook.xlsx")
    assert first.status_code == again.status_code == 200
    assert _checks_npv(first.data) == _checks_npv(again.data) == case.result["metrics"]["npv"]
