"""The structural schema of ``cxroi-case/1`` in pydantic, used only by the loader.

Types, required fields, unknown fields and single-field ranges live here; rules
that need the whole document (assumption keys, horizon, cross-field order) live
in :mod:`cxroi.engine.rules`.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator
from pydantic_core import PydanticCustomError

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
MONTH_PATTERN = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number", "must be a number")
    if not math.isfinite(value):
        raise PydanticCustomError("finite", "must be a finite number")
    return float(value)


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
    try:
        return _number(value)
    except PydanticCustomError:
        raise PydanticCustomError("param", "must be a number or the key of an assumption") from None


def _key(value: Any) -> str:
    if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
        raise PydanticCustomError(
            "key",
            "must be an identifier: a lowercase letter, then lowercase letters, digits or _,"
            " at most 40 characters",
        )
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("text", "must be a string")
    return value


Number = Annotated[float, PlainValidator(_number)]
Whole = Annotated[int, PlainValidator(_whole)]
ParamField = Annotated[float | str, PlainValidator(_param)]
Key = Annotated[str, PlainValidator(_key)]
Text = Annotated[str, PlainValidator(_text)]
Name = Annotated[str, PlainValidator(_text), Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AssumptionIn(_Strict):
    key: Key
    label: Name
    value: Number
    unit: Text
    low: Number | None = None
    high: Number | None = None
    source: Text | None = None
    owner: Text | None = None
    notes: Text | None = None


class CostIn(_Strict):
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


class _BenefitIn(_Strict):
    name: Name
    ramp_start: Whole = 1
    ramp_months: Whole = 0
    risk: ParamField = 0.0


class ChurnIn(_BenefitIn):
    kind: Literal["churn"]
    customers: ParamField
    annual_churn: ParamField
    reduction: ParamField
    arpu: ParamField
    margin: ParamField
    gross_adds: ParamField = 0.0


class RevenueUpliftIn(_BenefitIn):
    kind: Literal["revenue_uplift"]
    base_revenue: ParamField
    uplift: ParamField
    margin: ParamField
    growth: ParamField = 0.0


class CostSavingsIn(_BenefitIn):
    kind: Literal["cost_savings"]
    volume: ParamField
    reduction: ParamField
    unit_cost: ParamField
    escalation: ParamField = 0.0


class CustomIn(_BenefitIn):
    kind: Literal["custom"]
    amount: ParamField
    escalation: ParamField = 0.0


BenefitIn = Annotated[
    ChurnIn | RevenueUpliftIn | CostSavingsIn | CustomIn, Field(discriminator="kind")
]


class ScenarioIn(_Strict):
    name: Name
    overrides: dict[Key, Number]


class CaseIn(_Strict):
    format: Literal["cxroi-case/1"]
    title: Name
    description: Text | None = None
    currency: Text
    start_month: Text
    horizon_months: Whole
    discount_rate: Number
    assumptions: list[AssumptionIn]
    costs: list[CostIn]
    benefits: list[BenefitIn]
    scenarios: list[ScenarioIn] = []
