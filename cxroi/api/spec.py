"""The OpenAPI 3.1 document of ``/api/v1``, generated from the code by spectree.

spectree reads the routes, their pydantic models (query, headers, bodies, responses)
and their docstrings. What it has no words for is added here, from the same tables
the views use: errors are ``application/problem+json``, the ``ETag`` and ``Location``
response headers, the workbook's media type, and the links between operations
(create → read → replace) that clients and stateful testers follow.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType

from cxroi.api.problems import MEDIA_TYPE, ApiProblem
from cxroi.api.schemas import MAX_ID, CaseDocument, Problem
from cxroi.engine import KINDS, Issue
from cxroi.engine.schema import BENEFIT_MODELS, CURRENCY_PATTERN, KEY_PATTERN, MONTH_PATTERN

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DESCRIPTION = """\
The cases and frozen versions of cxroi, for programs. Authenticate with a personal
token (profile page, or `cxroi api-token create`) as `Authorization: Bearer <token>`;
a token acts as its user, with the same role rules as the web app, and a `read` token
cannot change anything. Every error is `application/problem+json` (RFC 9457). A case's
ETag is its canonical hash: send it back in `If-Match` to replace the case.
"""


def _before(_req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any) -> None:
    """Request validation failed: a 422 problem naming each parameter (once)."""
    if error is None:
        return
    errors = getattr(error, "errors", None)
    by_name: dict[str, str] = {}
    for e in errors() if errors else []:
        name = str(e["loc"][0]) if e["loc"] else ""
        by_name.setdefault(name, e["msg"])
    issues = [Issue(name, message) for name, message in by_name.items()]
    raise ApiProblem(422, "The request's parameters are not valid; see errors.", errors=issues)


def _after(_req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any) -> None:
    """A response that breaks its own schema is our bug: a 500 problem, and logged."""
    if error is not None:
        raise error


api = SpecTree(
    "flask",
    mode="strict",
    title="cxroi API",
    version="1.0.0",
    description=DESCRIPTION,
    annotations=False,
    before=_before,
    after=_after,
    validation_error_model=Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[
        SecurityScheme(
            name="bearerAuth",
            data=SecuritySchemeData(
                type=SecureType.HTTP, scheme="bearer", description="A personal API token."
            ),
        )
    ],
    security={"bearerAuth": []},
)

#: Response headers by operation id and status.
_ETAG = {
    "description": 'The case\'s canonical hash, quoted: `"<case_hash>"`.',
    "required": True,
    "schema": {"type": "string"},
}
_LOCATION = {
    "description": "The new case's URL.",
    "required": True,
    "schema": {"type": "string"},
}
_CHALLENGE = {
    "description": 'Bearer realm="cxroi", with error="invalid_token" for a bad token.',
    "required": True,
    "schema": {"type": "string"},
}
_DISPOSITION = {
    "description": "attachment, with the workbook's file name.",
    "required": True,
    "schema": {"type": "string"},
}
HEADERS: dict[tuple[str, str], dict[str, Any]] = {
    ("getCase", "200"): {"ETag": _ETAG},
    ("createCase", "201"): {"ETag": _ETAG, "Location": _LOCATION},
    ("replaceCase", "200"): {"ETag": _ETAG},
    ("getVersionWorkbook", "200"): {"Content-Disposition": _DISPOSITION},
}

#: A small valid case, shown as the example body of create and replace.
EXAMPLE_CASE: dict[str, Any] = {
    "format": "cxroi-case/2",
    "title": "Chat for returns questions",
    "currency": "GBP",
    "start_month": "2027-01",
    "horizon_months": 24,
    "discount_rate": 0.1,
    "assumptions": [
        {
            "id": "a1",
            "key": "return_contacts",
            "label": "Calls about returns a month",
            "value": 14500,
            "unit": "contacts/month",
            "low": 12000,
            "high": 17000,
            "source": "Contact centre MI, last 12 months",
            "owner": "Operations",
        }
    ],
    "costs": [
        {
            "id": "c1",
            "name": "Chat platform set-up",
            "category": "technology",
            "recurrence": "once",
            "month": 0,
            "amount": 60000,
        },
        {
            "id": "c2",
            "name": "Chat licences",
            "category": "technology",
            "recurrence": "monthly",
            "start_month": 1,
            "amount": 1500,
        },
    ],
    "benefits": [
        {
            "id": "b1",
            "name": "Calls moved to chat",
            "kind": "cost_savings",
            "volume": "return_contacts",
            "reduction": 0.2,
            "unit_cost": 4.5,
            "ramp_start": 2,
            "ramp_months": 3,
            "risk": 0.1,
        }
    ],
    "scenarios": [{"id": "s1", "name": "Fewer returns", "overrides": {"return_contacts": 12000}}],
}

_CASE_ID = "$response.body#/id"
LINKS: dict[tuple[str, str], dict[str, Any]] = {
    ("createCase", "201"): {
        "GetCreatedCase": {"operationId": "getCase", "parameters": {"case_id": _CASE_ID}},
        "ReplaceCreatedCase": {
            "operationId": "replaceCase",
            "parameters": {"case_id": _CASE_ID, "header.If-Match": "$response.header.ETag"},
        },
        "ListVersionsOfCreatedCase": {
            "operationId": "listVersions",
            "parameters": {"case_id": _CASE_ID},
        },
    },
    ("getCase", "200"): {
        "ReplaceCase": {
            "operationId": "replaceCase",
            "parameters": {"case_id": _CASE_ID, "header.If-Match": "$response.header.ETag"},
        },
        "ReplaceCaseWithItsDocument": {
            "operationId": "replaceCase",
            "parameters": {"case_id": _CASE_ID, "header.If-Match": "$response.header.ETag"},
            "requestBody": "$response.body#/document",
        },
        "ListVersions": {"operationId": "listVersions", "parameters": {"case_id": _CASE_ID}},
    },
    ("replaceCase", "200"): {
        "GetReplacedCase": {"operationId": "getCase", "parameters": {"case_id": _CASE_ID}},
    },
}


def case_document_schemas() -> dict[str, Any]:
    """The case document (:data:`~cxroi.api.schemas.CaseDocument`, named ``CaseIn``) and
    its parts as component schemas, one per benefit kind among them.

    The engine validates each field with a function (``PlainValidator``) whose declared
    type is what pydantic's *serialization* schema shows (a number, an integer, a number
    or an assumption key, ...); its *validation* schema would show no types at all. Each
    function accepts exactly the values of that type that pass its checks. The engine's
    patterns for one field (currency, month, assumption key) are added from the engine's
    own constants, and each kind's words from the kind registry. So the schema is
    truthful: a document it rejects, the engine rejects; one it accepts may still break
    a rule spanning fields (422, with every path).
    """
    schema = CaseDocument.model_json_schema(
        mode="serialization", ref_template="#/components/schemas/{model}"
    )
    parts: dict[str, Any] = {"CaseIn": schema, **schema.pop("$defs", {})}
    _describe_kinds(parts)
    key = _anchored(KEY_PATTERN)
    parts["CaseIn"]["properties"]["currency"]["pattern"] = _anchored(CURRENCY_PATTERN)
    parts["CaseIn"]["properties"]["start_month"]["pattern"] = _anchored(MONTH_PATTERN)
    parts["AssumptionIn"]["properties"]["key"]["pattern"] = key
    parts["ScenarioIn"]["properties"]["overrides"]["propertyNames"] = {"pattern": key}
    for part in parts.values():
        for field in part["properties"].values():
            for branch in field.get("anyOf", []):  # a number or the key of an assumption
                if branch.get("type") == "string" and {"type": "number"} in field["anyOf"]:
                    branch["pattern"] = key
    return parts


def _describe_kinds(parts: dict[str, Any]) -> None:
    """Each benefit kind's schema, and its parameters, described from the kind registry."""
    for name, model in BENEFIT_MODELS.items():
        kind, part = KINDS[name], parts[model.__name__]
        part["description"] = f"A benefit of kind `{name}`: {kind.label}. {kind.summary}"
        for p in (*kind.parameters, kind.parameter("risk")):
            part["properties"][p.name]["description"] = (
                f"{p.label} ({p.unit}, {p.domain.describe()}): a number, or the key of an"
                " assumption."
            )


def _anchored(pattern: re.Pattern[str]) -> str:
    """A Python ``fullmatch`` pattern as a JSON Schema (ECMA, unanchored) one."""
    return f"^(?:{pattern.pattern})$"


#: Path parameters that are not ids: a month, a metric's name.
PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "month": {"type": "string", "pattern": _anchored(MONTH_PATTERN)},
    "name": {"type": "string", "pattern": _anchored(KEY_PATTERN), "maxLength": 40},
}
#: The example body of each operation that is not a case document: (name, summary, value).
BODY_EXAMPLES: dict[str, tuple[str, str, Any]] = {
    "replaceMonthActuals": (
        "month",
        "A month of a cost and a churn benefit",
        {
            "lines": [
                {"line_id": "c1", "cost": 14500},
                {"line_id": "b1", "benefit": 2100.5, "drivers": {"customers": 118000}},
            ]
        },
    ),
    "putOrgMetric": ("nps", "NPS this month", {"value": 31}),
    "putCaseMetric": ("churn", "Churn rate this month", {"value": 0.031, "unit": "ratio"}),
}


def openapi_document() -> dict[str, Any]:
    """The whole document (call inside an app context: it reads the app's routes)."""
    doc: dict[str, Any] = copy.deepcopy(api.spec)
    doc["components"]["schemas"].update(case_document_schemas())
    for operations in doc["paths"].values():
        for operation in operations.values():
            op_id = operation["operationId"]
            for parameter in operation["parameters"]:
                if parameter["in"] == "path":  # ids: see views._ids_in_range
                    parameter["schema"] = PATH_SCHEMAS.get(
                        parameter["name"], {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                    )
            if "requestBody" not in operation and all(
                p["in"] == "path" for p in operation["parameters"]
            ):  # spectree adds 422 everywhere; nothing here can be invalid but the path
                operation["responses"].pop("422", None)
            for status, response in operation["responses"].items():
                content = response.get("content")
                if status.isdigit() and int(status) >= 400:
                    if content and "application/json" in content:
                        content[MEDIA_TYPE] = content.pop("application/json")
                    if status == "401":
                        response["headers"] = {"WWW-Authenticate": _CHALLENGE}
                if (op_id, status) in HEADERS:
                    response["headers"] = HEADERS[(op_id, status)]
                if (op_id, status) in LINKS:
                    response["links"] = LINKS[(op_id, status)]
                if op_id == "getVersionWorkbook" and status == "200":
                    response["content"] = {XLSX: {}}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                default = ("chat", "A small case", EXAMPLE_CASE)
                key, summary, value = BODY_EXAMPLES.get(op_id, default)
                body["examples"] = {key: {"summary": summary, "value": value}}
    return doc
