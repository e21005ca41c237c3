"""Every error under /api/v1 is application/problem+json, and hostile bodies are 4xx naming
the field: never a 500, never an HTML page, nothing saved half-way."""

from __future__ import annotations

import json
import logging

import pytest

from cxroi.extensions import db, limiter
from models import Case
from tests.app.api.conftest import PROBLEM, assert_problem
from tests.appsupport import example_document

# -- statuses ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/", "/api/v1/nothing", "/api/v1/cases/x"])
def test_unknown_paths_are_404_problems(cx_api, path):
    response = cx_api.get(path)
    body = assert_problem(response, 404)
    assert "<html" not in response.text.lower()
    assert body["instance"] == path


def test_a_method_not_allowed_is_405_with_allow(cx_api, make_case):
    case = make_case()
    response = cx_api.open(f"/api/v1/cases/{case.id}", "DELETE")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "PUT"}
    assert_problem(cx_api.open("/api/v1/cases", "PATCH"), 405)


def test_the_web_app_still_answers_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_a_body_over_the_cap_is_413(cx_api, app):
    cap = app.config["API_MAX_BODY_BYTES"]
    padding = "x" * cap
    response = cx_api.post("/api/v1/cases", json={**example_document(), "description": padding})
    body = assert_problem(response, 413)
    assert f"{cap:,} bytes" in body["detail"]
    assert db.session.query(Case).count() == 0


@pytest.mark.parametrize(
    "content_type, data",
    [
        ("text/plain", json.dumps(example_document())),
        ("application/x-www-form-urlencoded", "title=x"),
        (None, json.dumps(example_document())),
    ],
)
def test_a_body_that_is_not_json_is_415(cx_api, content_type, data):
    headers = {"Content-Type": content_type} if content_type else {}
    response = cx_api.post("/api/v1/cases", data=data, headers=headers)
    assert "application/json" in assert_problem(response, 415)["detail"]
    assert db.session.query(Case).count() == 0


def test_json_with_a_suffix_media_type_is_accepted(cx_api):
    response = cx_api.post(
        "/api/v1/cases",
        data=json.dumps(example_document()),
        headers={"Content-Type": "application/vnd.cxroi-case+json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


def test_too_many_requests_is_429(app, cx_user, make_token):
    from cxroi import create_app

    token = make_token(cx_user, "read")
    limited = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI")},
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "API_RATE_LIMIT": "3 per minute",
        }
    )
    try:
        client = limited.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        responses = [client.get("/api/v1/cases", headers=headers) for _ in range(4)]
        other_caller = client.get("/api/v1/cases")  # counted apart: per token
    finally:
        limiter.reset()
        limiter.enabled = False  # the limiter object is shared: leave it as the suite had it
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[-1].mimetype == PROBLEM
    assert json.loads(responses[-1].data)["status"] == 429
    assert other_caller.status_code == 401


def test_an_unexpected_error_is_a_500_problem_without_details(cx_api, monkeypatch, caplog):
    from cxroi.api import views

    def broken(case_id: int) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.services, "get_case", broken)
    with caplog.at_level(logging.ERROR):
        response = cx_api.get("/api/v1/cases/1")
    body = assert_problem(response, 500)
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert body["detail"].startswith("Something went wrong on our side")
    assert "secret internals" in caplog.text  # logged for us


def test_problem_documents_have_the_rfc_9457_members(cx_api):
    body = assert_problem(cx_api.get("/api/v1/cases/4242"), 404)
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    assert (body["type"], body["title"]) == ("about:blank", "Not Found")


# -- hostile bodies --------------------------------------------------------------------------

VALID = json.dumps(example_document())
NESTED = "[" * 100_000 + "]" * 100_000


def _with(raw_fragment: str) -> str:
    """The example document with one more top-level member written as raw JSON text."""
    return VALID[:-1] + ", " + raw_fragment + "}"


def _at_cost(raw_amount: str) -> str:
    doc = example_document()
    doc["costs"][0]["amount"] = "PLACEHOLDER"
    return json.dumps(doc).replace('"PLACEHOLDER"', raw_amount)


HOSTILE = {
    # name: (body, status, {path: words in the message})
    "malformed": ('{"title": "x",', 400, None),
    "not utf-8": (b'{"title": "\xff"}', 400, None),
    "empty": ("", 400, None),
    "array": ("[1, 2]", 422, {"": "must be a JSON object"}),
    "string": ('"a case"', 422, {"": "must be a JSON object"}),
    "null": ("null", 422, {"": "must be a JSON object"}),
    "nul in title": (
        VALID.replace(json.dumps(example_document()["title"]), '"a\\u0000b"'),
        422,
        {"title": "NUL"},
    ),
    "nul in a key": (_with('"ke\\u0000y": 1'), 422, {"": "key"}),
    "lone surrogate": (
        VALID.replace(json.dumps(example_document()["title"]), '"\\ud800"'),
        422,
        {"title": "lone surrogate"},
    ),
    "lone surrogate deep": (
        VALID.replace('"Billing"', '"\\udfff"'),
        422,
        {"assumptions[3].source": "lone surrogate"},
    ),
    "control character in title": (
        VALID.replace(json.dumps(example_document()["title"]), '"bell\\u0007"'),
        422,
        {"title": "control characters (it holds \\u0007)"},
    ),
    "line break in a one-line field": (
        VALID.replace('"Billing"', '"Bill\\ning"'),
        422,
        {"assumptions[3].source": "control characters (it holds \\u000a)"},
    ),
    "deep nesting": (NESTED, 422, {"": "nested too deeply"}),
    "nesting inside the document": (
        _with('"extra": ' + "[" * 40 + "]" * 40),
        422,
        {"extra" + "[0]" * 31: "nested too deeply"},
    ),
    "huge integer": (
        _at_cost("9" * 5000),
        422,
        {"costs[0].amount": "at most 10,000,000,000,000 (10^13)"},
    ),
    "huge float": (
        _at_cost("1e400"),
        422,
        {"costs[0].amount": "at most 10,000,000,000,000 (10^13)"},
    ),
    "too large for the engine": (
        _at_cost("1e308"),
        422,
        {"costs[0].amount": "at most 10,000,000,000,000 (10^13)"},
    ),
    "nan": (_at_cost("NaN"), 422, {"costs[0].amount": "finite number, not NaN"}),
    "infinity": (_at_cost("-Infinity"), 422, {"costs[0].amount": "not -Infinity"}),
    "duplicate key": (_with('"title": "again"'), 422, {"title": "more than once"}),
    "unknown member": (_with('"extra": 1'), 422, {"extra": "not a field"}),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_create_bodies_are_4xx_naming_the_field(cx_api, name):
    body, status, expected = HOSTILE[name]
    data = body.encode() if isinstance(body, str) else body
    response = cx_api.post("/api/v1/cases", data=data, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, status)
    if expected is not None:
        found = {e["path"]: e["message"] for e in problem["errors"]}
        for path, words in expected.items():
            assert path in found, found
            assert words in found[path], found
    assert db.session.query(Case).count() == 0


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_replace_bodies_are_4xx_and_change_nothing(cx_api, make_case, name):
    case = make_case()
    before = case.case_hash
    etag = cx_api.get(f"/api/v1/cases/{case.id}").headers["ETag"]
    body, status, _expected = HOSTILE[name]
    data = body.encode() if isinstance(body, str) else body
    response = cx_api.put(
        f"/api/v1/cases/{case.id}",
        data=data,
        headers={"Content-Type": "application/json", "If-Match": etag},
    )
    assert_problem(response, status)
    db.session.expire_all()
    assert db.session.get(Case, case.id).case_hash == before
