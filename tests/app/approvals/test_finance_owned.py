"""Finance's values stay finance's on every path: the form, an import and the API.

A case a CX user creates gets the organisation's default discount rate (set by finance
or an admin, audited) with a notice; a CX user's change of an existing case's rate is
refused, naming the field, with nothing saved.
"""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import select

from cxroi import orgsettings
from cxroi.api import tokens
from cxroi.extensions import db
from models import AuditEvent, Case
from tests.app.approvals.web import case_form, csrf_from, post_form, sign_in
from tests.appsupport import example_document


def _set_default(app, users, rate_percent: str):
    fin = sign_in(app, users["finance"])
    r = post_form(fin, "/admin/settings", "/admin/settings", {"discount_rate": rate_percent})
    assert r.status_code == 302, r.text
    return fin


def test_finance_or_an_admin_sets_the_default_rate_audited(app, users):
    fin = _set_default(app, users, "7.5")
    assert orgsettings.default_discount_rate() == 0.075
    assert "The default discount rate is now 7.5%." in fin.get("/admin/settings").text
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "setting")).one()
    assert (event.actor, event.field, event.new) == (
        "fin@example.com",
        "default_discount_rate",
        "0.075",
    )
    admin = sign_in(app, users["admin"])
    r = post_form(admin, "/admin/settings", "/admin/settings", {"discount_rate": "-150"})
    assert r.status_code == 400 and orgsettings.default_discount_rate() == 0.075
    cx = sign_in(app, users["cx"])
    assert cx.get("/admin/settings").status_code == 403
    r = cx.post("/admin/settings", data={"discount_rate": "50", "csrf_token": "x"})
    assert r.status_code in (400, 403) and orgsettings.default_discount_rate() == 0.075


def test_the_form_gives_a_new_case_the_default_rate_whatever_is_posted(app, users):
    _set_default(app, users, "6")
    cx = sign_in(app, users["cx"])
    page = cx.get("/cases/new").text
    r = cx.post(
        "/cases/new",
        data={
            "csrf_token": csrf_from(page),
            "title": "Chat bot",
            "currency": "GBP",
            "start_month": "2027-01",
            "horizon_months": "24",
            "discount_rate": "-50",  # a CX user cannot choose it
        },
    )
    assert r.status_code == 302, r.text
    case = db.session.scalars(select(Case)).one()
    assert case.discount_rate == 0.06
    assert "default discount rate, 6.0%, set by Finance" in cx.get(r.headers["Location"]).text


def test_an_import_by_cx_gets_the_default_rate_with_a_notice(app, users):
    _set_default(app, users, "8")
    cx = sign_in(app, users["cx"])
    doc = example_document()
    doc["discount_rate"] = -0.5
    page = cx.get("/cases/import").text
    r = cx.post(
        "/cases/import",
        data={
            "csrf_token": csrf_from(page),
            "case_file": (io.BytesIO(json.dumps(doc).encode()), "case.json"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.text
    case = db.session.scalars(select(Case)).one()
    assert case.discount_rate == 0.08 and case.doc.discount_rate == 0.08
    shown = cx.get(r.headers["Location"]).text
    assert "this case uses the organisation&#39;s default, 8.0%, not the −50.0%" in shown


def _api(app, user):
    return {"Authorization": f"Bearer {tokens.create_token(user, 't', 'write')[1]}"}


def test_the_api_create_and_replace_keep_finance_s_rate(app, users):
    _set_default(app, users, "8")
    client = app.test_client()
    cx = _api(app, users["cx"])
    doc = example_document()
    doc["discount_rate"] = -0.5
    r = client.post("/api/v1/cases", json=doc, headers=cx)
    assert r.status_code == 201, r.text
    body = r.get_json()
    assert body["document"]["discount_rate"] == 0.08
    assert any("organisation's default, 8.0%" in n for n in body["notices"])
    case_id, etag = body["id"], r.headers["ETag"]
    # Changing the rate of the existing case: refused, naming the field; nothing saved.
    doc = body["document"]
    doc["discount_rate"] = 0.5
    r = client.put(f"/api/v1/cases/{case_id}", json=doc, headers={**cx, "If-Match": etag})
    assert r.status_code == 403 and "discount_rate" in r.get_json()["detail"]
    db.session.expire_all()
    assert db.session.get(Case, case_id).discount_rate == 0.08
    # Finance may.
    fin = _api(app, users["finance"])
    r = client.put(f"/api/v1/cases/{case_id}", json=doc, headers={**fin, "If-Match": etag})
    assert r.status_code == 200 and r.get_json()["document"]["discount_rate"] == 0.5


def test_the_form_refuses_a_cx_change_of_an_existing_case_s_rate(app, users, case):
    cx = sign_in(app, users["cx"])
    page = cx.get(f"/cases/{case.id}/edit").text
    r = cx.post(
        f"/cases/{case.id}/edit",
        data={
            "csrf_token": csrf_from(page),
            "lock_version": str(case.lock_version),
            "title": case.title,
            "currency": case.currency,
            "start_month": case.start_month,
            "horizon_months": str(case.horizon_months),
            "discount_rate": "-50",
        },
    )
    assert r.status_code == 403 and "discount_rate" in r.text
    db.session.expire_all()
    assert db.session.get(Case, case.id).discount_rate == 0.09


def test_tax_and_the_continuing_value_are_finance_s_to_change_on_the_api(app, users):
    """Like the discount rate: a CX change of an existing case's tax or continuing value
    settings is refused naming the fields, nothing saved; finance's goes through."""
    client = app.test_client()
    cx = _api(app, users["cx"])
    doc = example_document()
    doc.update(tax_rate=0.25, tax_lag_months=3)  # a new case keeps the document's own
    r = client.post("/api/v1/cases", json=doc, headers=cx)
    assert r.status_code == 201, r.text
    body = r.get_json()
    case_id, etag = body["id"], r.headers["ETag"]
    assert (body["document"]["tax_rate"], body["document"]["tax_lag_months"]) == (0.25, 3)
    for change in (
        {"tax_rate": 0.3},
        {"tax_lag_months": 0},
        {"continuing_value": "customer_runoff"},
        {"continuing_value": "gordon_growth", "continuing_growth": 0.01},
        {"discounting": "actual_365"},
        {"inflation_rate": 0.02},
    ):
        edited = {**body["document"], **change}
        r = client.put(f"/api/v1/cases/{case_id}", json=edited, headers={**cx, "If-Match": etag})
        assert r.status_code == 403, (change, r.text)
        detail = r.get_json()["detail"]
        assert all(name in detail for name in change), detail
        assert "set by Finance" in detail
    db.session.expire_all()
    stored = db.session.get(Case, case_id)
    assert (stored.doc.tax_rate, stored.doc.continuing_value) == (0.25, "none")
    fin = _api(app, users["finance"])
    edited = {
        **body["document"],
        "tax_rate": 0.3,
        "continuing_value": "customer_runoff",
        "inflation_rate": 0.02,
    }
    r = client.put(f"/api/v1/cases/{case_id}", json=edited, headers={**fin, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.get_json()["document"]["tax_rate"] == 0.3
    assert r.get_json()["document"]["continuing_value"] == "customer_runoff"
    assert r.get_json()["document"]["inflation_rate"] == 0.02
    # A hostile inflation rate on the API is a 4xx naming the field, nothing saved.
    etag = r.headers["ETag"]
    for hostile in ("NaN", 1e308, -2, "\u0000"):
        bad = {**edited, "inflation_rate": hostile}
        r = client.put(f"/api/v1/cases/{case_id}", json=bad, headers={**fin, "If-Match": etag})
        assert 400 <= r.status_code < 500 and "inflation_rate" in r.text, (hostile, r.text)
    db.session.expire_all()
    assert db.session.get(Case, case_id).doc.inflation_rate == 0.02


def test_finance_sets_the_discounting_on_the_form_and_a_cx_post_of_it_is_refused(app, users, case):
    """The case form offers the convention to finance only; a CX user's post of another
    one is refused naming the field, nothing saved; the case header then states it."""

    def form(client, discounting: str) -> dict[str, str]:
        return case_form(client, case.id, discounting=discounting)

    cx = sign_in(app, users["cx"])
    assert 'name="discounting" value="end_of_month"' in cx.get(f"/cases/{case.id}/edit").text
    r = cx.post(f"/cases/{case.id}/edit", data=form(cx, "mid_month"))
    assert r.status_code == 403 and "discounting" in r.text
    db.session.expire_all()
    assert db.session.get(Case, case.id).discounting == "end_of_month"
    fin = sign_in(app, users["finance"])
    page = fin.get(f"/cases/{case.id}/edit").text
    assert "Calendar dates, act/365" in page
    r = fin.post(f"/cases/{case.id}/edit", data=form(fin, "actual_365"))
    assert r.status_code == 302, r.text
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.discounting == "actual_365"
    assert "discount rate 9.0% (act/365 on calendar dates)" in fin.get(f"/cases/{case.id}").text
    # Back to the default: the document leaves the field out again.
    r = fin.post(f"/cases/{case.id}/edit", data=form(fin, "end_of_month"))
    assert r.status_code == 302, r.text
    db.session.expire_all()
    assert "discounting" not in db.session.get(Case, case.id).document


def test_finance_sets_inflation_on_the_form_and_a_cx_post_of_it_is_refused(app, users, case):
    """Inflation is finance's, like the discount rate: a CX user's post of it is refused
    naming the field with nothing saved; finance's is kept (a percentage on the form, a
    ratio in the document), the results page states the amounts are nominal, and hostile
    values are refused beside the field."""

    def form(client, inflation: str) -> dict[str, str]:
        return case_form(client, case.id, inflation_rate=inflation)

    cx = sign_in(app, users["cx"])
    assert 'name="inflation_rate" value=""' in cx.get(f"/cases/{case.id}/edit").text
    r = cx.post(f"/cases/{case.id}/edit", data=form(cx, "3"))
    assert r.status_code == 403 and "inflation_rate" in r.text
    db.session.expire_all()
    assert '"inflation_rate"' not in db.session.get(Case, case.id).document
    fin = sign_in(app, users["finance"])
    for hostile in ("nan", "1e308", "-200", "\x00", "inf"):
        r = fin.post(f"/cases/{case.id}/edit", data=form(fin, hostile))
        assert r.status_code in (400, 422), (hostile, r.status_code)
        # A NUL is refused at the edge naming the field; a number out of range beside it.
        assert ("inflation_rate" if hostile == "\x00" else "Inflation must be") in r.text
    db.session.expire_all()
    assert '"inflation_rate"' not in db.session.get(Case, case.id).document
    r = fin.post(f"/cases/{case.id}/edit", data=form(fin, "3"))
    assert r.status_code == 302, r.text
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.inflation_rate == 0.03 and '"inflation_rate":0.03' in stored.document
    results = fin.get(f"/cases/{case.id}").text  # the results page
    assert (
        "amounts in nominal terms: inflation 3.0% a year on top of each line&#39;s escalation"
        in results
    )
    edit = fin.get(f"/cases/{case.id}/edit").text
    assert re.search(r'name="inflation_rate"[^>]*value="3"', edit)
    # A CX user may still save the rest: the hidden field carries finance's value.
    r = cx.post(f"/cases/{case.id}/edit", data={**form(cx, "3"), "discount_rate": "9"})
    assert r.status_code == 302, r.text
    # Back to none: the document leaves the field out again.
    r = fin.post(f"/cases/{case.id}/edit", data=form(fin, ""))
    assert r.status_code == 302, r.text
    db.session.expire_all()
    assert '"inflation_rate"' not in db.session.get(Case, case.id).document
