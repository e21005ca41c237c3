"""Load, validate and serialise case documents (``cxroi-case/2``; ``/1`` is upgraded).

>>> case = load_case('''{"format": "cxroi-case/1", "title": "Demo", "currency": "GBP",
...   "start_month": "2027-01", "horizon_months": 12, "discount_rate": 0.1,
...   "assumptions": [{"key": "fee", "label": "Fee", "value": 5, "unit": "GBP"}],
...   "costs": [{"name": "Build", "category": "it", "recurrence": "once", "amount": "fee"}],
...   "benefits": []}''')
>>> case.format, case.horizon_months, case.assumptions[0].id, case.costs[0].id
('cxroi-case/2', 12, 'a1', 'c1')
>>> len(case_hash(case))
64
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .casefile import (
    CASE_FIELDS,
    FORMAT,
    FORMAT_V1,
    Assumption,
    BenefitLine,
    CaseFile,
    Correlation,
    CostLine,
    Param,
    Register,
    Scenario,
)
from .kinds import KINDS, kind_list_text
from .rules import SECTIONS, Issue, check_document, check_limits
from .schema import BENEFIT_MODELS, ID_PATTERN, BenefitBaseIn, CaseIn, CostIn, RegisterIn

__all__ = [
    "CaseValidationError",
    "canonical_json",
    "case_from_dict",
    "case_hash",
    "case_to_dict",
    "load_case",
    "load_case_file",
    "upgrade",
    "validate_case",
]

#: The prefix of the ids cxroi assigns in each section: a1, a2 ... c1 ... b1 ... s1 ...
ID_PREFIXES = {"assumptions": "a", "costs": "c", "benefits": "b", "scenarios": "s"}


class CaseValidationError(ValueError):
    """A case document broke the format; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str | bytes) -> Any:
    """Parse JSON text, refusing NaN and Infinity; raise CaseValidationError on bad JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise CaseValidationError(
            [Issue("", f"the file is not UTF-8 text ({exc.reason})")]
        ) from None
    except json.JSONDecodeError as exc:
        raise CaseValidationError(
            [Issue("", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
        ) from None
    except ValueError as exc:
        raise CaseValidationError([Issue("", f"not valid JSON: {exc}")]) from None
    except RecursionError:
        raise CaseValidationError(
            [Issue("", "not a case file: its JSON is nested far too deeply")]
        ) from None


def _path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(f".{item}" if parts else str(item))
    return "".join(parts)


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this format",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"must be {expected}, not {error['input']!r}"
    if kind == "too_long" and not isinstance(error.get("input"), str):
        return f"must have at most {error.get('ctx', {}).get('max_length')} items"
    if kind in ("string_too_long", "too_long"):  # text checked by our own validator too
        return f"must be at most {error.get('ctx', {}).get('max_length')} characters"
    return error["msg"][0].lower() + error["msg"][1:]


def upgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """A ``cxroi-case/1`` document as ``/2`` (other documents are returned as they are).

    ``/1`` has no ids: each assumption, line and scenario gets the next id of its
    section (a1, a2 ... c1 ... b1 ... s1 ...) in document order, so that the same file
    always upgrades to the same document.

    >>> upgrade({"format": "cxroi-case/1", "costs": [{"name": "x"}], "scenarios": []})
    {'format': 'cxroi-case/2', 'costs': [{'id': 'c1', 'name': 'x'}], 'scenarios': []}
    """
    if doc.get("format") != FORMAT_V1:
        return doc
    out = dict(doc)
    out["format"] = FORMAT
    for section, prefix in ID_PREFIXES.items():
        items = doc.get(section)
        if isinstance(items, list):
            out[section] = [
                {"id": f"{prefix}{i + 1}", **item} if isinstance(item, dict) else item
                for i, item in enumerate(items)
            ]
    return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def assign_ids(doc: dict[str, Any], retired: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The document with an id on every item that has none, or a null one (the next free
    id of its section, never one of the ``retired`` ids a deleted item had).

    >>> assign_ids({"costs": [{"id": "c2"}, {}], "benefits": [{"id": None}]})
    {'costs': [{'id': 'c2'}, {'id': 'c3'}], 'benefits': [{'id': 'b1'}]}
    """
    items_of = [item for section in SECTIONS for item in _as_list(doc.get(section))]
    taken = set(retired) | {
        item["id"]
        for item in items_of
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    if all(not isinstance(item, dict) or item.get("id") is not None for item in items_of):
        return doc
    out = dict(doc)
    for section, prefix in ID_PREFIXES.items():
        items = doc.get(section)
        if not isinstance(items, list):
            continue
        fresh = []
        for item in items:
            if isinstance(item, dict) and item.get("id") is None:  # absent, or null
                new_id = next_id(taken, prefix)
                taken.add(new_id)
                item = {**item, "id": new_id}
            fresh.append(item)
        out[section] = fresh
    return out


def next_id(taken: set[str] | frozenset[str], prefix: str) -> str:
    """The first ``prefix<n>`` above every id of that form already taken.

    ``taken`` should hold every id the case has ever used, not only those in the
    document, so that a deleted item's id never comes back for a new one.

    >>> next_id({"a1", "a7", "c9"}, "a")
    'a8'
    >>> next_id({"a1", "a" + "9" * 23}, "a")  # no room above: the first free number
    'a2'
    """
    numbers = [
        int(i[len(prefix) :])
        for i in taken
        if i.startswith(prefix) and i[len(prefix) :].isdigit() and ID_PATTERN.fullmatch(i)
    ]
    candidate = f"{prefix}{max(numbers, default=0) + 1}"
    if ID_PATTERN.fullmatch(candidate):
        return candidate
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


#: What cxroi-case/2 added, which a /1 document may not have (its contract forbids other fields).
_V2_ONLY = {
    "": (
        "customer_problem",
        "evidence",
        "continuing_value",
        "continuing_growth",
        "headline_npv",
        "tax_rate",
        "tax_lag_months",
        "fiscal_year_start",
        "discounting",
        "correlations",
        "inflation_rate",
    ),
    "assumptions": ("id", "confidence", "distribution"),
    "costs": ("id", "note", "register", "treatment", "life_months"),
    "benefits": ("id", "note", "register", "reduction_applies_to"),
    "scenarios": ("id",),
}


def _v2_fields_in_v1(doc: dict[str, Any]) -> list[Issue]:
    """Fields a ``cxroi-case/1`` document has that only ``/2`` defines."""
    if doc.get("format") != FORMAT_V1:
        return []
    message = f"is not a field of {FORMAT_V1} (it is new in {FORMAT}: use that format)"
    issues = [Issue(name, message) for name in _V2_ONLY[""] if name in doc]
    if isinstance(doc.get("discount_rate"), str):
        issues.append(
            Issue("discount_rate", f"is a number in {FORMAT_V1} (naming an assumption is {FORMAT})")
        )
    for section in SECTIONS:
        for i, item in enumerate(_as_list(doc.get(section))):
            if isinstance(item, dict):
                issues += [
                    Issue(f"{section}[{i}].{name}", message)
                    for name in _V2_ONLY[section]
                    if name in item
                ]
    return issues


def _check_benefits(doc: dict[str, Any]) -> tuple[list[Issue], list[BenefitBaseIn]]:
    """Each benefit against its kind's model: the issues, and the validated benefits."""
    issues: list[Issue] = []
    valid: list[BenefitBaseIn] = []
    benefits = doc.get("benefits")
    if not isinstance(benefits, list):
        return issues, valid
    for i, benefit in enumerate(benefits):
        if not isinstance(benefit, dict):
            continue
        kind = benefit.get("kind")
        if "kind" not in benefit:
            issues.append(Issue(f"benefits[{i}].kind", f"is required: {kind_list_text()}"))
            continue
        if not isinstance(kind, str) or kind not in KINDS:
            issues.append(
                Issue(f"benefits[{i}].kind", f"unknown kind {kind!r}; use {kind_list_text()}")
            )
            continue
        try:
            valid.append(BENEFIT_MODELS[kind].model_validate(benefit))
        except ValidationError as exc:
            issues += [Issue(_path(("benefits", i, *e["loc"])), _message(e)) for e in exc.errors()]
    return issues, valid


def validate_case(doc: Any) -> list[Issue]:
    """Every problem of a raw case document (an empty list means it is valid).

    A ``cxroi-case/1`` document is upgraded first; items without an id get one.
    """
    if isinstance(doc, str | bytes):
        try:
            doc = parse_json(doc)
        except CaseValidationError as exc:
            return exc.issues
    return _validated(doc)[0]


def _validated(doc: Any) -> tuple[list[Issue], CaseFile | None]:
    """One pass over a raw document: every issue, or (when there is none) the case."""
    if not isinstance(doc, dict):
        return [Issue("", "a case file must be a JSON object")], None
    if limits := check_limits(doc):  # before any work proportional to the size
        return limits, None
    issues: list[Issue] = _v2_fields_in_v1(doc)
    doc = assign_ids(upgrade(doc))
    model: CaseIn | None = None
    try:
        model = CaseIn.model_validate(doc)
    except ValidationError as exc:
        issues += [Issue(_path(e["loc"]), _message(e)) for e in exc.errors()]
    benefit_issues, benefits = _check_benefits(doc)
    issues += benefit_issues
    issues += check_document(doc)
    if doc.get("format") != FORMAT:
        issues = [i for i in issues if i.path != "format"]
        issues.insert(0, Issue("format", f'must be "{FORMAT}" (or "{FORMAT_V1}")'))
    if issues or model is None:
        return _in_document_order(issues), None
    return [], _build(model, benefits)


def _in_document_order(issues: list[Issue]) -> list[Issue]:
    order = ["format", *CASE_FIELDS, *SECTIONS, "correlations"]

    def key(issue: Issue) -> tuple[int, list[int | str]]:
        head = issue.path.split("[")[0].split(".")[0]
        rank = order.index(head) if head in order else len(order)
        parts: list[int | str] = []
        for token in issue.path.replace("]", "").replace("[", ".").split(".")[1:]:
            parts.append(int(token) if token.isdigit() else 0)
        return rank, parts

    unique = list(dict.fromkeys(issues))
    return sorted(unique, key=key)


def load_case(source: Any) -> CaseFile:
    """Validate a case document (dict, JSON text or bytes) and build the :class:`CaseFile`.

    Raises
    ------
    CaseValidationError
        With every problem found, each with its JSON path.
    """
    doc = parse_json(source) if isinstance(source, str | bytes) else source
    issues, case = _validated(doc)
    if case is None:
        raise CaseValidationError(issues)
    return case


def load_case_file(path: str | Path) -> CaseFile:
    """Read and validate a case file from disk."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CaseValidationError([Issue("", f"cannot read {path}: {exc.strerror}")]) from None
    return load_case(data)


def case_from_dict(doc: Mapping[str, Any]) -> CaseFile:
    """Alias of :func:`load_case` for dictionaries."""
    return load_case(dict(doc))


def _assumption(fields: dict[str, Any]) -> Assumption:
    """An assumption; triangular, the default distribution, is left out (None), so a
    document that states it has the same canonical form as one that does not."""
    if fields.get("distribution") == "triangular":
        fields["distribution"] = None
    return Assumption(**fields)


def _build(doc: CaseIn, benefits_in: list[BenefitBaseIn]) -> CaseFile:
    horizon = doc.horizon_months
    costs = [_build_cost(c, horizon) for c in doc.costs]
    benefits = [_build_benefit(b) for b in benefits_in]
    return CaseFile(
        title=doc.title,
        description=doc.description,
        customer_problem=doc.customer_problem,
        evidence=doc.evidence,
        currency=doc.currency,
        start_month=doc.start_month,
        horizon_months=horizon,
        # A key: the assumption's value, set when the case is made (see CaseFile).
        discount_rate=0.0 if isinstance(doc.discount_rate, str) else doc.discount_rate,
        discount_rate_key=doc.discount_rate if isinstance(doc.discount_rate, str) else None,
        mirr_finance_rate=doc.mirr_finance_rate,
        mirr_reinvestment_rate=doc.mirr_reinvestment_rate,
        monte_carlo_trials=doc.monte_carlo_trials,
        continuing_value=doc.continuing_value,
        continuing_growth=doc.continuing_growth,
        headline_npv=doc.headline_npv,
        tax_rate=doc.tax_rate,
        tax_lag_months=doc.tax_lag_months,
        fiscal_year_start=doc.fiscal_year_start,
        discounting=doc.discounting,
        inflation_rate=doc.inflation_rate,
        assumptions=tuple(_assumption(a.model_dump()) for a in doc.assumptions),
        costs=tuple(costs),
        benefits=tuple(benefits),
        scenarios=tuple(Scenario(s.name, dict(s.overrides), s.id or "") for s in doc.scenarios),
        correlations=tuple(Correlation(c.a, c.b, c.rho) for c in doc.correlations),
    )


def _build_cost(c: CostIn, horizon: int) -> CostLine:
    if c.recurrence == "once":
        return CostLine(
            name=c.name,
            category=c.category,
            department=c.department,
            recurrence="once",
            amount=c.amount,
            month=c.month or 0,
            start_month=1,
            end_month=None,
            escalation=c.escalation,
            risk=c.risk,
            note=c.note,
            id=c.id or "",
            register=_build_register(c.register_),
            treatment=c.treatment,
            life_months=c.life_months,
        )
    start = c.start_month or 1
    end = min(c.end_month if c.end_month is not None else horizon, horizon)
    return CostLine(
        name=c.name,
        category=c.category,
        department=c.department,
        recurrence=c.recurrence,
        amount=c.amount,
        month=0,
        start_month=start,
        end_month=end,
        escalation=c.escalation,
        risk=c.risk,
        note=c.note,
        id=c.id or "",
        register=_build_register(c.register_),
        treatment=c.treatment,
        life_months=c.life_months,
    )


def _build_benefit(b: BenefitBaseIn) -> BenefitLine:
    kind = KINDS[b.kind]
    params: dict[str, Param] = {name: getattr(b, name) for name in kind.names}
    choices = {c.name: getattr(b, c.name) for c in kind.choices}
    return BenefitLine(
        name=b.name,
        kind=b.kind,
        params=params,
        ramp_start=b.ramp_start,
        ramp_months=b.ramp_months,
        risk=b.risk,
        note=b.note,
        id=b.id or "",
        register=_build_register(b.register_),
        choices={k: v for k, v in choices.items() if v != kind.choice(k).default},
    )


def _build_register(r: RegisterIn | None) -> Register | None:
    """The register entry, or None when it has no field set (so ``{}`` is no entry)."""
    if r is None:
        return None
    register = Register(**r.model_dump())
    return None if register.empty else register


def _register_dict(register: Register | None) -> dict[str, Any] | None:
    return register.to_dict() if register is not None else None


def _unless_default(fields: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    return {k: value for k, (value, default) in fields.items() if value != default}


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def case_to_dict(case: CaseFile) -> dict[str, Any]:
    """The case as a normalised ``cxroi-case/2`` document (defaults made explicit)."""
    costs = []
    for c in case.costs:
        line: dict[str, Any] = {
            "id": c.id,
            "name": c.name,
            "category": c.category,
            "department": c.department,
            "recurrence": c.recurrence,
            "amount": c.amount,
        }
        if c.recurrence == "once":
            line["month"] = c.month
        else:
            line["start_month"] = c.start_month
            line["end_month"] = c.end_month
        line["escalation"] = c.escalation
        line["risk"] = c.risk
        line["note"] = c.note
        line["register"] = _register_dict(c.register)
        if c.treatment == "capex":  # opex, the default, is not written: hashes stay
            line["treatment"] = c.treatment
            line["life_months"] = c.life_months
        costs.append(_drop_none(line))
    benefits = []
    for b in case.benefits:
        benefits.append(
            _drop_none(
                {
                    "id": b.id,
                    "name": b.name,
                    "kind": b.kind,
                    **dict(b.params),
                    # A choice is written only when it is not the default, so that the
                    # documents (and hashes) of cases from before the choice stay the same.
                    **dict(b.choices),
                    "ramp_start": b.ramp_start,
                    "ramp_months": b.ramp_months,
                    "risk": b.risk,
                    "note": b.note,
                    "register": _register_dict(b.register),
                }
            )
        )
    return _drop_none(
        {
            "format": FORMAT,
            "title": case.title,
            "description": case.description,
            "customer_problem": case.customer_problem,
            "evidence": case.evidence,
            "currency": case.currency,
            "start_month": case.start_month,
            "horizon_months": case.horizon_months,
            "discount_rate": case.discount_rate_key or case.discount_rate,
            "mirr_finance_rate": case.mirr_finance_rate,
            "mirr_reinvestment_rate": case.mirr_reinvestment_rate,
            "monte_carlo_trials": case.monte_carlo_trials,
            # Written only when not the default, so older documents keep their hash.
            **_unless_default(
                {
                    "continuing_value": (case.continuing_value, "none"),
                    "continuing_growth": (case.continuing_growth, 0.0),
                    "headline_npv": (case.headline_npv, "horizon"),
                    "tax_lag_months": (case.tax_lag_months, 0),
                    "discounting": (case.discounting, "end_of_month"),
                    "inflation_rate": (case.inflation_rate, 0.0),
                }
            ),
            "tax_rate": case.tax_rate,
            "fiscal_year_start": case.fiscal_year_start,
            "assumptions": [
                _drop_none(
                    {
                        "id": a.id,
                        "key": a.key,
                        "label": a.label,
                        "value": a.value,
                        "unit": a.unit,
                        "low": a.low,
                        "high": a.high,
                        "source": a.source,
                        "owner": a.owner,
                        "notes": a.notes,
                        "confidence": a.confidence,
                        "distribution": a.distribution,
                    }
                )
                for a in case.assumptions
            ],
            "costs": costs,
            "benefits": benefits,
            "scenarios": [
                {"id": s.id, "name": s.name, "overrides": dict(s.overrides)} for s in case.scenarios
            ],
            # Written only when there are pairs, so older documents keep their hash.
            **(
                {"correlations": [{"a": c.a, "b": c.b, "rho": c.rho} for c in case.correlations]}
                if case.correlations
                else {}
            ),
        }
    )


def _normalise_numbers(value: Any) -> Any:
    """Write integral floats as integers, so that 12, 12.0 and 1.2e1 are one spelling."""
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) < 2**53
    ):
        return int(value)
    if isinstance(value, dict):
        return {k: _normalise_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise_numbers(v) for v in value]
    return value


def canonical_json(case: CaseFile) -> str:
    """The canonical form: normalised, keys sorted, no spaces, UTF-8 text."""
    doc = _normalise_numbers(case_to_dict(case))
    return json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def case_hash(case: CaseFile) -> str:
    """SHA-256 (hex) of the canonical form: the identity of a frozen version."""
    return hashlib.sha256(canonical_json(case).encode("utf-8")).hexdigest()


def pretty_json(case: CaseFile) -> str:
    """The normalised document, indented for people (same content as the canonical form)."""
    return json.dumps(_normalise_numbers(case_to_dict(case)), indent=2, ensure_ascii=False) + "\n"
