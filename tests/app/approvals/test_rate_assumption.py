"""A discount rate that an assumption sets (issue 13 item 5) stays finance's on every path.

Pointing the rate at an assumption is a finance change; the assumption it names becomes
finance's (a CX user cannot change its value or range), on the API and the forms alike.
Finance chooses the source on the case form; hostile input is a 4xx naming the field
with nothing saved; the results page says which assumption sets the rate.
"""

from __future__ import annotations

import copy
import re

from cxroi import orgsettings
from cxroi.api import tokens
from cxroi.extensions import db
from models import Case
from tests.app.approvals.web import case_form, sign_in
from tests.appsupport import example_document

WACC = {
    "key": "wacc",
    "label": "Cost of capital",
    "value": 0.09,
    "unit": "ratio/year",
    "low": 0.07,
    "high": 0.12,
}


def _api(app, user):
    return {"Authorization": f"Bearer {tokens.create_token(user, 't', 'write')[1]}"}


def _with_wacc(app, users):
    """A case (created by CX through the API) with a CX-owned assumption wacc."""
    client = app.test_client()
    doc = example_document()
    doc["assumptions"].append(dict(WACC))
    r = client.post("/api/v1/cases", json=doc, headers=_api(app, users["cx"]))
    assert r.status_code == 201, r.text
    return client, r.get_json(), r.headers["ETag"]


def test_pointing_the_rate_at_an_assumption_is_finance_s_and_makes_it_finance_s(app, users):
    client, body, etag = _with_wacc(app, users)
    case_id, cx, fin = body["id"], _api(app, users["cx"]), _api(app, users["finance"])
    keyed = {**body["document"], "discount_rate": "wacc"}
    r = client.put(f"/api/v1/cases/{case_id}", json=keyed, headers={**cx, "If-Match": etag})
    assert r.status_code == 403 and "discount_rate" in r.get_json()["detail"], r.text
    db.session.expire_all()
    assert db.session.get(Case, case_id).doc.discount_rate_key is None
    r = client.put(f"/api/v1/cases/{case_id}", json=keyed, headers={**fin, "If-Match": etag})
    assert r.status_code == 200, r.text
    doc, etag = r.get_json()["document"], r.headers["ETag"]
    assert doc["discount_rate"] == "wacc"
    # The assumption is now finance's: a CX change of its value or range is refused.
    for field, value in (("value", 0.1), ("low", 0.05), ("high", 0.2)):
        moved = copy.deepcopy(doc)
        next(a for a in moved["assumptions"] if a["key"] == "wacc")[field] = value
        r = client.put(f"/api/v1/cases/{case_id}", json=moved, headers={**cx, "If-Match": etag})
        assert r.status_code == 403 and '"wacc"' in r.get_json()["detail"], (field, r.text)
    db.session.expire_all()
    stored = db.session.get(Case, case_id)
    assert stored.doc.assumption("wacc").value == 0.09 and stored.discount_rate == 0.09
    # The rest of the case stays the CX owner's.
    r = client.put(
        f"/api/v1/cases/{case_id}",
        json={**doc, "title": "Renamed"},
        headers={**cx, "If-Match": etag},
    )
    assert r.status_code == 200, r.text
    etag = r.headers["ETag"]
    # Finance moves it; the rate follows.
    moved = copy.deepcopy(r.get_json()["document"])
    next(a for a in moved["assumptions"] if a["key"] == "wacc")["value"] = 0.1
    r = client.put(f"/api/v1/cases/{case_id}", json=moved, headers={**fin, "If-Match": etag})
    assert r.status_code == 200, r.text
    db.session.expire_all()
    assert db.session.get(Case, case_id).discount_rate == 0.1
    # Hostile values on the API are a 4xx naming the field, nothing saved.
    etag = r.headers["ETag"]
    for hostile in ("nope", "Bad Key", True, "\u0000"):
        bad = {**moved, "discount_rate": hostile}
        r = client.put(f"/api/v1/cases/{case_id}", json=bad, headers={**fin, "If-Match": etag})
        assert 400 <= r.status_code < 500 and "discount_rate" in r.text, (hostile, r.text)
    wide = copy.deepcopy(moved)
    next(a for a in wide["assumptions"] if a["key"] == "wacc")["low"] = -3
    r = client.put(f"/api/v1/cases/{case_id}", json=wide, headers={**fin, "If-Match": etag})
    assert 400 <= r.status_code < 500 and "discount_rate" in r.text, r.text
    db.session.expire_all()
    stored = db.session.get(Case, case_id)
    assert stored.doc.discount_rate_key == "wacc" and stored.doc.assumption("wacc").low == 0.07


def test_a_cx_import_with_a_rate_assumption_gets_the_default_rate(app, users):
    """A CX user's new case takes the organisation's default rate, as a number: the
    document's choice of an assumption is finance's, so it is dropped with the number."""
    client = app.test_client()
    doc = example_document()
    doc["assumptions"].append(dict(WACC))
    doc["discount_rate"] = "wacc"
    r = client.post("/api/v1/cases", json=doc, headers=_api(app, users["cx"]))
    assert r.status_code == 201, r.text
    stored = r.get_json()["document"]
    assert stored["discount_rate"] == orgsettings.default_discount_rate()
    assert next(a for a in stored["assumptions"] if a["key"] == "wacc")["value"] == 0.09


def _form(client, case_id: int, source: str, rate: str = "9") -> dict[str, str]:
    return case_form(client, case_id, discount_rate_source=source, discount_rate=rate)


def test_finance_chooses_the_rate_s_assumption_on_the_case_form(app, users):
    _client, body, _etag = _with_wacc(app, users)
    case_id = body["id"]
    cx = sign_in(app, users["cx"])
    page = cx.get(f"/cases/{case_id}/edit").text
    assert 'name="discount_rate_source" value=""' in page  # hidden: not theirs to choose
    r = cx.post(f"/cases/{case_id}/edit", data=_form(cx, case_id, "wacc"))
    assert r.status_code == 403 and "discount_rate" in r.text
    fin = sign_in(app, users["finance"])
    page = fin.get(f"/cases/{case_id}/edit").text
    # A labelled select (keyboard-usable as any select), the fixed rate first.
    assert re.search(
        r'<label[^>]*for="discount_rate_source"[^>]*>\s*Discount rate comes from', page
    )
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', page)
    assert ("", "A fixed rate (the number below)") in options
    assert ("wacc", "The assumption Cost of capital") in options
    # Hostile sources are refused naming the field, nothing saved.
    for hostile in ("nope", "subscribers\x00", "WACC", "x" * 500):
        r = fin.post(f"/cases/{case_id}/edit", data=_form(fin, case_id, hostile))
        assert r.status_code == 400, (hostile, r.status_code)
        if "\x00" in hostile:  # refused at the edge, naming the field
            assert "discount_rate_source" in r.text, r.text
            continue
        assert 'href="#discount_rate_source"' in r.text, hostile
        assert "Discount rate comes from: choose a fixed rate" in r.text, hostile
    # An assumption whose range leaves the rate's domain is refused naming the field.
    db.session.expire_all()
    assert db.session.get(Case, case_id).doc.discount_rate_key is None
    r = fin.post(f"/cases/{case_id}/edit", data=_form(fin, case_id, "subscribers", rate=""))
    assert r.status_code == 400 and 'href="#discount_rate"' in r.text, r.text
    assert "Assumption &#34;subscribers&#34; has value 64000" in r.text
    db.session.expire_all()
    assert db.session.get(Case, case_id).doc.discount_rate_key is None
    # The assumption, with no number of its own needed.
    r = fin.post(f"/cases/{case_id}/edit", data=_form(fin, case_id, "wacc", rate=""))
    assert r.status_code == 302, r.text
    db.session.expire_all()
    stored = db.session.get(Case, case_id)
    assert stored.doc.discount_rate_key == "wacc" and '"discount_rate":"wacc"' in stored.document
    results = fin.get(f"/cases/{case_id}").text
    assert "discount rate 9.0% from assumption &#34;Cost of capital&#34;" in results
    edit = fin.get(f"/cases/{case_id}/edit").text
    assert re.search(r"<option[^>]*(selected[^>]*value=\"wacc\"|value=\"wacc\"[^>]*selected)", edit)
    # The inputs page says the CX owner cannot edit it: Finance does.
    inputs = cx.get(f"/cases/{case_id}/inputs").text
    row = next(r for r in inputs.split("<tr")[1:] if "<td" in r and "Cost of capital" in r)
    assert "Finance edits" in row and "/assumptions/" not in row
    # The CX owner still edits the details: the form carries the source as it is.
    page = cx.get(f"/cases/{case_id}/edit").text
    assert 'name="discount_rate_source" value="wacc"' in page
    data = {**_form(cx, case_id, "wacc"), "title": "Kept by its owner"}
    r = cx.post(f"/cases/{case_id}/edit", data=data)
    assert r.status_code == 302, r.text
    db.session.expire_all()
    stored = db.session.get(Case, case_id)
    assert stored.title == "Kept by its owner" and stored.doc.discount_rate_key == "wacc"
    # Back to a fixed rate: a number again.
    r = fin.post(f"/cases/{case_id}/edit", data=_form(fin, case_id, "", rate="8"))
    assert r.status_code == 302, r.text
    db.session.expire_all()
    stored = db.session.get(Case, case_id)
    assert stored.doc.discount_rate_key is None and stored.discount_rate == 0.08
