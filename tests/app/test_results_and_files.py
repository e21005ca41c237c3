"""The results page shows the engine's numbers; case files go out and come back the same."""

from __future__ import annotations

import io
import json
import re
from html import unescape

from sqlalchemy import select

from cxroi.engine import analyse, case_hash, load_case
from cxroi.extensions import db
from cxroi.formatting import money, months, pct
from models import Case
from tests.appsupport import example_document


def metric(html: str, name: str) -> str:
    match = re.search(rf'data-metric="{name}">([^<]*)<', html)
    assert match, name
    return unescape(match.group(1))


def test_results_page_shows_the_engines_headline_figures(cx_client, make_case):
    case = make_case()
    expected = analyse(load_case(example_document()), trials=0)
    html = cx_client.get(f"/cases/{case.id}").text
    assert metric(html, "npv") == money(expected.metrics.npv, "GBP")
    assert metric(html, "roi") == pct(expected.metrics.roi)
    assert metric(html, "payback") == months(expected.metrics.payback_months)
    assert f"unadjusted {money(expected.unadjusted.npv, 'GBP')}" in unescape(html)
    assert "£575,053" in unescape(html)  # the example's NPV, as `cxroi calc` prints it


def test_results_page_has_charts_with_text_equivalents(cx_client, make_case):
    case = make_case()
    html = unescape(cx_client.get(f"/cases/{case.id}").text)
    for chart in ("chart-cumulative", "chart-tornado", "chart-histogram"):
        assert f'id="{chart}"' in html
    data = json.loads(re.search(r'id="chart-data">(.*?)</script>', html, re.S).group(1))
    assert data["cumulative"]["payback"] == case.payback_months
    assert len(data["cumulative"]["adjusted"]) == case.horizon_months + 1
    assert data["tornado"]["rows"][0]["key"] == case.result["tornado"][0]["key"]
    assert "Annual cash flow" in html and "Monthly cash flow (37 months)" in html
    assert "Pilot results halve at scale" in html
    assert "Probability that NPV is above zero" in html
    assert "Break-even values" in html
    assert "<script>" not in html and "style=" not in html


def test_results_page_does_not_recompute(cx_client, make_case, monkeypatch):
    case = make_case()
    monkeypatch.setattr("cxroi.cases.services.analyse", lambda *a, **k: 1 / 0)
    assert cx_client.get(f"/cases/{case.id}").status_code == 200
    assert cx_client.get("/").status_code == 200


def test_export_then_import_gives_the_same_case_hash(cx_client, make_case):
    case = make_case()
    response = cx_client.get(f"/cases/{case.id}/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    exported = response.data
    assert case_hash(load_case(json.loads(exported))) == case.case_hash
    assert case.case_hash == case_hash(load_case(example_document()))
    response = cx_client.post(
        "/cases/import",
        data={"case_file": (io.BytesIO(exported), "case.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert len(cases) == 2 and cases[1].case_hash == cases[0].case_hash
    assert cases[1].doc == cases[0].doc


def test_import_shows_every_error_with_its_path(cx_client):
    doc = example_document()
    doc["horizon_months"] = 500
    doc["benefits"][0]["reduction"] = "churn_reductio"
    doc["costs"][0]["recurrence"] = "sometimes"
    response = cx_client.post(
        "/cases/import",
        data={"case_file": (io.BytesIO(json.dumps(doc).encode()), "bad.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = unescape(response.text)
    assert "Nothing was imported" in html
    assert "<code>horizon_months</code>" in html
    assert '<code>benefits[0].reduction</code> unknown assumption "churn_reductio"' in html
    assert "<code>costs[0].recurrence</code>" in html
    assert db.session.scalars(select(Case)).first() is None


def test_import_of_something_that_is_not_json(cx_client):
    response = cx_client.post(
        "/cases/import",
        data={"case_file": (io.BytesIO(b"\x89PNG not json"), "x.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "not a valid case file" in unescape(response.text)


def test_import_without_a_file_says_so(cx_client):
    response = cx_client.post("/cases/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a case file to import." in response.text


def test_every_reference_and_example_case_round_trips(make_case):
    from tests.support import reference_case_path, reference_names

    names = reference_names()
    assert names, "no reference cases: see tests/data/README.md"
    docs = [example_document()] + [json.loads(reference_case_path(n).read_text()) for n in names]
    for doc in docs:
        case = make_case(doc)
        assert case.case_hash == case_hash(load_case(doc)), doc["title"]


def test_a_case_without_lines_says_what_to_do_next(cx_client, make_case):
    doc = {**example_document(), "costs": [], "benefits": [], "scenarios": []}
    case = make_case(doc)
    html = cx_client.get(f"/cases/{case.id}").text
    assert "Nothing to price yet" in html and "chart-cumulative" not in html


def test_import_keeps_long_free_text_whole(cx_client):
    doc = example_document()
    doc["costs"][0]["department"] = "Customer Operations and Digital Service Design " * 4
    doc["assumptions"][0]["unit"] = "active subscribers at the start of the month " * 3
    response = cx_client.post(
        "/cases/import",
        data={"case_file": (io.BytesIO(json.dumps(doc).encode()), "long.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.scalars(select(Case)).one()
    assert case.costs[0].department == doc["costs"][0]["department"]
    assert case.case_hash == case_hash(load_case(doc))


def test_results_page_shows_both_npvs_and_leads_with_the_case_s_choice(cx_client, make_case):
    doc = {
        **example_document(),
        "format": "cxroi-case/2",
        "continuing_value": "customer_runoff",
        "headline_npv": "with_continuing_value",
    }
    case = make_case(doc)
    cv = analyse(load_case(doc), trials=0).continuing_value
    assert cv is not None and cv.pv > 0
    html = unescape(cx_client.get(f"/cases/{case.id}").text)
    assert metric(html, "npv") == money(cv.npv_with_continuing_value, "GBP")
    assert "NPV with continuing value" in html
    assert "NPV within the horizon" in html and money(cv.npv_within_horizon, "GBP") in html
    assert "Continuing value, PV (customer run-off)" in html and money(cv.pv, "GBP") in html
    case = make_case({**doc, "headline_npv": "horizon"})
    html = unescape(cx_client.get(f"/cases/{case.id}").text)
    assert metric(html, "npv") == money(cv.npv_within_horizon, "GBP")


def test_results_page_shows_after_tax_figures_beside_pre_tax(cx_client, make_case):
    doc = {**example_document(), "format": "cxroi-case/2", "tax_rate": 0.25}
    doc["costs"] = [
        {**c, "treatment": "capex", "life_months": 36} if c.get("month", None) == 0 else c
        for c in doc["costs"]
    ]
    case = make_case(doc)
    after = analyse(load_case(doc), trials=0).after_tax
    assert after is not None
    html = unescape(cx_client.get(f"/cases/{case.id}").text)
    assert "NPV after tax (tax 25.0%)" in html and money(after.metrics.npv, "GBP") in html
    assert "Payback after tax" in html and months(after.metrics.payback_months) in html


def test_an_after_tax_irr_above_1000_percent_carries_the_caution():
    from cxroi.engine.metrics import IRR_CAUTION
    from cxroi.headline import after_tax_rows

    def irr_row(irr: float) -> str:
        metrics = {"npv": 1.0, "irr": irr, "irr_note": None, "payback_months": 1.0}
        after = {"rate": 0.25, "lag_months": 0, "metrics": metrics}
        rows = {label: value for label, value, _ in after_tax_rows({"after_tax": after}, "GBP")}
        return rows["IRR after tax"]

    assert irr_row(12.5) == f"1250.0% ({IRR_CAUTION})"
    assert irr_row(10.0) == "1000.0%"  # exactly 1,000 %: no caution


def test_results_page_shows_the_expected_npv_beside_the_headline(cx_client, make_case):
    """The Monte Carlo mean, labelled with its trials, under the base case's NPV; the
    same trials and seed in the engine give the same mean."""
    from cxroi.engine import DEFAULT_SEED, simulate

    case = make_case()
    html = unescape(cx_client.get(f"/cases/{case.id}").text)
    match = re.search(
        r'data-expected="npv">expected NPV \(mean of ([\d,]+) trials\): ([^<]*)<', html
    )
    assert match, "no expected NPV beside the headline"
    trials = int(match.group(1).replace(",", ""))
    mc = simulate(load_case(example_document()), trials=trials, seed=DEFAULT_SEED)
    assert mc is not None and match.group(2) == money(mc.mean, "GBP")
    assert metric(html, "expected-npv") == money(mc.mean, "GBP")
    # Beside an NPV with continuing value, it says it is the NPV within the horizon.
    doc = {
        **example_document(),
        "format": "cxroi-case/2",
        "continuing_value": "customer_runoff",
        "headline_npv": "with_continuing_value",
    }
    html = unescape(cx_client.get(f"/cases/{make_case(doc).id}").text)
    assert "expected NPV within the horizon (mean of" in html


def test_the_sponsor_reads_the_same_headline_npv_as_the_results_page_and_the_figures_beside_it(
    app, cx_client, make_case, cx_user, finance_user
):
    from cxroi.approvals import links
    from tests.app.api.conftest import freeze

    doc = {
        **example_document(),
        "format": "cxroi-case/2",
        "continuing_value": "customer_runoff",
        "headline_npv": "with_continuing_value",
        "tax_rate": 0.25,
    }
    expected = analyse(load_case(doc), trials=0)
    cv, after = expected.continuing_value, expected.after_tax
    assert cv is not None and after is not None and cv.pv > 0
    case = freeze(make_case(doc), cx_user, finance_user)
    view = links.create_link(
        case, cx_user, recipient_name="Board", recipient_email="board@example.com", scope="view"
    )
    html = unescape(app.test_client().get(f"/s/{view.token}").text)
    lead = re.search(
        r'<span class="h-label">([^<]*)</span>\s*<span[^>]*id="headline-npv">([^<]*)<', html
    )
    assert lead and lead.groups() == (
        "NPV with continuing value",
        money(cv.npv_with_continuing_value, "GBP"),
    )
    assert metric(unescape(cx_client.get(f"/cases/{case.id}").text), "npv") == lead.group(2)
    beside = {
        label: (adjusted, unadjusted)
        for label, adjusted, unadjusted in re.findall(
            r'<tr><th scope="row">([^<]*)</th><td class="num">([^<]*)</td>'
            r'<td class="num">([^<]*)</td></tr>',
            html.split('id="beside"')[1].split("</table>")[0],
        )
    }
    assert beside["NPV within the horizon"][0] == money(cv.npv_within_horizon, "GBP")
    assert beside["Continuing value, PV (customer run-off)"][0] == money(cv.pv, "GBP")
    assert beside["NPV after tax (tax 25.0%)"] == (money(after.metrics.npv, "GBP"), "—")
    assert beside["Payback after tax"][0] == months(after.metrics.payback_months)
