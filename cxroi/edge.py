"""Refusals at the edge: what no view should ever see, refused before any view runs.

- an integer in a URL (``<int:...>``) past what an ``Integer`` column holds is a 404
  (PostgreSQL would refuse the query with an error, not answer "no row");
- text in a query string or a form holding a NUL, a lone surrogate or another control
  character (the engine's one text rule, :func:`cxroi.engine.schema.text_problem`) is a
  400 naming the field: PostgreSQL cannot store a NUL, and no field of cxroi wants a
  control character. Tabs and line breaks pass here (multi-line fields hold them);
  one-line fields refuse them where they are validated;
- a body past ``MAX_CONTENT_LENGTH`` is the app's own 413 page (reading the form raises
  it here, inside the app, so its error handler answers).

The API (``/api/v1``) has its own checks, answered as problem documents.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest, NotFound

from cxroi.engine.schema import text_problem
from models._types import MAX_ID


def _is_api() -> bool:
    from cxroi.api.problems import is_api_request

    return is_api_request()


def ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An integer in the URL that no row can have is simply not found."""
    if _is_api():  # the API answers this itself, as a problem document
        return
    for name, value in (values or {}).items():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFound(f"There is nothing with the {name.replace('_', ' ')} {value}.")


def _field_problem(source: str, name: str, value: str) -> str | None:
    problem = text_problem(name, multiline=False) or text_problem(value, multiline=True)
    if problem is None:
        return None
    shown = name if text_problem(name) is None else "(a field with an unreadable name)"
    return f"The {source} “{shown}” {problem}. Nothing was saved: remove it and try again."


def text_in_range() -> None:
    """Every query and form value passes the engine's text rule (or 400, naming it)."""
    if _is_api():
        return
    sources: list[tuple[str, Any]] = [("query parameter", request.args)]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sources.append(("field", request.form))  # may raise 413: the app's own page
    for source, values in sources:
        for name, value in values.items(multi=True):
            if (message := _field_problem(source, name, value)) is not None:
                raise BadRequest(message)
    for name, upload in request.files.items(multi=True):
        if (message := _field_problem("file field", name, upload.filename or "")) is not None:
            raise BadRequest(message)


def register(app: Flask) -> None:
    app.url_value_preprocessor(ids_in_range)
    app.before_request(text_in_range)
