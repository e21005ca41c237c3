"""Reading a JSON request body that anyone may have written: every refusal names the field.

JSON that parses is not yet data the app can keep. This module refuses, with the
JSON path of each offending value: text that is not UTF-8 or not JSON (400), and
(422) a body that is not an object, ``NaN``/``Infinity`` and numbers larger than
:data:`MAX_MAGNITUDE` in size, strings or keys with a NUL character (PostgreSQL
cannot store it) or a lone surrogate (not Unicode text), duplicate keys (which one
was meant?) and nesting deeper than :data:`MAX_DEPTH` (a case is four levels deep).

>>> read_json_object(b'{"a": [1, {"b": NaN}]}')
Traceback (most recent call last):
...
cxroi.api.jsonbody.BodyInvalid: a[1].b: must be a finite number, not NaN
"""

from __future__ import annotations

import json
import math
from typing import Any

from cxroi.engine import Issue
from cxroi.engine.schema import MAX_MAGNITUDE, magnitude_text, text_problem  # engine rules

#: Deepest nesting accepted (objects and arrays); far beyond any case document.
MAX_DEPTH = 32
#: Digits beyond which an integer is refused before it is even converted.
_MAX_DIGITS = 400


class BodyMalformed(ValueError):
    """Not UTF-8 text or not JSON at all (400)."""


class BodyInvalid(ValueError):
    """JSON, but not a value the API accepts; ``issues`` has each path and message (422)."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


class _Refused:
    """A number the parser met but will not turn into a Python number."""

    def __init__(self, message: str) -> None:
        self.message = message


class _Object(dict[str, Any]):
    """A parsed object, remembering keys that appeared more than once."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    seen: set[str] = set()
    obj.duplicates = []
    for key, _ in pairs:
        if key in seen:
            obj.duplicates.append(key)
        seen.add(key)
    return obj


_TOO_LARGE = f"must be at most {magnitude_text()} in size"


def _integer(text: str) -> int | _Refused:
    if len(text) > _MAX_DIGITS:
        return _Refused(f"{_TOO_LARGE} (a number of {len(text)} characters)")
    value = int(text)
    return value if abs(value) <= MAX_MAGNITUDE else _Refused(f"{_TOO_LARGE}, not {text[:40]}")


def _float(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        return _Refused(f"{_TOO_LARGE}, not {text[:40]}")
    return value


def _constant(name: str) -> _Refused:
    return _Refused(f"must be a finite number, not {name}")


def read_json_object(data: bytes) -> dict[str, Any]:
    """The body as a JSON object, or :class:`BodyMalformed` / :class:`BodyInvalid`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyMalformed(
            f"The body is not UTF-8 text (byte {exc.start}: {exc.reason})."
        ) from None
    if not text.strip():
        raise BodyMalformed("The body is empty; send the case document as a JSON object.")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_integer,
            parse_float=_float,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as exc:
        raise BodyMalformed(
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise BodyInvalid(
            [Issue("", f"is nested too deeply (at most {MAX_DEPTH} levels)")]
        ) from None
    issues = _check(value)
    if issues:
        raise BodyInvalid(issues)
    if not isinstance(value, dict):
        raise BodyInvalid([Issue("", f"must be a JSON object, not {_kind(value)}")])
    plain: dict[str, Any] = _plain(value)
    return plain


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _text_problem(text: str) -> str | None:
    """The engine's text rule; any string may be multi-line here (the schema says which
    may not, and refuses line breaks in those)."""
    return text_problem(text, multiline=True)


def _check(root: Any, limit: int = 100) -> list[Issue]:
    """Every refused value, by path (iterative: no recursion on deep input)."""
    issues: list[Issue] = []
    stack: list[tuple[str, Any, int]] = [("", root, 1)]
    while stack and len(issues) < limit:
        path, value, depth = stack.pop()
        if isinstance(value, _Refused):
            issues.append(Issue(path, value.message))
        elif isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                issues.append(Issue(path, problem))
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                issues.append(Issue(path, f"is nested too deeply (at most {MAX_DEPTH} levels)"))
                continue
            if isinstance(value, dict):
                for key in getattr(value, "duplicates", []):
                    issues.append(Issue(_join(path, key), "appears more than once"))
                items: list[tuple[str | int, Any]] = list(value.items())
            else:
                items = list(enumerate(value))
            for key, item in reversed(items):
                if isinstance(key, str):
                    problem = _text_problem(key)
                    if problem:
                        issues.append(Issue(path, f"has a key that is refused: it {problem}"))
                        continue
                stack.append((_join(path, key), item, depth + 1))
    return list(dict.fromkeys(issues))  # in document order, each once


def _plain(value: Any) -> Any:
    """Plain dicts again (the checks above bound the depth, so recursion is safe)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
