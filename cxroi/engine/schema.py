"""The structural schema of ``cxroi-case/2`` in pydantic, used only by the loader.

Types, required fields, unknown fields and single-field ranges live here; rules
that need the whole document (assumption keys, ids, horizon, cross-field order) live
in :mod:`cxroi.engine.rules`. Each benefit kind's model is made from its definition
in :mod:`cxroi.engine.kinds`.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, create_model
from pydantic_core import PydanticCustomError

from .kinds import KINDS

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
ID_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,23}")
MAX_NARRATIVE = 20_000
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
MONTH_PATTERN = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


#: No number in a case is larger than this in size: well beyond any amount, count or rate
#: a business case has, and small enough that the engine's sums stay exact enough.
MAX_MAGNITUDE = 1e15


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number", "must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer with hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise PydanticCustomError("finite", "must be a finite number")
    if abs(number) > MAX_MAGNITUDE:
        raise PydanticCustomError(
            "magnitude", "must be at most 1,000,000,000,000,000 (10^15) in size"
        )
    return number


def _whole(value: Any) -> int:
    number = _number(value)
    if not number.is_integer():
        raise PydanticCustomError("whole", "must be a whole number")
    return int(number)


def _param(value: Any) -> float | str:
    if isinstance(value, str):
        if KEY_PATTERN.fullmatch(value):
            return value
        raise PydanticCustomError(
            "param", "must be a number or the key of an assumption, not {value!r}", {"value": value}
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("param", "must be a number or the key of an assumption")
    return _number(value)


def _key(value: Any) -> str:
    if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
        raise PydanticCustomError(
            "key",
            "must be an identifier: a lowercase letter, then lowercase letters, digits or _,"
            " at most 40 characters",
        )
    return value


def _id(value: Any) -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise PydanticCustomError(
            "id",
            "must be a short id: a lowercase letter, then lowercase letters, digits, _ or -,"
            " at most 24 characters",
        )
    return value


def text_problem(value: str) -> str | None:
    """What makes ``value`` unstorable text (a NUL, a lone surrogate), or None.

    >>> text_problem("A" + chr(0) + "B").startswith("must not contain a NUL")
    True
    >>> text_problem("plain") is None
    True
    """
    if "\x00" in value:
        return "must not contain a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (it holds a lone surrogate)"
    return None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("text", "must be a string")
    problem = text_problem(value)
    if problem is not None:
        raise PydanticCustomError("text", problem)
    return value


Number = Annotated[float, PlainValidator(_number)]
Whole = Annotated[int, PlainValidator(_whole)]
ParamField = Annotated[float | str, PlainValidator(_param)]
Key = Annotated[str, PlainValidator(_key)]
Text = Annotated[str, PlainValidator(_text)]
Name = Annotated[str, PlainValidator(_text), Field(min_length=1, max_length=200)]
Id = Annotated[str, PlainValidator(_id)]
Narrative = Annotated[str, PlainValidator(_text), Field(max_length=MAX_NARRATIVE)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AssumptionIn(_Strict):
    id: Id | None = None
    key: Key
    label: Name
    value: Number
    unit: Text
    low: Number | None = None
    high: Number | None = None
    source: Text | None = None
    owner: Text | None = None
    notes: Narrative | None = None
    confidence: Literal["low", "medium", "high"] | None = None


class CostIn(_Strict):
    id: Id | None = None
    name: Name
    category: Name
    department: Text | None = None
    recurrence: Literal["once", "monthly", "annual"]
    amount: ParamField
    month: Whole | None = None
    start_month: Whole | None = None
    end_month: Whole | None = None
    escalation: ParamField = 0.0
    risk: ParamField = 0.0
    note: Narrative | None = None
    treatment: Literal["opex", "capex"] = "opex"
    life_months: Whole | None = None


class BenefitBaseIn(_Strict):
    id: Id | None = None
    name: Name
    kind: str
    ramp_start: Whole = 1
    ramp_months: Whole = 0
    risk: ParamField = 0.0
    note: Narrative | None = None


def _benefit_model(name: str) -> type[BenefitBaseIn]:
    kind = KINDS[name]
    fields: dict[str, Any] = {"kind": (Literal[name], ...)}
    for p in kind.parameters:
        fields[p.name] = (ParamField, ... if p.required else p.default)
    for c in kind.choices:
        fields[c.name] = (Literal[c.values], c.default)
    model: type[BenefitBaseIn] = create_model(
        f"{name.title().replace('_', '')}In", __base__=BenefitBaseIn, **fields
    )
    return model


#: The model of each benefit kind, made from the registry.
BENEFIT_MODELS: dict[str, type[BenefitBaseIn]] = {name: _benefit_model(name) for name in KINDS}


class ScenarioIn(_Strict):
    id: Id | None = None
    name: Name
    overrides: dict[Key, Number]


class CaseIn(_Strict):
    """The document; each benefit is checked against its kind's model separately."""

    format: Literal["cxroi-case/2"]
    title: Name
    description: Narrative | None = None
    customer_problem: Narrative | None = None
    evidence: Narrative | None = None
    currency: Text
    start_month: Text
    horizon_months: Whole
    discount_rate: Number
    monte_carlo_trials: Whole | None = None
    continuing_value: Literal["none", "customer_runoff", "gordon_growth"] = "none"
    continuing_growth: Number = 0.0
    headline_npv: Literal["horizon", "with_continuing_value"] = "horizon"
    tax_rate: Number | None = None
    tax_lag_months: Whole = 0
    assumptions: list[AssumptionIn]
    costs: list[CostIn]
    benefits: list[dict[str, Any]]
    scenarios: list[ScenarioIn] = []
