"""The actuals pages: the month grid (CSRF on), the CSV template, upload, preview, commit."""

from __future__ import annotations

import csv
import io
import re

from cxroi.actuals import services
from cxroi.casework.actuals import Entry
from tests.app.conftest import PASSWORD


def csv_upload(client, case_id: int, text: str):
    return client.post(
        f"/cases/{case_id}/actuals/upload",
        data={"csv_file": (io.BytesIO(text.encode()), "actuals.csv")},
        content_type="multipart/form-data",
    )


def test_the_template_has_a_row_per_line_and_the_line_drivers_as_columns(finance_client, approved):
    response = finance_client.get(f"/cases/{approved.id}/actuals/2027-04/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:5] == ["month", "line_id", "line_name", "cost", "benefit"]
    # churn's parameters, then cost_savings' (volume, reduction, unit_cost, escalation)
    assert rows[0][5:] == [
        "customers", "annual_churn", "reduction", "arpu", "margin", "gross_adds",
        "volume", "unit_cost", "escalation",
    ]  # fmt: skip
    assert [r[1] for r in rows[1:]] == ["c1", "c2", "c3", "c4", "b1", "b2"]
    assert all(r[0] == "2027-04" for r in rows[1:])


def test_a_filled_template_uploads_through_a_preview_then_saves(finance_client, approved):
    template = finance_client.get(f"/cases/{approved.id}/actuals/2027-04/template.csv").text
    rows = list(csv.reader(io.StringIO(template)))
    header = rows[0]
    b1 = rows[5]
    b1[header.index("benefit")] = "2500"
    b1[header.index("customers")] = "118000"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    page = csv_upload(finance_client, approved.id, out.getvalue())
    assert page.status_code == 200, page.text
    assert "2 values change" in page.text
    assert services.entries_of(approved.id) == []  # a preview saves nothing
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', page.text)
    assert payload, page.text
    done = finance_client.post(
        f"/cases/{approved.id}/actuals/commit", data={"payload": payload.group(1)}
    )
    assert done.status_code == 302
    assert services.entries_of(approved.id) == [
        Entry("2027-04", "b1", None, 2500.0, {"customers": 118000.0})
    ]
    # The same file again: the preview says nothing changes.
    again = csv_upload(finance_client, approved.id, out.getvalue())
    assert "Nothing changes" in again.text


def test_a_bad_upload_lists_each_problem_and_saves_nothing(finance_client, approved):
    page = csv_upload(
        finance_client, approved.id, "month,line_id,cost\n2027-04,c4,abc\n2027-04,zz,1\n"
    )
    assert page.status_code == 400
    assert "row 2, cost: must be a number, not &#34;abc&#34;" in page.text
    assert "row 3, line_id: no line has the id &#34;zz&#34;" in page.text
    assert services.entries_of(approved.id) == []


def test_the_grid_saves_a_month_and_shows_errors_per_cell(finance_client, approved):
    url = f"/cases/{approved.id}/actuals/2027-06"
    page = finance_client.get(url)
    assert page.status_code == 200
    assert 'name="b2.volume"' in page.text and 'name="c1.cost"' in page.text
    bad = finance_client.post(url, data={"c4.cost": "1e99", "b2.volume": "12000"})
    assert bad.status_code == 400
    assert 'id="cell-c4-cost-error"' in bad.text
    assert "must be at most 10,000,000,000,000" in bad.text
    assert 'value="12000"' in bad.text  # what was typed is kept
    assert services.entries_of(approved.id) == []
    good = finance_client.post(url, data={"c4.cost": "1400", "b2.volume": "12000"})
    assert good.status_code == 302
    assert services.entries_of(approved.id) == [
        Entry("2027-06", "b2", None, None, {"volume": 12000.0}),
        Entry("2027-06", "c4", 1400.0, None, {}),
    ]


def token_on(client, url: str) -> str:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).text)
    assert token, f"no CSRF token on {url}"
    return token.group(1)


def test_the_grid_needs_its_csrf_token(app, other_app, approved, finance_user):
    strict = other_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    signed_in = client.post(
        "/login",
        data={
            "email": finance_user.email,
            "password": PASSWORD,
            "csrf_token": token_on(client, "/login"),
        },
    )
    assert signed_in.status_code == 302
    url = f"/cases/{approved.id}/actuals/2027-06"
    refused = client.post(url, data={"c4.cost": "1400"})
    assert refused.status_code == 400
    assert services.entries_of(approved.id) == []
    saved = client.post(url, data={"c4.cost": "1400", "csrf_token": token_on(client, url)})
    assert saved.status_code == 302
    assert services.entries_of(approved.id)[0].cost == 1400.0


def test_a_draft_case_refuses_actuals_with_409(finance_client, make_case):
    draft = make_case()
    response = finance_client.post(f"/cases/{draft.id}/actuals/2027-06", data={"c4.cost": "1"})
    assert response.status_code == 409
    assert "approved case only" in response.text


def test_a_month_outside_the_case_is_not_found(finance_client, approved):
    assert finance_client.get(f"/cases/{approved.id}/actuals/2031-01").status_code == 404
    assert finance_client.get(f"/cases/{approved.id}/actuals/2027-13").status_code == 404
