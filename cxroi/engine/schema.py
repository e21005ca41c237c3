"""The structural schema of ``cxroi-case/2`` in pydantic, used only by the loader.

Types, required fields, unknown fields and single-field ranges live here; rules
that need the whole document (assumption keys, ids, horizon, cross-field order) live
in :mod:`cxroi.engine.rules`. Each benefit kind's model is made from its definition
in :mod:`cxroi.engine.kinds`.
"""

from __future__ import annotations

import datetime
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


#: No number in a case is larger than this in size. The rule is for amounts of money
#: (cost amounts, money parameters of benefits), but any number may be one: an amount
#: can name an assumption, and a scenario can override it, so the bound holds for every
#: number of the document (amounts, counts, rates and assumption values alike; counts and
#: rates have narrower domains of their own on top). 10^13 is ten trillion: beyond any
#: business case, and small enough that 120 months of sums stay finite and exact enough.
MAX_MAGNITUDE = 1e13
#: Most lines (costs and benefits together), assumptions and scenarios a case may have:
#: far beyond any real case, and they bound the work one save or import can cause.
MAX_LINES = 300
MAX_ASSUMPTIONS = 300
MAX_SCENARIOS = 20
#: Most rank-correlation pairs a case may state.
MAX_CORRELATIONS = 300


def magnitude_text() -> str:
    """The bound in words, for messages: ``10,000,000,000,000 (10^13)``."""
    return f"{MAX_MAGNITUDE:,.0f} (10^{round(math.log10(MAX_MAGNITUDE))})"


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
        raise PydanticCustomError("magnitude", f"must be at most {magnitude_text()} in size")
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
            "param",
            "must be a number or the key of an assumption, not {value}",
            {"value": repr(value)},
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


#: Control characters that are text in a multi-line field (notes, narrative, comments).
LINE_BREAKS = frozenset("\t\n\r")
#: Every control character: C0, DEL and C1.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """What makes ``value`` unacceptable text, or None: the one text rule of cxroi.

    A NUL (PostgreSQL cannot store it), a lone surrogate (not Unicode text) or any other
    control character; a multi-line field may hold tabs and line breaks.

    >>> text_problem("A" + chr(0) + "B").startswith("must not contain a NUL")
    True
    >>> print(text_problem("a" + chr(7)))
    must not contain control characters (it holds \\u0007)
    >>> text_problem("two" + chr(10) + "lines") is None
    False
    >>> text_problem("tab" + chr(9), multiline=True) is None
    True
    >>> text_problem("plain") is None
    True
    """
    if "\x00" in value:
        return "must not contain a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        return f"must be valid Unicode text (it holds a lone surrogate, \\u{code:04x})"
    for match in _CONTROL.finditer(value):
        if not (multiline and match.group() in LINE_BREAKS):
            return f"must not contain control characters (it holds \\u{ord(match.group()):04x})"
    return None


def _text(value: Any, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("text", "must be a string")
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise PydanticCustomError("text", problem)
    return value


def _multiline_text(value: Any) -> str:
    return _text(value, multiline=True)


Number = Annotated[float, PlainValidator(_number)]
Whole = Annotated[int, PlainValidator(_whole)]
ParamField = Annotated[float | str, PlainValidator(_param)]
Key = Annotated[str, PlainValidator(_key)]
Text = Annotated[str, PlainValidator(_text)]
Name = Annotated[str, PlainValidator(_text), Field(min_length=1, max_length=200)]
Id = Annotated[str, PlainValidator(_id)]
Narrative = Annotated[str, PlainValidator(_multiline_text), Field(max_length=MAX_NARRATIVE)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


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
    distribution: Literal["triangular", "pert", "uniform", "truncated_normal"] | None = None


DATE_PATTERN = re.compile(r"(\d{4})-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _date(value: Any) -> str:
    text = _text(value)
    if not DATE_PATTERN.fullmatch(text):
        raise PydanticCustomError("date", "must be a date: YYYY-MM or YYYY-MM-DD")
    if len(text) == 10:
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise PydanticCustomError("date", "must be a date that exists") from None
    return text


def _email(value: Any) -> str:
    text = _text(value)
    if len(text) > 254 or not EMAIL_PATTERN.fullmatch(text):
        raise PydanticCustomError("email", "must be an email address (name@example.com)")
    return text


DateText = Annotated[str, PlainValidator(_date)]
Email = Annotated[str, PlainValidator(_email)]
Short = Annotated[str, PlainValidator(_text), Field(max_length=200)]


class RegisterIn(_Strict):
    """A line's benefits-register entry (every field optional)."""

    owner_name: Short | None = None
    owner_email: Email | None = None
    kpi: Short | None = None
    kpi_unit: Short | None = None
    data_source: Short | None = None
    baseline: Number | None = None
    baseline_date: DateText | None = None
    target: Number | None = None
    target_date: DateText | None = None
    outcome: Narrative | None = None
    attribution: Narrative | None = None


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
    #: ``register`` in the document (the Python name avoids BaseModel's own attribute).
    register_: RegisterIn | None = Field(default=None, alias="register")
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
    #: ``register`` in the document (the Python name avoids BaseModel's own attribute).
    register_: RegisterIn | None = Field(default=None, alias="register")


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


class CorrelationIn(_Strict):
    """A rank correlation between two assumptions' Monte Carlo draws."""

    a: Key
    b: Key
    rho: Number


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
    discount_rate: ParamField
    mirr_finance_rate: Number | None = None
    mirr_reinvestment_rate: Number | None = None
    monte_carlo_trials: Whole | None = None
    continuing_value: Literal["none", "customer_runoff", "gordon_growth"] = "none"
    continuing_growth: Number = 0.0
    headline_npv: Literal["horizon", "with_continuing_value"] = "horizon"
    tax_rate: Number | None = None
    tax_lag_months: Whole = 0
    fiscal_year_start: Whole | None = None
    discounting: Literal["end_of_month", "mid_month", "actual_365"] = "end_of_month"
    inflation_rate: Number = 0.0
    assumptions: Annotated[list[AssumptionIn], Field(max_length=MAX_ASSUMPTIONS)]
    costs: Annotated[list[CostIn], Field(max_length=MAX_LINES)]
    benefits: Annotated[list[dict[str, Any]], Field(max_length=MAX_LINES)]
    scenarios: Annotated[list[ScenarioIn], Field(max_length=MAX_SCENARIOS)] = []
    correlations: Annotated[list[CorrelationIn], Field(max_length=MAX_CORRELATIONS)] = []
