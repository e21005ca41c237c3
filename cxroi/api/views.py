"""``/api/v1``: cases and their frozen versions, on the same services as the web pages.

Views are thin: authenticate (:mod:`.auth`, before every request), read the request
(:mod:`.jsonbody` for bodies, spectree for query parameters), call a service, and
shape the answer. Permissions, validation and the hash check are the services'.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from spectree import Response as Responses

from cxroi.actuals import metrics as cx_metrics
from cxroi.actuals import services as actuals
from cxroi.api import problems, rate_limit_key
from cxroi.api.auth import authenticate, caller
from cxroi.api.jsonbody import BodyInvalid, BodyMalformed, read_json_object
from cxroi.api.problems import IF_MATCH_REQUIRED, INVALID, MALFORMED, ApiProblem
from cxroi.api.schemas import (
    MAX_ID,
    ActualsList,
    CaseCreated,
    CaseDocument,
    CaseList,
    CaseListQuery,
    CaseOut,
    IfMatchHeader,
    MetricSaved,
    MetricSeries,
    MetricValueIn,
    MonthActualsIn,
    MonthActualsOut,
    Problem,
    VersionList,
    VersionOut,
)
from cxroi.api.spec import XLSX, api, openapi_document
from cxroi.approvals import versions
from cxroi.cases import casefiles, services
from cxroi.casework.actuals import Entry, RawRow, check_rows, month_problem
from cxroi.casework.actuals import Problem as ActualProblem
from cxroi.casework.cx_metrics import RawMetric, name_problem
from cxroi.casework.cx_metrics import check as check_metrics
from cxroi.engine import METRIC_KEYS
from cxroi.engine.rules import Issue
from cxroi.extensions import limiter
from cxroi.portfolio.services import PortfolioQuery, numbered_page
from cxroi.workbooks import version_workbook
from models import Case
from models.approval import CaseVersion

bp = Blueprint("api", __name__, url_prefix=problems.PREFIX)
limiter.limit(lambda: str(current_app.config["API_RATE_LIMIT"]), key_func=rate_limit_key)(bp)
bp.before_request(authenticate)
problems.register(bp)

# Ids are checked by :func:`_ids_in_range`, not by ``int(min=1, max=...)``: werkzeug
# answers an id such a converter refuses with 405 instead of 404 for some methods.
CASE = "/cases/<int:case_id>"
VERSION = f"{CASE}/versions/<int:number>"
TAGS = {
    "cases": ["Cases"],
    "versions": ["Versions"],
    "actuals": ["Actuals"],
    "metrics": ["Metrics"],
}


def _errors(*codes: int) -> dict[str, Any]:
    """Problem responses for these statuses, and the ones any request may get."""
    return {f"HTTP_{c}": Problem for c in sorted({401, 429, 500, *codes})}


@bp.url_value_preprocessor
def _ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An id no row can have (0, or past the database's integers) is simply not found."""
    for name, value in (values or {}).items():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise ApiProblem(404, f"Nothing has the {name} {value}: ids start at 1.")


@bp.before_request
def _limit_body() -> None:
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API (no token needed)."""
    response = current_app.response_class(
        json.dumps(openapi_document(), ensure_ascii=False), mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


# -- shaping ---------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    """RFC 3339 in UTC (SQLite hands back naive datetimes; they are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _summary(case: Case) -> dict[str, Any]:
    owner = case.owner
    return {
        "id": case.id,
        "title": case.title,
        "status": case.status,
        "currency": case.currency,
        "owner": {"id": owner.id, "name": owner.display_name, "email": owner.email},
        "case_hash": case.case_hash,
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
        "metrics": {
            name: getattr(case, name)
            for name in (
                *METRIC_KEYS,
                "npv_per_pv_cost",
                "prob_npv_positive",
            )
        },
        "url": url_for("api.get_case", case_id=case.id),
    }


def _version_summary(version: CaseVersion) -> dict[str, Any]:
    case_id, number = version.case_id, version.number
    return {
        "number": version.number,
        "case_hash": version.case_hash,
        "result_hash": version.result_hash,
        "frozen_at": _iso(version.frozen_at),
        "signed_off_by": {"id": version.signed_off_by_id, "name": version.signed_off_by_name},
        "superseded": version.superseded_at is not None,
        "superseded_at": _iso(version.superseded_at) if version.superseded_at else None,
        "superseded_reason": version.superseded_reason,
        "url": url_for("api.get_version", case_id=case_id, number=number),
        "workbook_url": url_for("api.get_version_workbook", case_id=case_id, number=number),
    }


def _case_out(case: Case) -> dict[str, Any]:
    current = versions.current_version(case)
    return {
        **_summary(case),
        "document": services.document_of(case),
        "result": case.result,
        "current_version": None
        if current is None
        else {
            "number": current.number,
            "case_hash": current.case_hash,
            "frozen_at": _iso(current.frozen_at),
            "url": url_for("api.get_version", case_id=case.id, number=current.number),
        },
    }


def _etag(case: Case) -> str:
    return f'"{case.case_hash}"'


# -- reading the request ---------------------------------------------------------------


def _document_body() -> dict[str, Any]:
    """The request's JSON object (415, 413, 400 or 422 naming each field otherwise)."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise ApiProblem(
            415,
            "Send the case document as JSON with Content-Type: application/json"
            f" (not {request.mimetype or 'no content type'}).",
        )
    data = request.get_data(cache=False)  # over API_MAX_BODY_BYTES: 413
    try:
        return read_json_object(data)
    except BodyMalformed as exc:
        raise ApiProblem(400, str(exc), type_=MALFORMED) from None
    except BodyInvalid as exc:
        raise ApiProblem(
            422,
            "The body is not a JSON object the API accepts; see errors.",
            type_=INVALID,
            errors=exc.issues,
        ) from None


def _if_match(case_id: int) -> str:
    """The case hash the caller says they read (``If-Match``); 428 when they say none.

    ``*`` ("whatever it is now") names no version the caller read, so it is answered as
    a missing ``If-Match``. Strong comparison (RFC 9110): a weak or empty ``If-Match``
    matches nothing (412).
    """
    etags = request.if_match
    if "If-Match" not in request.headers or etags.star_tag:
        given = "If-Match: * matches any version" if etags.star_tag else "If-Match is missing"
        raise ApiProblem(
            428,
            f"{given}: send If-Match with the ETag from a GET of the case, so that a change "
            "made by someone else since you read the case is never overwritten.",
            type_=IF_MATCH_REQUIRED,
        )
    current = services.get_case(case_id).case_hash or ""
    if etags.contains(current):
        return current
    strong = sorted(etags.as_set())
    return strong[0] if strong else ""


# -- cases -----------------------------------------------------------------------------


@bp.get("/cases")
@api.validate(
    query=CaseListQuery,
    resp=Responses(HTTP_200=CaseList, **_errors(422)),
    tags=TAGS["cases"],
    operation_id="listCases",
)
def list_cases() -> Any:
    """List cases, filtered, sorted and paged like the portfolio.

    Every role reads every case. A `page` beyond the last page gives the last one.
    """
    q: CaseListQuery = request.context.query  # type: ignore[attr-defined]
    query = PortfolioQuery(
        q=(q.q or "").strip(),
        status=q.status or "",
        owner=q.owner,
        currency=q.currency or "",
        sort=q.sort,
        direction=q.dir or ("asc" if q.sort in ("payback", "title") else "desc"),
    )
    page = numbered_page(query, q.page, q.per_page)
    return {
        "items": [_summary(c) for c in page.cases],
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "per_page": q.per_page,
    }


@bp.post("/cases")
@api.validate(
    json=CaseDocument,
    resp=Responses(HTTP_201=CaseCreated, **_errors(400, 403, 413, 415, 422)),
    tags=TAGS["cases"],
    operation_id="createCase",
    skip_validation=True,  # the body is read by .jsonbody and judged by the engine
)
def create_case() -> Any:
    """Create a draft case from a `cxroi-case/2` document, or `/1` (CX users).

    A `cxroi-case/1` document is upgraded to `/2` (each item gets an id). Answers 201
    with the case, its `Location` and its `ETag`. The discount rate is Finance's: a case
    created by a CX user gets the organisation's default rate, and `notices` says so. A
    document that breaks the format is 422 with every error and its JSON path.
    """
    doc = _document_body()
    notices: list[str] = []
    case = casefiles.create_from_document(caller(), doc, notices=notices)
    location = url_for("api.get_case", case_id=case.id)
    return {**_case_out(case), "notices": notices}, 201, {"Location": location, "ETag": _etag(case)}


@bp.get(CASE)
@api.validate(
    resp=Responses(HTTP_200=CaseOut, **_errors(404)),
    tags=TAGS["cases"],
    operation_id="getCase",
)
def get_case(case_id: int) -> Any:
    """One case: its document, result, status and current version; `ETag` is its hash."""
    case = services.get_case(case_id)
    return _case_out(case), 200, {"ETag": _etag(case)}


@bp.put(CASE)
@api.validate(
    json=CaseDocument,
    headers=IfMatchHeader,
    resp=Responses(HTTP_200=CaseOut, **_errors(400, 403, 404, 409, 412, 413, 415, 422, 428)),
    tags=TAGS["cases"],
    operation_id="replaceCase",
    skip_validation=True,  # the body is read by .jsonbody and judged by the engine
)
def replace_case(case_id: int) -> Any:
    """Replace a case's document; `If-Match` must carry the ETag you read.

    The web's rules apply to what changes: the CX owner edits a draft, Finance edits the
    discount rate and the assumptions owned by Finance. Without `If-Match`, or with
    `If-Match: *`: 428; with an ETag that is no longer the case's (or a weak one): 412,
    and nothing is saved.
    """
    if_match = _if_match(case_id)
    doc = _document_body()
    case = casefiles.replace_document(caller(), case_id, doc, if_match)
    # Serialised here: spectree would otherwise walk the whole result (every monthly
    # series) looking for pydantic models, a third of a save's time.
    return jsonify(_case_out(case)), 200, {"ETag": _etag(case)}


# -- versions --------------------------------------------------------------------------


@bp.get(f"{CASE}/versions")
@api.validate(
    resp=Responses(HTTP_200=VersionList, **_errors(404)),
    tags=TAGS["versions"],
    operation_id="listVersions",
)
def list_versions(case_id: int) -> Any:
    """The frozen versions of a case, newest first."""
    case = services.get_case(case_id)
    return {"items": [_version_summary(v) for v in versions.versions_of(case.id)]}


@bp.get(VERSION)
@api.validate(
    resp=Responses(HTTP_200=VersionOut, **_errors(404)),
    tags=TAGS["versions"],
    operation_id="getVersion",
)
def get_version(case_id: int, number: int) -> Any:
    """One frozen version: its document and result as frozen, their hashes, who signed off."""
    services.get_case(case_id)
    version = versions.get_version(case_id, number)
    document, result = versions.documents(version)
    return {**_version_summary(version), "document": document, "result": result}


@bp.get(f"{VERSION}/workbook")
@api.validate(
    resp=Responses("HTTP_200", **_errors(404)),
    tags=TAGS["versions"],
    operation_id="getVersionWorkbook",
    skip_validation=True,  # xlsx bytes
)
def get_version_workbook(case_id: int, number: int) -> Any:
    """The finance workbook (xlsx, live formulas) of exactly this frozen version."""
    case = services.get_case(case_id)
    version = versions.get_version(case_id, number)
    data, filename = version_workbook(version, case)
    return Response(
        data,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- actuals ---------------------------------------------------------------------------


def _month_out(case_id: int, month: str, entries: list[Entry], changed: int | None = None) -> Any:
    lines = [
        {"line_id": e.line_id, "cost": e.cost, "benefit": e.benefit, "drivers": e.drivers}
        for e in entries
        if e.month == month
    ]
    out: dict[str, Any] = {"case_id": case_id, "month": month, "lines": lines}
    if changed is not None:
        out["changed"] = changed
    return out


@bp.get(f"{CASE}/actuals")
@api.validate(
    resp=Responses(HTTP_200=ActualsList, **_errors(404)),
    tags=TAGS["actuals"],
    operation_id="listActuals",
)
def list_actuals(case_id: int) -> Any:
    """Every month of actuals a case has, oldest first."""
    services.get_case(case_id)
    entries = actuals.entries_of(case_id)
    months = sorted({e.month for e in entries})
    return {"case_id": case_id, "months": [_month_out(case_id, m, entries) for m in months]}


@bp.get(f"{CASE}/actuals/<string:month>")
@api.validate(
    resp=Responses(HTTP_200=MonthActualsOut, **_errors(404)),
    tags=TAGS["actuals"],
    operation_id="getMonthActuals",
)
def get_month_actuals(case_id: int, month: str) -> Any:
    """One month's actuals (`YYYY-MM`); a month without any has no lines."""
    case = services.get_case(case_id)
    if problem := month_problem(case.doc, month):
        raise ApiProblem(404, f"month: {problem}.")
    return _month_out(case_id, month, actuals.entries_of(case_id, [month]))


@bp.put(f"{CASE}/actuals/<string:month>")
@api.validate(
    json=MonthActualsIn,
    resp=Responses(HTTP_200=MonthActualsOut, **_errors(400, 403, 404, 409, 413, 415, 422)),
    tags=TAGS["actuals"],
    operation_id="replaceMonthActuals",
    skip_validation=True,  # the body is read by .jsonbody and judged by casework.actuals
)
def replace_month_actuals(case_id: int, month: str) -> Any:
    """Replace a month's actuals of an approved case (finance, the case's owner, or a line's
    operational owner for that line). Sending the same body again changes nothing. A bad
    value is 422 naming its path (`lines[0].benefit`); a case not approved is 409."""
    case = services.get_case(case_id)
    actuals.require_may_enter(caller(), case)
    body = _document_body()
    if bad := month_problem(case.doc, month):  # even with no lines: the path names a month
        raise ApiProblem(422, f"month: {bad}.", type_=INVALID, errors=[Issue("month", bad)])
    rows, problems = _month_rows(body, month)
    entries, found = check_rows(case.doc, rows)
    problems += [_api_problem(p) for p in found]
    if problems:
        raise ApiProblem(
            422,
            "The actuals have problems; nothing was saved. See errors.",
            type_=INVALID,
            errors=problems,
        )
    saved = actuals.replace_months(caller(), case_id, entries, [month])
    return _month_out(case_id, month, actuals.entries_of(case_id, [month]), saved.changed)


_LINE_FIELDS = frozenset({"line_id", "cost", "benefit", "drivers"})


def _month_rows(body: dict[str, Any], month: str) -> tuple[list[RawRow], list[Issue]]:
    issues = [Issue(k, "is not a field of the month's actuals") for k in body if k != "lines"]
    lines = body.get("lines")
    if not isinstance(lines, list):
        return [], [*issues, Issue("lines", "is required: a list of the lines' actuals")]
    rows: list[RawRow] = []
    for i, line in enumerate(lines):
        where = f"lines[{i}]"
        if not isinstance(line, dict):
            issues.append(Issue(where, "must be an object"))
            continue
        unknown = [k for k in line if k not in _LINE_FIELDS]
        issues += [Issue(f"{where}.{k}", "is not a field of a line's actuals") for k in unknown]
        drivers = line.get("drivers") or {}
        if not isinstance(drivers, dict):
            issues.append(Issue(f"{where}.drivers", "must be an object of numbers by driver"))
            drivers = {}
        clash = {"cost", "benefit"} & set(drivers)
        issues += [Issue(f"{where}.drivers.{k}", "is not a driver") for k in sorted(clash)]
        values = {"cost": line.get("cost"), "benefit": line.get("benefit")}
        values.update({k: v for k, v in drivers.items() if k not in clash})
        for k, v in list(values.items()):
            if isinstance(v, str):  # JSON numbers only: "12" is text
                path = f"{where}.{k}" if k in ("cost", "benefit") else f"{where}.drivers.{k}"
                issues.append(Issue(path, "must be a number, not a string"))
                del values[k]
        rows.append(RawRow(where, month, line.get("line_id"), values, month_field="month"))
    return rows, issues


def _api_problem(p: ActualProblem) -> Issue:
    if p.field == "month":
        return Issue("month", p.message)
    if p.field in ("line_id", "cost", "benefit", ""):
        return Issue(p.path, p.message)
    return Issue(f"{p.where}.drivers.{p.field}", p.message)


# -- metrics ---------------------------------------------------------------------------


def _series_out(case_id: int | None, name: str | None) -> Any:
    points = cx_metrics.series(case_id, name)
    return {
        "case_id": case_id,
        "items": [
            {"month": p.month, "name": p.name, "unit": p.unit, "value": p.value} for p in points
        ],
    }


def _put_metric(case_id: int | None, name: str, month: str) -> Any:
    cx_metrics.require_may_enter(caller(), case_id)
    body = _document_body()
    unknown = [k for k in body if k not in ("value", "unit")]
    issues = [Issue(k, "is not a field of a metric's value") for k in unknown]
    value = body.get("value")
    if isinstance(value, str):
        issues.append(Issue("value", "must be a number, not a string"))
        value = None
    row = RawMetric("", month, name, body.get("unit"), value)
    entries, problems = check_metrics([row], cx_metrics.months_for(case_id))
    named = {i.path for i in issues}
    issues += [Issue(p.field, p.message) for p in problems if p.field not in named]
    if issues:
        raise ApiProblem(
            422,
            "The metric has problems; nothing was saved. See errors.",
            type_=INVALID,
            errors=issues,
        )
    changes = cx_metrics.save(caller(), case_id, entries)
    entry = entries[0]
    return {
        "case_id": case_id,
        "month": entry.month,
        "name": entry.name,
        "unit": entry.unit,
        "value": entry.value,
        "changed": len(changes),
    }


@bp.get("/metrics/<string:name>")
@api.validate(
    resp=Responses(HTTP_200=MetricSeries, **_errors(404)),
    tags=TAGS["metrics"],
    operation_id="getOrgMetric",
)
def get_org_metric(name: str) -> Any:
    """One organisation-wide metric's monthly series (empty when it has none)."""
    if bad := name_problem(name):
        raise ApiProblem(404, f"No metric has that name: a name {bad}.")
    return _series_out(None, name)


@bp.put("/metrics/<string:name>/<string:month>")
@api.validate(
    json=MetricValueIn,
    resp=Responses(HTTP_200=MetricSaved, **_errors(400, 403, 413, 415, 422)),
    tags=TAGS["metrics"],
    operation_id="putOrgMetric",
    skip_validation=True,
)
def put_org_metric(name: str, month: str) -> Any:
    """Set one month of an organisation-wide metric (CX and finance users)."""
    return _put_metric(None, name, month)


@bp.get(f"{CASE}/metrics")
@api.validate(
    resp=Responses(HTTP_200=MetricSeries, **_errors(404)),
    tags=TAGS["metrics"],
    operation_id="listCaseMetrics",
)
def list_case_metrics(case_id: int) -> Any:
    """Every metric series of a case, by name then month."""
    services.get_case(case_id)
    return _series_out(case_id, None)


@bp.put(f"{CASE}/metrics/<string:name>/<string:month>")
@api.validate(
    json=MetricValueIn,
    resp=Responses(HTTP_200=MetricSaved, **_errors(400, 403, 404, 409, 413, 415, 422)),
    tags=TAGS["metrics"],
    operation_id="putCaseMetric",
    skip_validation=True,
)
def put_case_metric(case_id: int, name: str, month: str) -> Any:
    """Set one month of a case's metric (an approved case; who may enter its actuals)."""
    services.get_case(case_id)
    return _put_metric(case_id, name, month)
