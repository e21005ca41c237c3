"""Every error under ``/api/v1`` as ``application/problem+json`` (RFC 9457).

A problem has ``type``, ``title``, ``status`` and ``detail`` (and ``instance``, the
request path); a validation problem adds ``errors``, each with the JSON ``path`` of
the field and a ``message``. Services raise :class:`~cxroi.errors.DomainError`; the
API's own refusals raise :class:`ApiProblem`; HTTP errors (404, 405, 413, 429, ...)
keep their status and headers (``Allow``, ``Retry-After``, ``WWW-Authenticate``).
Nothing under ``/api/v1`` is ever answered with an HTML page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from cxroi.engine import Issue
from cxroi.errors import DomainError, unexpected_error_message

PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"

#: Problem types with a meaning of their own; every other problem is ``about:blank``
#: (its meaning is the HTTP status).
INVALID = "urn:cxroi:problem:invalid-document"
MALFORMED = "urn:cxroi:problem:malformed-json"
STALE = "urn:cxroi:problem:stale-etag"
IF_MATCH_REQUIRED = "urn:cxroi:problem:if-match-required"
READ_ONLY_TOKEN = "urn:cxroi:problem:read-only-token"


class ApiProblem(Exception):
    """A refusal of the API itself, answered as a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type_: str = "about:blank",
        errors: Iterable[Issue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})


def is_api_request() -> bool:
    path = request.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def problem_response(
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    errors: Iterable[Issue] | None = None,
    headers: Iterable[tuple[str, str]] | Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or _phrase(status),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = [{"path": e.path, "message": e.message} for e in errors]
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE
    )
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    for name, value in pairs:
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


#: RFC 9110's names where Python's ``http.HTTPStatus`` still has the older ones.
_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}


def _phrase(status: int) -> str:
    if status in _PHRASES:
        return _PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def from_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    if exc.response is not None:  # e.g. a rate limit's Retry-After
        headers += [
            (k, v)
            for k, v in exc.response.headers.items()
            if k.lower() in ("retry-after", "allow", "www-authenticate")
        ]
    detail = exc.description or _phrase(status)
    if status == 413:
        limit = current_app.config["API_MAX_BODY_BYTES"]
        detail = f"The request body is larger than the API accepts ({limit:,} bytes at most)."
    return problem_response(status, detail, headers=headers)


def from_domain_error(exc: DomainError) -> Response:
    issues = getattr(exc, "issues", None)
    if issues is not None:  # CaseInvalid, ImportInvalid: every problem with its path
        n = len(issues)
        detail = f"The case document has {n} problem{'s' if n != 1 else ''}; see errors."
        return problem_response(422, detail, type_=INVALID, errors=issues)
    type_ = STALE if exc.status == 412 else "about:blank"
    return problem_response(exc.status, exc.message or _phrase(exc.status), type_=type_)


def from_api_problem(exc: ApiProblem) -> Response:
    return problem_response(
        exc.status, exc.detail, type_=exc.type, errors=exc.errors, headers=exc.headers
    )


def server_error(exc: BaseException) -> Response:
    current_app.logger.error("unexpected error in the API", exc_info=exc)
    return problem_response(500, unexpected_error_message())


def register(bp: Blueprint) -> None:
    """Problem documents for every error raised while a request of ``bp`` is handled."""
    bp.register_error_handler(ApiProblem, from_api_problem)
    bp.register_error_handler(DomainError, from_domain_error)
    bp.register_error_handler(HTTPException, from_http_exception)
    bp.register_error_handler(Exception, _any_error)


def _any_error(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return from_http_exception(exc)
    return server_error(exc)


def for_app_error(exc: BaseException) -> Response | None:
    """For the app's own handlers: the problem document when the request is an API one.

    Errors raised before a blueprint is known (no route matched: 404, 405) reach the
    app's handlers; under ``/api/v1`` they become problems too.
    """
    if not is_api_request():
        return None
    if isinstance(exc, HTTPException):
        return from_http_exception(exc)
    if isinstance(exc, DomainError):
        return from_domain_error(exc)
    return server_error(exc)
