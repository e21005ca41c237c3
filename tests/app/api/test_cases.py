"""Cases through /api/v1: list, read, create, replace, with ETag / If-Match and role rules."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from cxroi.engine import canonical_json, load_case
from cxroi.extensions import db
from models import AuditEvent, Case
from tests.app.api.conftest import JSON, assert_problem
from tests.appsupport import example_document


def canonical_hash(doc: dict[str, Any]) -> str:
    """The case hash, computed here from the document (not read from the app)."""
    return hashlib.sha256(canonical_json(load_case(doc)).encode()).hexdigest()


def quoted(digest: str) -> str:
    return f'"{digest}"'


# -- create -------------------------------------------------------------------------------


def test_create_answers_201_with_location_etag_and_the_case(cx_api, cx_user):
    doc = example_document()
    response = cx_api.post("/api/v1/cases", json=doc)
    assert response.status_code == 201, response.text
    assert response.mimetype == JSON
    body = response.get_json()
    case = db.session.get(Case, body["id"])
    assert case is not None and case.owner_id == cx_user.id and case.status == "draft"
    assert response.headers["Location"] == f"/api/v1/cases/{case.id}"
    assert response.headers["ETag"] == quoted(canonical_hash(doc))
    assert body["case_hash"] == canonical_hash(doc)
    assert body["title"] == doc["title"]
    assert body["owner"] == {"id": cx_user.id, "name": "Casey", "email": "casey@example.com"}
    assert body["current_version"] is None
    # The document comes back normalised: same content, defaults explicit.
    assert canonical_hash(body["document"]) == canonical_hash(doc)
    assert body["document"]["costs"][0]["escalation"] == 0
    assert body["result"]["metrics"]["npv"] == pytest.approx(body["metrics"]["npv"])


def test_created_case_reads_back_the_same(cx_api):
    created = cx_api.post("/api/v1/cases", json=example_document())
    read = cx_api.get(created.headers["Location"])
    assert read.status_code == 200
    assert read.headers["ETag"] == created.headers["ETag"]
    answer = created.get_json()
    assert answer.pop("notices") == [
        "This case uses the organisation's default discount rate, 9.0%, set by Finance."
    ]
    assert read.get_json() == answer


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_only_cx_creates_cases(api_as, make_user, role):
    response = api_as(make_user(role)).post("/api/v1/cases", json=example_document())
    body = assert_problem(response, 403)
    assert "Only CX users create" in body["detail"]
    assert db.session.query(Case).count() == 0


def test_an_invalid_document_is_422_with_every_error_and_its_path(cx_api):
    doc = example_document()
    doc["benefits"][1]["reduction"] = 7
    doc["costs"][0]["amount"] = "no_such_key"
    del doc["currency"]
    body = assert_problem(cx_api.post("/api/v1/cases", json=doc), 422)
    paths = {e["path"]: e["message"] for e in body["errors"]}
    assert paths == {
        "currency": "is required",
        "costs[0].amount": 'unknown assumption "no_such_key"',
        "benefits[1].reduction": "must be from 0 to 1, not 7",
    }
    assert db.session.query(Case).count() == 0


# -- read and list ----------------------------------------------------------------------


def test_get_returns_document_result_status_and_etag(cx_api, make_case):
    case = make_case()
    response = cx_api.get(f"/api/v1/cases/{case.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert response.headers["ETag"] == quoted(case.case_hash)
    assert body["case_hash"] == canonical_hash(body["document"]) == case.case_hash
    assert body["status"] == "draft"
    assert body["result"] == json.loads(json.dumps(case.result))
    assert body["metrics"]["npv"] == case.npv


def test_every_role_reads_every_case(api_as, make_user, make_case):
    case = make_case()
    for role in ("cx", "finance", "admin"):
        assert api_as(make_user(role), "read").get(f"/api/v1/cases/{case.id}").status_code == 200


def test_unknown_case_is_a_404_problem(cx_api):
    assert_problem(cx_api.get("/api/v1/cases/424242"), 404)
    assert_problem(cx_api.get("/api/v1/cases/0"), 404)
    assert_problem(cx_api.get("/api/v1/cases/99999999999999"), 404)


def _titles(api, query: str = "") -> list[str]:
    response = api.get(f"/api/v1/cases{query}")
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.get_json()["items"]]


def test_list_filters_like_the_portfolio(cx_api, make_case, make_user, cx_user):
    other = make_user("cx", "olu@example.com")
    make_case(title="Alpha chat", currency="GBP")
    make_case(title="Beta returns", currency="EUR", description="Chat for returns")
    make_case(title="Gamma", currency="EUR", owner=other)
    gamma = db.session.query(Case).filter_by(title="Gamma").one()
    gamma.status = "in_review"
    db.session.commit()

    assert sorted(_titles(cx_api)) == ["Alpha chat", "Beta returns", "Gamma"]
    assert _titles(cx_api, "?currency=EUR&sort=title") == ["Beta returns", "Gamma"]
    assert _titles(cx_api, f"?owner={other.id}") == ["Gamma"]
    assert _titles(cx_api, "?status=in_review") == ["Gamma"]
    assert sorted(_titles(cx_api, "?q=CHAT")) == ["Alpha chat", "Beta returns"]  # description too
    assert _titles(cx_api, f"?owner={cx_user.id}&currency=GBP") == ["Alpha chat"]
    assert _titles(cx_api, "?sort=title&dir=desc") == ["Gamma", "Beta returns", "Alpha chat"]


def test_list_pages(cx_api, make_case):
    for title in ("A", "B", "C", "D", "E"):
        make_case(title=title)
    first = cx_api.get("/api/v1/cases?sort=title&per_page=2").get_json()
    assert [i["title"] for i in first["items"]] == ["A", "B"]
    assert (first["total"], first["page"], first["pages"], first["per_page"]) == (5, 1, 3, 2)
    last = cx_api.get("/api/v1/cases?sort=title&per_page=2&page=3").get_json()
    assert [i["title"] for i in last["items"]] == ["E"]
    beyond = cx_api.get("/api/v1/cases?sort=title&per_page=2&page=99").get_json()
    assert beyond["page"] == 3 and [i["title"] for i in beyond["items"]] == ["E"]
    item = first["items"][0]
    case = db.session.get(Case, item["id"])
    assert item["url"] == f"/api/v1/cases/{case.id}"
    assert item["case_hash"] == case.case_hash


@pytest.mark.parametrize(
    "query, name",
    [
        ("?status=bogus", "status"),
        ("?owner=0", "owner"),
        ("?owner=abc", "owner"),
        ("?currency=gbp", "currency"),
        ("?page=0", "page"),
        ("?per_page=101", "per_page"),
        ("?sort=cost", "sort"),
        ("?stauts=draft", "stauts"),  # a misspelt filter is not silently ignored
        ("?q=" + "x" * 101, "q"),
        ("?q=a%00b", "q"),
    ],
)
def test_list_refuses_bad_parameters_naming_them(cx_api, query, name):
    body = assert_problem(cx_api.get(f"/api/v1/cases{query}"), 422)
    assert [e["path"] for e in body["errors"]] == [name]


# -- replace: ETag and If-Match ----------------------------------------------------------


def _read(api, case_id: int) -> tuple[dict[str, Any], str]:
    response = api.get(f"/api/v1/cases/{case_id}")
    return response.get_json()["document"], response.headers["ETag"]


def test_put_replaces_the_document_and_answers_the_new_etag(cx_api, make_case):
    case = make_case()
    old_hash = case.case_hash
    doc, etag = _read(cx_api, case.id)
    doc["title"] = "First-contact resolution, phase 2"
    doc["costs"][2]["amount"] = 52000
    response = cx_api.put(f"/api/v1/cases/{case.id}", json=doc, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == quoted(canonical_hash(doc))
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.title == "First-contact resolution, phase 2"
    assert stored.case_hash == canonical_hash(doc)
    assert stored.costs[2].params["amount"] == 52000
    audited = {e.new for e in db.session.query(AuditEvent).filter_by(case_id=case.id)}
    assert "First-contact resolution, phase 2" in audited
    assert old_hash != stored.case_hash


def test_put_without_if_match_is_428_and_saves_nothing(cx_api, make_case):
    case = make_case()
    doc, _ = _read(cx_api, case.id)
    doc["title"] = "Changed"
    body = assert_problem(cx_api.put(f"/api/v1/cases/{case.id}", json=doc), 428)
    assert "If-Match" in body["detail"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).title == example_document()["title"]


@pytest.mark.parametrize(
    "if_match",
    ['"' + "0" * 64 + '"', "", "W/{etag}", '"abc", "def"'],
    ids=["stale", "empty", "weak", "others"],
)
def test_put_with_an_etag_that_is_not_current_is_412_and_saves_nothing(cx_api, make_case, if_match):
    case = make_case()
    doc, etag = _read(cx_api, case.id)
    doc["title"] = "Changed"
    old_hash = case.case_hash
    response = cx_api.put(
        f"/api/v1/cases/{case.id}", json=doc, headers={"If-Match": if_match.format(etag=etag)}
    )
    assert assert_problem(response, 412)["type"] == "urn:cxroi:problem:stale-etag"
    db.session.expire_all()
    assert db.session.get(Case, case.id).case_hash == old_hash


def test_second_writer_with_the_same_etag_gets_412(cx_api, make_case):
    case = make_case()
    doc, etag = _read(cx_api, case.id)
    first, second = copy.deepcopy(doc), copy.deepcopy(doc)
    first["title"], second["title"] = "First writer", "Second writer"
    url = f"/api/v1/cases/{case.id}"
    assert cx_api.put(url, json=first, headers={"If-Match": etag}).status_code == 200
    assert_problem(cx_api.put(url, json=second, headers={"If-Match": etag}), 412)
    assert cx_api.get(url).get_json()["title"] == "First writer"


def test_put_with_if_match_star_is_428_and_saves_nothing(cx_api, make_case):
    """``*`` says "whatever it is now": not an ETag read, so treated as none."""
    case = make_case()
    doc, _ = _read(cx_api, case.id)
    doc["title"] = "Star"
    response = cx_api.put(f"/api/v1/cases/{case.id}", json=doc, headers={"If-Match": "*"})
    body = assert_problem(response, 428)
    assert body["type"] == "urn:cxroi:problem:if-match-required"
    assert "ETag" in body["detail"] and "GET" in body["detail"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).title == example_document()["title"]


def test_if_match_with_a_list_holding_the_etag_matches(cx_api, make_case):
    case = make_case()
    doc, etag = _read(cx_api, case.id)
    url = f"/api/v1/cases/{case.id}"
    doc["title"] = "Listed"
    listed = f'"{"1" * 64}", {etag}'
    assert cx_api.put(url, json=doc, headers={"If-Match": listed}).status_code == 200


def test_unchanged_document_is_200_with_the_same_etag(cx_api, make_case):
    case = make_case()
    doc, etag = _read(cx_api, case.id)
    response = cx_api.put(f"/api/v1/cases/{case.id}", json=doc, headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] == etag


def test_put_invalid_document_is_422_and_saves_nothing(cx_api, make_case):
    case = make_case()
    doc, etag = _read(cx_api, case.id)
    doc["horizon_months"] = 500
    response = cx_api.put(f"/api/v1/cases/{case.id}", json=doc, headers={"If-Match": etag})
    body = assert_problem(response, 422)
    assert body["errors"] == [
        {"path": "horizon_months", "message": "must be from 1 to 120 months, not 500"}
    ]
    db.session.expire_all()
    assert db.session.get(Case, case.id).horizon_months == 36


def test_put_on_a_missing_case_is_404(cx_api):
    response = cx_api.put(
        "/api/v1/cases/4242", json=example_document(), headers={"If-Match": '"x"'}
    )
    assert_problem(response, 404)


# -- role rules, as on the web -----------------------------------------------------------


def _put_change(api, case_id: int, change) -> Any:
    doc, etag = _read(api, case_id)
    change(doc)
    return api.put(f"/api/v1/cases/{case_id}", json=doc, headers={"If-Match": etag})


def _assumption(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return next(a for a in doc["assumptions"] if a["key"] == key)


def test_finance_changes_the_discount_rate_and_finance_assumptions(finance_api, make_case):
    case = make_case()

    def change(doc):
        doc["discount_rate"] = 0.12
        _assumption(doc, "arpu")["value"] = 30  # owner Finance

    response = _put_change(finance_api, case.id, change)
    assert response.status_code == 200, response.text
    document = response.get_json()["document"]
    assert document["discount_rate"] == 0.12 and _assumption(document, "arpu")["value"] == 30


@pytest.mark.parametrize(
    "change, says",
    [
        (lambda d: d.update(title="Finance's title"), "Only the CX owner"),
        (lambda d: _assumption(d, "churn_reduction").update(value=0.05), "Only the CX owner"),
        (lambda d: d["costs"].pop(), "Only the CX owner"),
    ],
    ids=["title", "cx-assumption", "cost-line"],
)
def test_finance_cannot_change_what_cx_owns(finance_api, make_case, change, says):
    case = make_case()
    old_hash = case.case_hash
    body = assert_problem(_put_change(finance_api, case.id, change), 403)
    assert says in body["detail"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).case_hash == old_hash


@pytest.mark.parametrize(
    "change, says",
    [
        (
            lambda d: d.update(discount_rate=0.2),
            "The discount rate (discount_rate) is set by Finance",
        ),
        (lambda d: _assumption(d, "arpu").update(value=30), 'Assumption "arpu" is owned by'),
    ],
    ids=["discount-rate", "finance-assumption"],
)
def test_cx_cannot_change_what_finance_owns(cx_api, make_case, change, says):
    case = make_case()
    assert says in assert_problem(_put_change(cx_api, case.id, change), 403)["detail"]


def test_cx_who_does_not_own_the_case_cannot_change_it(api_as, make_user, make_case):
    case = make_case()
    other = api_as(make_user("cx"))
    assert_problem(_put_change(other, case.id, lambda d: d.update(title="Mine")), 403)


def test_admin_cannot_change_cases(api_as, admin_user, make_case):
    case = make_case()
    assert_problem(_put_change(api_as(admin_user), case.id, lambda d: d.update(title="X")), 403)


def test_a_case_in_review_is_not_editable_by_its_owner(cx_api, make_case):
    case = make_case()
    case.status = "in_review"
    db.session.commit()
    assert_problem(_put_change(cx_api, case.id, lambda d: d.update(title="X")), 403)
