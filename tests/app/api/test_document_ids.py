"""A PUT keeps the case's ids: matched by key or name when left out, never moved or revived."""

from __future__ import annotations

from typing import Any

from cxroi.cases import parts
from cxroi.extensions import db
from models import Case
from tests.app.api.conftest import assert_problem


def _read(api: Any, case_id: int) -> tuple[dict[str, Any], str]:
    got = api.get(f"/api/v1/cases/{case_id}")
    assert got.status_code == 200, got.text
    return got.json["document"], got.headers["ETag"]


def _ids(case_id: int) -> dict[str, list[str]]:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return {
        "assumptions": [a.id for a in case.assumptions],
        "costs": [c.id for c in case.costs],
        "scenarios": [s.id for s in case.scenarios],
    }


def test_items_sent_without_ids_keep_theirs_by_key_or_name_even_reordered(cx_api, make_case):
    case = make_case()
    before = _ids(case.id)
    doc, etag = _read(cx_api, case.id)
    for section in ("assumptions", "costs", "scenarios"):
        for item in doc[section]:
            del item["id"]
        doc[section].reverse()
    doc["costs"].append({"name": "New line", "category": "x", "recurrence": "once", "amount": 5})
    response = cx_api.put(f"/api/v1/cases/{case.id}", json=doc, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    after = _ids(case.id)
    assert after["assumptions"] == list(reversed(before["assumptions"]))
    assert after["scenarios"] == list(reversed(before["scenarios"]))
    assert after["costs"][:-1] == list(reversed(before["costs"]))
    assert after["costs"][-1] not in before["costs"]


def test_an_id_cannot_move_to_another_section(cx_api, make_case):
    case = make_case()
    doc, etag = _read(cx_api, case.id)
    doc["costs"][0]["id"] = doc["assumptions"][0]["id"]
    response = cx_api.put(f"/api/v1/cases/{case.id}", json=doc, headers={"If-Match": etag})
    problem = assert_problem(response, 422)
    assert [e["path"] for e in problem["errors"]] == ["costs[0].id"]
    assert "assumptions" in problem["errors"][0]["message"]


def test_a_deleted_items_id_cannot_come_back(cx_api, cx_user, make_case):
    case = make_case()
    added = parts.save_assumption(
        cx_user, case.id, case.lock_version, None,
        {"key": "spare", "label": "Spare", "value": 1, "unit": "x"},
    )  # fmt: skip
    parts.delete_part(cx_user, case.id, case.lock_version, "assumptions", added.id)
    doc, etag = _read(cx_api, case.id)
    doc["assumptions"].append(
        {"id": added.id, "key": "back", "label": "B", "value": 1, "unit": "x"}
    )
    response = cx_api.put(f"/api/v1/cases/{case.id}", json=doc, headers={"If-Match": etag})
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["path"].endswith(".id")
    assert "deleted" in problem["errors"][0]["message"]
