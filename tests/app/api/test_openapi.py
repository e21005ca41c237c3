"""The OpenAPI 3.1 document: valid, complete, and truthful about the case document."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from cxroi import workflow
from cxroi.api.spec import EXAMPLE_CASE
from cxroi.engine import FORMAT, FORMAT_V1, KINDS, validate_case
from tests.app.api.conftest import PROBLEM
from tests.support import EXAMPLES_DIR, REFERENCE_DIR

EXAMPLES = sorted(EXAMPLES_DIR.glob("*.json"))
#: The reference cases are cxroi-case/1 documents.
V1_CASES = sorted(p for p in REFERENCE_DIR.glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")  # no token needed
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_it_is_a_valid_openapi_3_1_document(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_documented(app, document):
    documented = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule.replace("<int:", "{").replace("<string:", "{").replace(">", "}")
            routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented
    assert len(documented) == 14


def test_errors_are_documented_as_problem_json_and_auth_as_bearer(document):
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["security"] == [{"bearerAuth": []}]
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == [PROBLEM], (method, path, status)
            assert {"401", "429", "500"} <= set(op["responses"]), (method, path)


def test_etag_location_and_links_are_documented(document):
    case = document["paths"]["/api/v1/cases/{case_id}"]
    created = document["paths"]["/api/v1/cases"]["post"]["responses"]["201"]
    assert {"ETag", "Location"} <= set(created["headers"])
    assert "ETag" in case["get"]["responses"]["200"]["headers"]
    assert "ETag" in case["put"]["responses"]["200"]["headers"]
    assert {"412", "428"} <= set(case["put"]["responses"])
    if_match = next(p for p in case["put"]["parameters"] if p["in"] == "header")
    assert (if_match["name"], if_match["required"]) == ("If-Match", True)
    replace = created["links"]["ReplaceCreatedCase"]
    assert replace["parameters"]["header.If-Match"] == "$response.header.ETag"


def _case_schema(document: dict) -> OAS31Validator:
    schema = {"$ref": "#/components/schemas/CaseIn", "components": document["components"]}
    return OAS31Validator(schema)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_case_schema_accepts_every_example_case(document, path):
    errors = list(_case_schema(document).iter_errors(json.loads(path.read_text())))
    assert errors == []


@pytest.mark.parametrize("path", V1_CASES, ids=lambda p: p.name)
def test_a_cxroi_case_1_document_is_accepted_and_stored_as_2(document, cx_api, path):
    doc = json.loads(path.read_text())
    assert doc["format"] == FORMAT_V1
    assert list(_case_schema(document).iter_errors(doc)) == []
    response = cx_api.post("/api/v1/cases", json=doc)
    assert response.status_code == 201, response.text
    assert response.get_json()["document"]["format"] == FORMAT


def test_the_format_is_2_or_1_and_create_says_so(document):
    fmt = document["components"]["schemas"]["CaseIn"]["properties"]["format"]
    assert sorted(fmt["enum"]) == sorted([FORMAT, FORMAT_V1])
    create = document["paths"]["/api/v1/cases"]["post"]
    assert f"`{FORMAT}` document" in create["summary"]
    assert f"`{FORMAT_V1}` document is upgraded" in create["description"]


# -- benefits: one schema per kind, from the registry --------------------------------------


def _component(document: dict, ref: str) -> dict:
    prefix = "#/components/schemas/"
    assert ref.startswith(prefix), ref
    return document["components"]["schemas"][ref.removeprefix(prefix)]


def test_a_benefit_is_one_of_the_kinds_chosen_by_kind(document):
    items = document["components"]["schemas"]["CaseIn"]["properties"]["benefits"]["items"]
    assert items["discriminator"]["propertyName"] == "kind"
    mapping = items["discriminator"]["mapping"]
    assert set(mapping) == set(KINDS)
    assert sorted(b["$ref"] for b in items["oneOf"]) == sorted(mapping.values())
    for name, ref in mapping.items():
        kind = _component(document, ref)
        assert kind["properties"]["kind"]["const"] == name
        assert kind["additionalProperties"] is False
        params = {p.name for p in KINDS[name].parameters}
        assert params <= set(kind["properties"]), name
        assert set(kind["required"]) == {"name", "kind", *KINDS[name].required}, name
        assert KINDS[name].summary in kind["description"]


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_line_of_every_kind_the_engine_accepts_the_schema_accepts(document, name):
    validator = _case_schema(document)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(params=KINDS[name].strategy(), as_key=st.booleans())
    def check(params: dict, as_key: bool) -> None:
        doc = json.loads(json.dumps(EXAMPLE_CASE))
        benefit = {"name": "A line", "kind": name, **params}
        if as_key:  # a parameter given as the key of an assumption
            first = next(iter(params))
            doc["assumptions"].append(
                {"key": "k", "label": "K", "value": params[first], "unit": "x"}
            )
            benefit[first] = "k"
        doc["benefits"] = [benefit]
        assert validate_case(doc) == []
        assert list(validator.iter_errors(doc)) == []

    check()


def test_the_documented_example_body_is_a_valid_case(document, cx_api):
    body = document["paths"]["/api/v1/cases"]["post"]["requestBody"]
    example = body["content"]["application/json"]["examples"]["chat"]["value"]
    assert example == EXAMPLE_CASE
    assert list(_case_schema(document).iter_errors(example)) == []
    assert cx_api.post("/api/v1/cases", json=example).status_code == 201


@pytest.mark.parametrize(
    "change, path",
    [
        (lambda d: d.update(currency="gbp"), "currency"),
        (lambda d: d.update(start_month="2027-13"), "start_month"),
        (lambda d: d.update(horizon_months=12.5), "horizon_months"),
        (lambda d: d["costs"][0].update(amount="Not A Key"), "costs[0].amount"),
        (lambda d: d["assumptions"][0].update(key="Bad Key"), "assumptions[0].key"),
        (lambda d: d["scenarios"][0]["overrides"].update({"Bad": 1}), "scenarios[0].overrides"),
        (lambda d: d.update(title=""), "title"),
        (lambda d: d.pop("benefits"), "benefits"),
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d.update(format="cxroi-case/3"), "format"),
        (lambda d: d["benefits"][0].update(kind="telepathy"), "benefits[0].kind"),
        (lambda d: d["benefits"][0].pop("kind"), "benefits[0].kind"),
        (lambda d: d["benefits"][0].pop("volume"), "benefits[0].volume"),
        (lambda d: d["benefits"][0].update(annual_churn=0.1), "benefits[0].annual_churn"),
        (lambda d: d["benefits"][0].update(reduction="Not A Key"), "benefits[0].reduction"),
        (lambda d: d["benefits"][0].update(reduction=True), "benefits[0].reduction"),
        (lambda d: d["benefits"][0].update(ramp_months=1.5), "benefits[0].ramp_months"),
        (lambda d: d["benefits"][0].update(name=""), "benefits[0].name"),
        (lambda d: d["benefits"].append("b2"), "benefits[1]"),
    ],
)
def test_what_the_schema_refuses_the_engine_refuses(document, cx_api, change, path):
    """The schema is no stricter than the engine: each refusal here is the engine's too."""
    doc = json.loads(json.dumps(EXAMPLE_CASE))
    change(doc)
    assert list(_case_schema(document).iter_errors(doc)) != []
    response = cx_api.post("/api/v1/cases", json=doc)
    assert response.status_code == 422
    assert any(e["path"].startswith(path) for e in response.get_json()["errors"]), path


def test_the_status_enums_are_the_workflow_states(document):
    """The states come from :mod:`cxroi.workflow`, the one source of the workflow's rules."""
    summary = document["components"]["schemas"]["CaseSummary"]["properties"]["status"]
    listing = document["paths"]["/api/v1/cases"]["get"]["parameters"]
    query = next(p for p in listing if p["name"] == "status")["schema"]
    assert summary["enum"] == list(workflow.STATES)
    assert query["enum"] == list(workflow.STATES)
