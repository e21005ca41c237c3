"""CX and business metrics: per case and organisation-wide, by form, CSV and API."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select

from cxroi.actuals import metrics
from cxroi.casework.cx_metrics import MetricEntry
from cxroi.errors import PermissionDenied
from cxroi.extensions import db
from models import AuditEvent

CSV = "month,name,unit,value\n2027-04,nps,score,31\n2027-04,csat,%,82.5\n2027-05,nps,,33\n"


def test_a_csv_replaces_its_months_idempotently_and_is_audited(approved, finance_user):
    months, changes = metrics.import_csv(finance_user, approved.id, CSV.encode())
    assert months == ["2027-04", "2027-05"] and len(changes) == 3
    assert metrics.series(approved.id) == [
        MetricEntry("2027-04", "csat", "%", 82.5),
        MetricEntry("2027-04", "nps", "score", 31.0),
        MetricEntry("2027-05", "nps", "score", 33.0),  # a standard metric's unit by default
    ]
    assert metrics.import_csv(finance_user, approved.id, CSV.encode())[1] == []
    metrics.import_csv(finance_user, approved.id, b"month,name,value\n2027-04,nps,30\n")
    assert [e.name for e in metrics.series(approved.id) if e.month == "2027-04"] == ["nps"]
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "metric").order_by(AuditEvent.id)
    ).all()
    assert [(a.action, a.field, a.old, a.new) for a in audit[-2:]] == [
        ("delete", "2027-04 csat", "82.5", None),
        ("update", "2027-04 nps", "31", "30"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("month,name,value\n2027-04,Happy Score,3\n", "row 2, name: must be a metric name"),
        ("month,name,value\n2027-04,happiness,3\n", "row 2, unit: is required"),
        ("month,name,value\n2027-04,nps,lots\n", 'row 2, value: must be a number, not "lots"'),
        ("month,name,value\n2027-04,nps,inf\n", "row 2, value: must be a finite number"),
        ("month,name,value\n2027-04,nps,1e14\n", "row 2, value: must be at most"),
        ("month,name,value\n1999-12,nps,1\n", "row 2, month: 1999-12 is outside"),
        ("month,name,value\n2027-04,nps,1\n2027-04,nps,2\n", "row 3, name: nps in 2027-04 is"),
        ("month,name,value\n2027-04,nps,1\x00\n", "row 2: holds a NUL"),
        ("month,value\n2027-04,1\n", "row 1, name: this column is required"),
    ],
)
def test_bad_metrics_are_named_and_nothing_saved(finance_user, text, message):
    with pytest.raises(metrics.MetricsRejected) as caught:
        metrics.import_csv(finance_user, None, text.encode())
    assert any(str(p).startswith(message) for p in caught.value.problems), caught.value.problems
    assert metrics.series(None) == []


def test_a_case_metric_takes_the_case_months_only(approved, finance_user):
    with pytest.raises(metrics.MetricsRejected, match="2031-01 is outside 2027-02 to 2030-02"):
        metrics.import_csv(finance_user, approved.id, b"month,name,value\n2031-01,nps,1\n")


def test_who_enters_the_organisations_metrics(make_user):
    with pytest.raises(PermissionDenied):
        metrics.import_csv(make_user("admin"), None, CSV.encode())
    months, _ = metrics.import_csv(make_user("cx"), None, CSV.encode())
    assert months == ["2027-04", "2027-05"]


def test_the_month_form_saves_and_shows_errors_beside_the_cell(cx_client):
    bad = cx_client.post(
        "/metrics",
        data={"month": "2027-04", "nps.value": "abc", "nps.unit": "score", "new.name": "x"},
    )
    assert bad.status_code == 400
    assert 'id="m-nps-value-error"' in bad.text and "must be a number" in bad.text
    assert metrics.series(None) == []
    good = cx_client.post(
        "/metrics",
        data={
            "month": "2027-04",
            "nps.value": "31",
            "nps.unit": "score",
            "new.name": "store_visits",
            "new.value": "1200",
            "new.unit": "visits",
        },
    )
    assert good.status_code == 302
    assert metrics.series(None) == [
        MetricEntry("2027-04", "nps", "score", 31.0),
        MetricEntry("2027-04", "store_visits", "visits", 1200.0),
    ]
    page = cx_client.get("/metrics").text
    assert "Store visits" in page and "1,200" in page  # a figure as people write it


def test_a_case_metrics_upload_previews_then_commits(finance_client, approved):
    url = f"/cases/{approved.id}/metrics"
    page = finance_client.post(
        f"{url}/upload",
        data={"csv_file": (io.BytesIO(CSV.encode()), "m.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200 and "3 values change" in page.text
    assert metrics.series(approved.id) == []
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', page.text)
    assert payload
    done = finance_client.post(f"{url}/commit", data={"payload": payload.group(1)})
    assert done.status_code == 302 and len(metrics.series(approved.id)) == 3
    template = finance_client.get(f"{url}/2027-04/template.csv").text
    assert "2027-04,nps,score,31" in template and "2027-04,fcr,ratio," in template


def test_the_api_sets_and_reads_metrics(api_as, cx_user, finance_user, approved):
    api = api_as(cx_user)
    headers = {"Content-Type": "application/json"}
    put = api.put("/api/v1/metrics/nps/2027-04", data=json.dumps({"value": 31}), headers=headers)
    assert put.status_code == 200, put.text
    assert put.json == {
        "case_id": None, "month": "2027-04", "name": "nps", "unit": "score", "value": 31.0,
        "changed": 1,
    }  # fmt: skip
    got = api.get("/api/v1/metrics/nps").json
    assert got["items"] == [{"month": "2027-04", "name": "nps", "unit": "score", "value": 31.0}]
    bad = api.put("/api/v1/metrics/nps/2027-04", data='{"value": "31"}', headers=headers)
    assert bad.status_code == 422
    assert bad.json["errors"] == [{"path": "value", "message": "must be a number, not a string"}]
    custom = api.put("/api/v1/metrics/visits/2027-04", data='{"value": 3}', headers=headers)
    assert custom.status_code == 422 and custom.json["errors"][0]["path"] == "unit"
    case_put = api_as(finance_user).put(
        f"/api/v1/cases/{approved.id}/metrics/churn_rate/2027-04",
        data=json.dumps({"value": 0.031}),
        headers=headers,
    )
    assert case_put.status_code == 200, case_put.text
    listed = api.get(f"/api/v1/cases/{approved.id}/metrics").json
    assert listed["items"] == [
        {"month": "2027-04", "name": "churn_rate", "unit": "ratio", "value": 0.031}
    ]
