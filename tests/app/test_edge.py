"""Hostile values at the edge: a clear 4xx naming the field, never a 5xx (issue 10, item 4).

Run on PostgreSQL too (``CXROI_TEST_DATABASE_URL``): an integer past what an INTEGER
column holds is an error there, not "no row", and a NUL cannot be stored at all.
"""

from __future__ import annotations

import io
import json
from html import unescape

import pytest

from cxroi.extensions import db
from models import Case, User
from tests.appsupport import example_document


@pytest.fixture
def make_token():
    from cxroi.api.tokens import create_token

    return lambda user, scope="write": create_token(user, "edge test", scope)[1]


HUGE_IDS = ["2147483648", "9223372036854775808", "9" * 40]


@pytest.mark.parametrize("number", HUGE_IDS)
def test_an_id_past_the_database_integers_is_a_404_page(cx_client, make_case, number):
    case = make_case()
    for url in (
        f"/cases/{number}",
        f"/cases/{number}/inputs",
        f"/cases/{case.id}/versions/{number}.json",
        f"/cases/{case.id}/comments/{number}/reply",
        f"/cases/{case.id}/links/{number}/revoke",
        f"/profile/tokens/{number}/revoke",
    ):
        response = cx_client.post(url) if "/reply" in url or "revoke" in url else cx_client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert "<h1>Page not found</h1>" in response.text
        assert number in response.text  # it says which number is not found


@pytest.mark.parametrize("number", HUGE_IDS)
def test_an_api_id_past_the_database_integers_is_a_404_problem(app, cx_user, make_token, number):
    client = app.test_client()
    token = make_token(cx_user, "read")
    response = client.get(f"/api/v1/cases/{number}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "query", ["page=" + "9" * 30, "page=-" + "9" * 30, "owner=" + "9" * 30, "owner=-5"]
)
def test_a_huge_number_in_the_portfolio_query_is_no_error(cx_client, make_case, query):
    make_case()
    response = cx_client.get(f"/?{query}")
    assert response.status_code == 200


def test_a_huge_version_number_to_compare_is_a_400_naming_it(finance_client, make_case):
    case = make_case()
    response = finance_client.get(f"/cases/{case.id}/versions?old=1&new={'9' * 30}")
    assert response.status_code == 400
    assert f"Case {case.id} has no version {'9' * 30}." in unescape(response.text)


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "esc\x1b[0m", "c1\x85"])
def test_a_control_character_in_the_login_email_is_a_400_naming_the_field(client, bad):
    response = client.post("/login", data={"email": bad, "password": "x" * 12})
    assert response.status_code == 400
    text = unescape(response.text)
    assert "field “email”" in text
    assert "control characters" in text or "NUL" in text
    assert "Nothing was saved" in text


def test_a_nul_in_a_query_is_a_400_naming_the_parameter(cx_client):
    response = cx_client.get("/?q=a%00b")
    assert response.status_code == 400
    assert "query parameter “q”" in unescape(response.text)


@pytest.mark.parametrize("bad", ["T\x00", "T\x07", "T\x7f"])
def test_a_control_character_in_a_case_field_saves_nothing(cx_client, make_case, bad):
    case = make_case()
    before = (case.lock_version, case.case_hash)
    response = cx_client.post(
        f"/cases/{case.id}/edit",
        data={"title": bad, "currency": "GBP", "start_month": "2027-01",
              "horizon_months": "36", "discount_rate": "9", "lock_version": case.lock_version},
    )  # fmt: skip
    assert response.status_code == 400
    assert "“title”" in unescape(response.text)
    db.session.expire_all()
    after = db.session.get(Case, case.id)
    assert (after.lock_version, after.case_hash) == before


def test_a_line_break_in_a_one_line_field_is_the_engines_field_error(cx_client, make_case):
    case = make_case()
    response = cx_client.post(
        f"/cases/{case.id}/edit",
        data={"title": "Two\nlines", "currency": "GBP", "start_month": "2027-01",
              "horizon_months": "36", "discount_rate": "9", "lock_version": case.lock_version},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Must not contain control characters (it holds \\u000a)." in unescape(response.text)


@pytest.mark.parametrize("value", ["1e308", "-1e308", "inf", "NaN", "Infinity", "1e14"])
def test_a_non_finite_or_huge_amount_in_a_form_saves_nothing(cx_client, make_case, value):
    case = make_case()
    line = case.costs[0]
    before = case.case_hash
    response = cx_client.post(
        f"/cases/{case.id}/costs/{line.id}",
        data={"lock_version": case.lock_version, "name": line.name, "category": "x",
              "recurrence": "once", "month": "0", "amount": value},
    )  # fmt: skip
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Case, case.id).case_hash == before


@pytest.mark.parametrize("field", ["month", "start_month", "end_month"])
def test_a_month_past_every_integer_is_a_field_error(cx_client, make_case, field):
    case = make_case()
    line = case.costs[0]
    response = cx_client.post(
        f"/cases/{case.id}/costs/{line.id}",
        data={"lock_version": case.lock_version, "name": line.name, "category": "x",
              "recurrence": "once" if field == "month" else "monthly", "amount": "10",
              field: "9" * 30},
    )  # fmt: skip
    assert response.status_code == 400
    assert "10^13" in unescape(response.text) or "horizon" in unescape(response.text)


def test_a_huge_lock_version_is_a_stale_form_not_a_database_error(cx_client, make_case):
    case = make_case()
    response = cx_client.post(
        f"/cases/{case.id}/edit",
        data={"title": "T", "currency": "GBP", "start_month": "2027-01",
              "horizon_months": "36", "discount_rate": "9", "lock_version": "9" * 30},
    )  # fmt: skip
    assert response.status_code in (400, 409)


def test_an_oversize_form_gets_the_apps_own_413_page(app, cx_client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = (
        b'--b\r\nContent-Disposition: form-data; name="case_file"; filename="case.json"\r\n\r\n'
        + b"x" * (limit + 1)
        + b"\r\n--b--\r\n"
    )  # bytes, not a file: the test client would leave its spooled copy open
    response = cx_client.post(
        "/cases/import", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    assert 'href="/static/css/app.css' in response.text  # the app's page, not werkzeug's
    assert db.session.query(Case).count() == 0


def test_an_oversize_api_body_is_a_413_problem(app, cx_user, make_token):
    token = make_token(cx_user)
    response = app.test_client().post(
        "/api/v1/cases",
        data=b" " * (app.config["API_MAX_BODY_BYTES"] + 1),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_document_past_the_limits_is_refused_by_import_and_api(
    app, cx_client, cx_user, make_token
):
    doc = example_document()
    doc["assumptions"] += [
        {"key": f"spare_{i}", "label": "Spare", "value": 1, "unit": "x"} for i in range(300)
    ]
    response = cx_client.post(
        "/cases/import",
        data={"case_file": (io.BytesIO(json.dumps(doc).encode()), "case.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "a case has at most 300 assumptions" in unescape(response.text)
    token = make_token(cx_user)
    api = app.test_client().post(
        "/api/v1/cases", json=doc, headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 422
    assert api.json["errors"][0]["path"] == "assumptions"
    assert db.session.query(Case).count() == 0


def test_the_twenty_first_scenario_is_refused_in_the_editor(cx_client, make_case):
    doc = example_document()
    key = doc["assumptions"][0]["key"]
    doc["scenarios"] = [
        {"name": f"S{i}", "overrides": {key: doc["assumptions"][0]["value"]}} for i in range(20)
    ]
    case = make_case(doc)
    before = case.case_hash
    response = cx_client.post(
        f"/cases/{case.id}/scenarios/new",
        data={"lock_version": case.lock_version, "name": "One more", f"ov_{key}": "1"},
    )
    assert response.status_code == 400
    assert "a case has at most 20 scenarios; this one has 21" in unescape(response.text)
    db.session.expire_all()
    assert db.session.get(Case, case.id).case_hash == before


def test_a_new_user_with_a_nul_in_the_name_is_refused(admin_client):
    response = admin_client.post(
        "/admin/users",
        data={"email": "new@example.com", "name": "A\x00", "role": "cx", "password": "x" * 12},
    )
    assert response.status_code == 400
    assert db.session.query(User).filter_by(email="new@example.com").count() == 0
