"""PUT/GET /api/v1/cases/{id}/actuals/{YYYY-MM}, and ``cxroi actuals import``."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from cxroi.actuals import services
from cxroi.casework.actuals import Entry
from cxroi.cli import main

JSON = {"Content-Type": "application/json"}
BODY = {
    "lines": [
        {"line_id": "c4", "cost": 1500},
        {"line_id": "b1", "benefit": 2100.5, "drivers": {"customers": 118000}},
    ]
}


def put(api, case_id: int, month: str, body) -> object:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.put(f"/api/v1/cases/{case_id}/actuals/{month}", data=data, headers=JSON)


def test_put_replaces_the_month_and_again_changes_nothing(api_as, finance_user, approved):
    api = api_as(finance_user)
    first = put(api, approved.id, "2027-04", BODY)
    assert first.status_code == 200, first.text
    assert first.json["changed"] == 3
    assert first.json["lines"] == [
        {"line_id": "b1", "cost": None, "benefit": 2100.5, "drivers": {"customers": 118000.0}},
        {"line_id": "c4", "cost": 1500.0, "benefit": None, "drivers": {}},
    ]
    assert put(api, approved.id, "2027-04", BODY).json["changed"] == 0
    got = api.get(f"/api/v1/cases/{approved.id}/actuals/2027-04")
    assert got.status_code == 200 and got.json["lines"] == first.json["lines"]
    listed = api.get(f"/api/v1/cases/{approved.id}/actuals").json
    assert [m["month"] for m in listed["months"]] == ["2027-04"]
    emptied = put(api, approved.id, "2027-04", {"lines": []})
    assert emptied.json["changed"] == 3 and emptied.json["lines"] == []


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ({"lines": [{"line_id": "x9", "cost": 1}]}, "lines[0].line_id", "no line has the id"),
        ({"lines": [{"line_id": "c4", "cost": "12"}]}, "lines[0].cost", "must be a number"),
        ({"lines": [{"line_id": "c4", "cost": 1e14}]}, "lines[0].cost", "at most"),
        ({"lines": [{"line_id": "c4", "benefit": 1}]}, "lines[0].benefit", "is a cost line"),
        (
            {"lines": [{"line_id": "b1", "drivers": {"volume": 1}}]},
            "lines[0].drivers.volume",
            "does not use volume",
        ),
        (
            {"lines": [{"line_id": "c4", "cost": 1}, {"line_id": "c4", "cost": 2}]},
            "lines[1].line_id",
            "given twice",
        ),
        ({"lines": [{"line_id": "c4", "colour": 1}]}, "lines[0].colour", "is not a field"),
        ({"rows": []}, "lines", "is required"),
        ({"lines": [{"line_id": "c4", "note": "a\x00b"}]}, "lines[0].note", ""),
    ],
)
def test_bad_input_is_422_naming_the_field_and_saves_nothing(
    api_as, finance_user, approved, body, path, message
):
    response = put(api_as(finance_user), approved.id, "2027-04", body)
    assert response.status_code == 422, response.text
    assert response.mimetype == "application/problem+json"
    errors = {e["path"]: e["message"] for e in response.json["errors"]}
    assert path in errors and message in errors[path], errors
    assert services.entries_of(approved.id) == []


@pytest.mark.parametrize("raw", ['{"lines": [{"line_id": "c4", "cost": NaN}]}', "[1"])
def test_nan_and_broken_json_are_refused(api_as, finance_user, approved, raw):
    response = put(api_as(finance_user), approved.id, "2027-04", raw)
    assert response.status_code in (400, 422), response.text
    assert services.entries_of(approved.id) == []


def test_a_month_outside_the_case_is_named(api_as, finance_user, approved):
    response = put(api_as(finance_user), approved.id, "2026-01", BODY)
    assert response.status_code == 422
    assert response.json["errors"][0]["path"] == "month"
    assert "before the case starts" in response.json["errors"][0]["message"]


def test_a_draft_is_409_and_a_stranger_403(api_as, finance_user, make_user, make_case, approved):
    draft = make_case()
    refused = put(api_as(finance_user), draft.id, "2027-04", BODY)
    assert refused.status_code == 409 and "approved case only" in refused.json["detail"]
    stranger = put(api_as(make_user("cx")), approved.id, "2027-04", BODY)
    assert stranger.status_code == 403
    read_only = put(api_as(finance_user, "read"), approved.id, "2027-04", BODY)
    assert read_only.status_code == 403
    assert services.entries_of(approved.id) == []


@pytest.fixture
def cli(app, monkeypatch):
    @contextmanager
    def the_test_app():
        yield app

    monkeypatch.setattr("cxroi.app_cli._app", the_test_app)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_cli_import_saves_and_reports_problems(cli, approved, finance_user, tmp_path):
    good = tmp_path / "april.csv"
    good.write_text("month,line_id,cost\n2027-04,c4,1500\n")
    result = cli("actuals", "import", str(approved.id), str(good), "--as", finance_user.email)
    assert result.exit_code == 0, result.output
    assert "2027-04: 1 value changed." in result.output
    assert services.entries_of(approved.id) == [Entry("2027-04", "c4", 1500.0, None, {})]
    bad = tmp_path / "bad.csv"
    bad.write_text("month,line_id,cost\n2027-04,c4,lots\n")
    result = cli("actuals", "import", str(approved.id), str(bad))
    assert result.exit_code == 1
    assert 'bad.csv: row 2, cost: must be a number, not "lots"' in result.output
    assert services.entries_of(approved.id)[0].cost == 1500.0
