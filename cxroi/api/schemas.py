"""The API's request and response models (pydantic): they validate and they are the schema.

The case document is the engine's own model, :class:`cxroi.engine.schema.CaseIn`, with
what the engine checks around it made part of the model (:data:`CaseDocument`): the
format is ``cxroi-case/2`` or ``/1`` (upgraded on load), and each benefit is the model
of its kind (:data:`cxroi.engine.schema.BENEFIT_MODELS`, made from the kind registry),
chosen by ``kind``. So the OpenAPI document says what the engine checks field by field;
rules that span fields (assumption keys, months within the horizon, ranges, fields new
in ``/2`` in a ``/1`` document) are the engine's, and a document breaking them is
answered 422 with every error and its path.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import SkipJsonSchema

from cxroi import workflow
from cxroi.engine import FORMAT, FORMAT_V1
from cxroi.engine.schema import BENEFIT_MODELS, CaseIn
from models._types import MAX_ID as MAX_ID  # the largest id an integer column holds

if TYPE_CHECKING:
    CaseStatus = str
else:  # the workflow's states, from the one module that defines them
    CaseStatus = Literal[workflow.STATES]
SortKey = Literal["npv", "npv_per_cost", "roi", "payback", "updated", "title"]

#: A benefit line: the model of its kind, chosen by ``kind`` (a discriminated union of
#: every kind of the registry; ``Union[...]`` because the kinds are known at run time).
_KIND_MODELS = tuple(BENEFIT_MODELS.values())
Benefit: Any = Annotated[Union[_KIND_MODELS], Field(discriminator="kind")]  # noqa: UP007

#: A case document as the API takes it, and serves it. ``CaseIn`` in the OpenAPI document.
CaseDocument: type[CaseIn] = create_model(
    "CaseIn",
    __base__=CaseIn,
    __doc__=f"A case document, `{FORMAT}` (or `{FORMAT_V1}`, upgraded on load)."
    " docs/case-format.md is the contract.",
    format=(
        Literal[(FORMAT, FORMAT_V1)],
        Field(
            description=f"`{FORMAT}`; `{FORMAT_V1}` is still read (upgraded to `{FORMAT}`,"
            " and may not have the fields new in it, such as ids)."
        ),
    ),
    benefits=(list[Benefit], ...),
)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(_Out):
    """One problem of a request, at a JSON path (``benefits[1].reduction``; ``""``: the whole)."""

    path: str
    message: str


class Problem(_Out):
    """An error, as RFC 9457 problem details (media type ``application/problem+json``)."""

    type: str = Field(description="A URI naming the kind of problem; `about:blank` if none.")
    title: str = Field(description="The HTTP status in words.")
    status: int
    detail: str = Field(description="What happened, in words a person can act on.")
    instance: str | None = Field(None, description="The request path.")
    errors: list[FieldError] | None = Field(
        None, description="For 422: every problem with the path of its field."
    )


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _optional(description: str | None = None) -> Any:
    """An optional query parameter: absent means "any" (never null, so no default shown)."""
    return Field(None, description=description, json_schema_extra=_no_default)


class CaseListQuery(BaseModel):
    """The portfolio's filters, sort and paging. An unknown parameter is refused (422):
    a misspelt filter must not silently list everything."""

    model_config = ConfigDict(extra="forbid")

    # ``SkipJsonSchema[None]``: absent, never null (a query parameter cannot be null).
    q: Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")] | SkipJsonSchema[None] = (
        _optional("Words in the title or description (case-insensitive).")
    )
    status: CaseStatus | SkipJsonSchema[None] = _optional()
    owner: Annotated[int, Field(ge=1, le=MAX_ID)] | SkipJsonSchema[None] = _optional(
        "The owner's user id."
    )
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | SkipJsonSchema[None] = _optional()
    sort: SortKey = "npv"
    dir: Literal["asc", "desc"] | SkipJsonSchema[None] = _optional(
        "Default: descending, ascending for payback and title."
    )
    page: int = Field(1, ge=1, le=MAX_ID, description="Beyond the last page: the last page.")
    per_page: int = Field(25, ge=1, le=100)


class IfMatchHeader(BaseModel):
    if_match: str = Field(
        alias="If-Match",
        description='The case\'s ETag as last read (`"<case_hash>"`). '
        "Missing or `*`: 428; no longer current, or weak: 412.",
    )


class Person(_Out):
    id: int
    name: str
    email: str


class Metrics(_Out):
    """The headline figures stored at the last save (risk-adjusted)."""

    npv: float | None
    irr: float | None
    roi: float | None
    bcr: float | None
    payback_months: float | None
    discounted_payback_months: float | None
    total_costs: float | None
    total_benefits: float | None
    pv_costs: float | None
    pv_benefits: float | None
    npv_per_pv_cost: float | None
    prob_npv_positive: float | None


class CaseSummary(_Out):
    id: int
    title: str
    status: CaseStatus
    currency: str
    owner: Person
    case_hash: str = Field(description="SHA-256 of the canonical case document; the ETag.")
    created_at: datetime
    updated_at: datetime
    metrics: Metrics
    url: str


class CaseList(_Out):
    items: list[CaseSummary]
    total: int
    page: int
    pages: int
    per_page: int


class VersionRef(_Out):
    number: int
    case_hash: str
    frozen_at: datetime
    url: str


class CaseOut(CaseSummary):
    document: CaseDocument = Field(  # type: ignore[valid-type]
        description=f"The case's normalised `{FORMAT}` document (ids and defaults explicit)."
    )
    result: dict[str, Any] = Field(description="The engine's result document.")
    current_version: VersionRef | None = Field(
        description="The frozen version in force (null when none or superseded)."
    )


class CaseCreated(CaseOut):
    notices: list[str] = Field(
        description="What the caller should know about the new case: a CX user's case "
        "gets the organisation's default discount rate, which Finance sets."
    )


class SignedOffBy(_Out):
    id: int | None
    name: str


class VersionSummary(_Out):
    number: int
    case_hash: str = Field(description="SHA-256 of the frozen case document.")
    result_hash: str = Field(description="SHA-256 of the frozen result document.")
    frozen_at: datetime
    signed_off_by: SignedOffBy
    superseded: bool
    superseded_at: datetime | None
    superseded_reason: str | None
    url: str
    workbook_url: str


class VersionList(_Out):
    items: list[VersionSummary] = Field(description="Newest first.")


class VersionOut(VersionSummary):
    document: CaseDocument = Field(  # type: ignore[valid-type]
        description=f"The case document as frozen: `{FORMAT}`, or `{FORMAT_V1}` for a version"
        " frozen before it (kept as it was signed off, so that its hash still holds)."
    )
    result: dict[str, Any]


# -- actuals ---------------------------------------------------------------------------


class LineActual(BaseModel):
    """One line's actuals for the month: `cost` for a cost line; `benefit` and the line's
    drivers (its kind's parameters, e.g. `customers`, `annual_churn`) for a benefit line.
    A value left out or null is no actual."""

    model_config = ConfigDict(extra="forbid")

    line_id: str = Field(description="The line's id in the case document (`c1`, `b2` ...).")
    cost: float | None = None
    benefit: float | None = None
    drivers: dict[str, float] = Field(default_factory=dict)


class MonthActualsIn(BaseModel):
    """A month's actuals: they replace what the month had, for the lines you may enter."""

    model_config = ConfigDict(extra="forbid")

    lines: list[LineActual]


class MonthActualsOut(_Out):
    case_id: int
    month: str
    lines: list[LineActual]
    changed: int | None = Field(
        None, description="On a PUT: how many values changed (0 when it was already so)."
    )


class ActualsList(_Out):
    case_id: int
    months: list[MonthActualsOut]


# -- metrics ---------------------------------------------------------------------------


class MetricValueIn(BaseModel):
    """One month of a metric. `unit` may be left out for a standard metric (nps, csat,
    ces, complaints, fcr, churn_rate, revenue, contacts, cost_to_serve)."""

    model_config = ConfigDict(extra="forbid")

    value: float
    unit: str | None = None


class MetricPoint(_Out):
    month: str
    name: str
    unit: str
    value: float


class MetricSeries(_Out):
    case_id: int | None = Field(description="null: the organisation's metrics.")
    items: list[MetricPoint]


class MetricSaved(MetricPoint):
    case_id: int | None
    changed: int
