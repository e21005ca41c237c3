"""Frozen versions through /api/v1: list, one version's documents and hashes, its workbook."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from openpyxl import load_workbook

from cxroi.approvals.steps import take_case_step
from cxroi.engine import FORMAT_V1
from cxroi.extensions import db
from models import CaseVersion
from tests.app.api.conftest import assert_problem, freeze
from tests.app.approvals.conftest import accept_all
from tests.appsupport import tamper
from tests.support import reference_case_path

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_versions_are_listed_newest_first(cx_api, frozen, cx_user, finance_user):
    take_case_step(frozen, "reopen", cx_user)  # supersedes version 1
    take_case_step(frozen, "submit", cx_user)
    accept_all(frozen, finance_user)
    take_case_step(frozen, "sign_off", finance_user)

    response = cx_api.get(f"/api/v1/cases/{frozen.id}/versions")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [v["number"] for v in items] == [2, 1]
    assert [v["superseded"] for v in items] == [False, True]
    assert items[1]["superseded_reason"] == "a new draft was started by Casey"
    assert items[0]["signed_off_by"] == {"id": finance_user.id, "name": "Fran"}
    assert items[0]["url"] == f"/api/v1/cases/{frozen.id}/versions/2"
    assert items[0]["workbook_url"] == f"/api/v1/cases/{frozen.id}/versions/2/workbook"


def test_a_version_carries_its_frozen_documents_and_their_hashes(cx_api, frozen):
    stored = db.session.query(CaseVersion).filter_by(case_id=frozen.id, number=1).one()
    response = cx_api.get(f"/api/v1/cases/{frozen.id}/versions/1")
    assert response.status_code == 200
    body = response.get_json()
    # The hashes are of the documents as frozen; recompute them from the stored text.
    assert body["case_hash"] == sha256(stored.case_json) == frozen.case_hash
    assert body["result_hash"] == sha256(stored.result_json)
    assert body["document"] == json.loads(stored.case_json)
    assert body["result"] == json.loads(stored.result_json)
    assert body["superseded"] is False and body["superseded_at"] is None
    assert body["signed_off_by"]["name"] == "Fran"


def test_a_version_frozen_as_cxroi_case_1_is_served_as_frozen(
    cx_api, make_case, cx_user, finance_user
):
    """Versions frozen before /2 keep their /1 text and hash (migration 0200): served as is."""
    text = reference_case_path("lead-qualification").read_text()
    case = freeze(make_case(json.loads(text)), cx_user, finance_user)
    tamper(  # as the migration left it (a version's text is sealed: written past the guards)
        "UPDATE case_versions SET case_json = :j, case_hash = :h WHERE case_id = :c",
        {"j": text, "h": sha256(text), "c": case.id},
    )

    response = cx_api.get(f"/api/v1/cases/{case.id}/versions/1")
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["document"] == json.loads(text)
    assert body["document"]["format"] == FORMAT_V1
    assert body["case_hash"] == sha256(text)


def test_the_case_names_its_current_version(cx_api, frozen, cx_user):
    body = cx_api.get(f"/api/v1/cases/{frozen.id}").get_json()
    assert body["status"] == "ready"
    assert body["current_version"]["number"] == 1
    assert body["current_version"]["case_hash"] == frozen.case_hash
    take_case_step(frozen, "reopen", cx_user)
    assert cx_api.get(f"/api/v1/cases/{frozen.id}").get_json()["current_version"] is None


def test_replacing_a_frozen_case_starts_a_new_draft(cx_api, frozen):
    read = cx_api.get(f"/api/v1/cases/{frozen.id}")
    doc, etag = read.get_json()["document"], read.headers["ETag"]
    doc["title"] = "Changed after sign-off"
    response = cx_api.put(f"/api/v1/cases/{frozen.id}", json=doc, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert (body["status"], body["current_version"]) == ("draft", None)
    listed = cx_api.get(f"/api/v1/cases/{frozen.id}/versions").get_json()["items"]
    assert [v["superseded"] for v in listed] == [True]


def test_the_workbook_of_a_version_is_its_xlsx(cx_api, frozen):
    response = cx_api.get(f"/api/v1/cases/{frozen.id}/versions/1/workbook")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert frozen.case_hash[:12] in disposition
    workbook = load_workbook(io.BytesIO(response.data))
    assert "Summary" in workbook.sheetnames and "Inputs" in workbook.sheetnames
    texts = {c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row}
    assert frozen.title in texts
    assert any(isinstance(t, str) and frozen.case_hash in t for t in texts)


@pytest.mark.parametrize(
    "path",
    ["/versions/2", "/versions/2/workbook", "/versions/0"],
)
def test_missing_versions_are_404_problems(cx_api, frozen, path):
    assert_problem(cx_api.get(f"/api/v1/cases/{frozen.id}{path}"), 404)


def test_versions_of_a_missing_case_are_404(cx_api):
    assert_problem(cx_api.get("/api/v1/cases/4242/versions"), 404)
    assert_problem(cx_api.get("/api/v1/cases/4242/versions/1"), 404)


def test_a_case_without_versions_lists_none(cx_api, make_case):
    case = make_case()
    assert cx_api.get(f"/api/v1/cases/{case.id}/versions").get_json() == {"items": []}
