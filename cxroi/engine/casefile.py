"""The business case document, format ``cxroi-case/2``, as typed immutable objects.

A :class:`CaseFile` (also called :data:`CaseDocument`) is the one form of a case: what
the engine prices, what the app stores, what the API and the case file exchange. It
is built only by :func:`~cxroi.engine.load_case`, which upgrades ``cxroi-case/1``,
validates the whole document in one pass and reports every problem with its JSON
path; ``docs/case-format.md`` is the contract.

Every assumption, line and scenario has an ``id``: short, unique within the case and
kept across renames, edits, export and import, so that reviews, threads, actuals and
the API can refer to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FORMAT = "cxroi-case/2"
FORMAT_V1 = "cxroi-case/1"
FORMATS = (FORMAT_V1, FORMAT)

Param = float | str
"""A numeric parameter of a line: a number, or the key of an assumption."""

Recurrence = Literal["once", "monthly", "annual"]
ContinuingMethod = Literal["none", "customer_runoff", "gordon_growth"]
CONTINUING_METHODS: tuple[ContinuingMethod, ...] = ("none", "customer_runoff", "gordon_growth")
HeadlineNpv = Literal["horizon", "with_continuing_value"]
Treatment = Literal["opex", "capex"]
HEADLINE_NPVS: tuple[HeadlineNpv, ...] = ("horizon", "with_continuing_value")
#: When in its month a flow is discounted (``discounting``): see the format doc.
Discounting = Literal["end_of_month", "mid_month", "actual_365"]
DISCOUNTINGS: tuple[Discounting, ...] = ("end_of_month", "mid_month", "actual_365")
#: Each convention as a page, the CLI and the workbook name it.
DISCOUNTING_LABELS: dict[str, str] = {
    "end_of_month": "month ends",
    "mid_month": "mid-month",
    "actual_365": "act/365 on calendar dates",
}
#: The case's own fields (the rest of the document is its items), in document order.
CASE_FIELDS = (
    "title",
    "description",
    "customer_problem",
    "evidence",
    "currency",
    "start_month",
    "horizon_months",
    "discount_rate",
    "mirr_finance_rate",
    "mirr_reinvestment_rate",
    "monte_carlo_trials",
    "continuing_value",
    "continuing_growth",
    "headline_npv",
    "tax_rate",
    "tax_lag_months",
    "fiscal_year_start",
    "discounting",
    "inflation_rate",
)
#: The case fields Finance owns: only a user who edits finance's inputs changes them in
#: an existing case (the form, an import's replace and the API alike).
FINANCE_SETTINGS = (
    "discount_rate",
    "continuing_value",
    "continuing_growth",
    "headline_npv",
    "tax_rate",
    "tax_lag_months",
    "discounting",
    "inflation_rate",
)
#: At most this many Monte Carlo trials for one case (``monte_carlo_trials``).
MAX_TRIALS = 1_000_000

Confidence = Literal["low", "medium", "high"]
#: How Monte Carlo draws an assumption within its range (see the format doc).
Distribution = Literal["triangular", "pert", "uniform", "truncated_normal"]
DISTRIBUTIONS: tuple[Distribution, ...] = ("triangular", "pert", "uniform", "truncated_normal")
CONFIDENCE_LEVELS: tuple[Confidence, ...] = ("low", "medium", "high")
FINANCE_OWNER = "finance"


def rate_key_of(doc: Mapping[str, object]) -> str | None:
    """The key of the assumption a raw document's ``discount_rate`` names, or None when
    the rate is a number (or absent)."""
    rate = doc.get("discount_rate")
    return rate if isinstance(rate, str) else None


def rate_of(doc: Mapping[str, Any]) -> float | None:
    """A raw (valid) document's discount rate as a number: the number, or the value of
    the assumption it names; None when there is none.

    >>> rate_of({"discount_rate": "r", "assumptions": [{"key": "r", "value": 0.07}]})
    0.07
    """
    key = rate_key_of(doc)
    if key is None:
        rate = doc.get("discount_rate")
        return float(rate) if isinstance(rate, int | float) else None
    for a in doc.get("assumptions") or []:
        if isinstance(a, Mapping) and a.get("key") == key:
            return float(a["value"])
    return None


def owned_by_finance(owner: object, key: object, rate_key: str | None) -> bool:
    """The one rule of Finance's assumptions: owner "finance", or the one that sets the
    discount rate (``rate_key``)."""
    named = rate_key is not None and key == rate_key
    return named or str(owner or "").strip().lower() == FINANCE_OWNER


@dataclass(frozen=True, slots=True)
class Assumption:
    """One named number that drives the model, with its range and provenance."""

    key: str
    label: str
    value: float
    unit: str
    low: float | None = None
    high: float | None = None
    source: str | None = None
    owner: str | None = None
    notes: str | None = None
    confidence: Confidence | None = None
    id: str = ""
    #: How Monte Carlo draws it within [low, high]: None is triangular (the default).
    distribution: Distribution | None = None

    @property
    def has_range(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def finance_owned(self) -> bool:
        """Numbers owned by Finance are edited by finance users only (an assumption that
        sets the discount rate is Finance's too: :meth:`CaseFile.finance_owned`)."""
        return owned_by_finance(self.owner, self.key, None)


@dataclass(frozen=True, slots=True)
class Correlation:
    """The rank correlation ``rho`` of the Monte Carlo draws of assumptions ``a`` and ``b``
    (:mod:`cxroi.engine.correlation`)."""

    a: str
    b: str
    rho: float


#: The benefits register's fields of a line, in document order (see :class:`Register`).
REGISTER_FIELDS = (
    "owner_name",
    "owner_email",
    "kpi",
    "kpi_unit",
    "data_source",
    "baseline",
    "baseline_date",
    "target",
    "target_date",
    "outcome",
    "attribution",
)


@dataclass(frozen=True, slots=True)
class Register:
    """A line's entry in the benefits register: who answers for it and how it is measured.

    Every field is optional. ``owner_*`` is the operational owner (not the case author);
    ``kpi``/``kpi_unit``/``data_source`` the measure; ``baseline``/``target`` values with
    their dates (``YYYY-MM`` or ``YYYY-MM-DD``); ``outcome`` the observable outcome and
    ``attribution`` how much of the change this initiative may claim.
    """

    owner_name: str | None = None
    owner_email: str | None = None
    kpi: str | None = None
    kpi_unit: str | None = None
    data_source: str | None = None
    baseline: float | None = None
    baseline_date: str | None = None
    target: float | None = None
    target_date: str | None = None
    outcome: str | None = None
    attribution: str | None = None

    def to_dict(self) -> dict[str, str | float]:
        """The fields that are set, in document order."""
        return {
            name: value for name in REGISTER_FIELDS if (value := getattr(self, name)) is not None
        }

    @property
    def empty(self) -> bool:
        return not self.to_dict()


@dataclass(frozen=True, slots=True)
class CostLine:
    """A cost: once in ``month``, or monthly / annually from ``start_month`` to ``end_month``."""

    name: str
    category: str
    recurrence: Recurrence
    amount: Param
    department: str | None = None
    month: int = 0
    start_month: int = 1
    end_month: int | None = None
    escalation: Param = 0.0
    risk: Param = 0.0
    note: str | None = None
    id: str = ""
    register: Register | None = None
    #: For tax: an expense when paid (opex), or depreciated straight-line (capex).
    treatment: Treatment = "opex"
    #: A capex line's depreciation life in months.
    life_months: int | None = None

    @property
    def params(self) -> dict[str, Param]:
        """The numeric parameters, by name (as a benefit line has them)."""
        return {"amount": self.amount, "escalation": self.escalation, "risk": self.risk}


@dataclass(frozen=True, slots=True)
class BenefitLine:
    """A benefit of one of the registered kinds; ``params`` holds every parameter of the kind."""

    name: str
    kind: str
    params: Mapping[str, Param]
    ramp_start: int = 1
    ramp_months: int = 0
    risk: Param = 0.0
    note: str | None = None
    id: str = ""
    register: Register | None = None
    #: The kind's choices (text conventions) that differ from their defaults.
    choices: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str) -> Param:
        return self.params[name]


@dataclass(frozen=True, slots=True)
class Scenario:
    """The whole case recomputed with some assumptions set to other values."""

    name: str
    overrides: Mapping[str, float]
    id: str = ""


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A validated business case. Build it with :func:`cxroi.engine.load_case`."""

    title: str
    currency: str
    start_month: str
    horizon_months: int
    discount_rate: float
    assumptions: tuple[Assumption, ...] = ()
    costs: tuple[CostLine, ...] = ()
    benefits: tuple[BenefitLine, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    description: str | None = None
    customer_problem: str | None = None
    evidence: str | None = None
    #: Monte Carlo trials for this case; None: the app's default.
    monte_carlo_trials: int | None = None
    #: MIRR's annual finance and reinvestment rates; None: the discount rate.
    mirr_finance_rate: float | None = None
    mirr_reinvestment_rate: float | None = None
    #: Value beyond the horizon: none, the kept customers' run-off, or Gordon growth.
    continuing_value: ContinuingMethod = "none"
    #: Gordon growth's annual growth rate of the final year's net flow.
    continuing_growth: float = 0.0
    #: Which NPV the case leads with.
    headline_npv: HeadlineNpv = "horizon"
    #: Corporate tax rate on the case's profit; None: no tax (no after-tax figures).
    tax_rate: float | None = None
    #: Months between a month's profit and the payment of its tax.
    tax_lag_months: int = 0
    #: Calendar month (1-12) the Annual roll-up's fiscal years start in; None: the case's
    #: own years (12 months from month 1).
    fiscal_year_start: int | None = None
    #: The discounting convention: month ends (the default), mid-month, or act/365 on
    #: calendar dates from ``start_month`` (XNPV-style).
    discounting: Discounting = "end_of_month"
    #: Rank correlations between ranged assumptions' draws; none: independent draws.
    correlations: tuple[Correlation, ...] = ()
    #: Annual inflation (0: none). Line amounts are in today's money (real); each line's
    #: escalation or growth is real growth on top of it; the discount rate is nominal.
    inflation_rate: float = 0.0
    #: The assumption that sets the discount rate (the document's ``discount_rate`` names
    #: its key), or None when the rate is a number. ``discount_rate`` is then always that
    #: assumption's value (kept so on construction), and the rate enters the tornado,
    #: break-even and Monte Carlo like any assumption.
    discount_rate_key: str | None = None
    format: str = field(default=FORMAT)

    def __post_init__(self) -> None:
        if self.discount_rate_key is not None:
            rate = self.assumption(self.discount_rate_key).value
            object.__setattr__(self, "discount_rate", float(rate))

    @property
    def rate_assumption(self) -> Assumption | None:
        """The assumption that sets the discount rate, or None when the rate is a number."""
        if self.discount_rate_key is None:
            return None
        return self.assumption(self.discount_rate_key)

    def finance_owned(self, a: Assumption) -> bool:
        """Whether Finance owns ``a``: its owner says so, or it sets the discount rate."""
        return a.finance_owned or a.key == self.discount_rate_key

    @property
    def mirr_rates(self) -> tuple[float, float]:
        """MIRR's annual (finance, reinvestment) rates: each defaults to the discount rate."""
        finance, reinvest = self.mirr_finance_rate, self.mirr_reinvestment_rate
        return (
            self.discount_rate if finance is None else finance,
            self.discount_rate if reinvest is None else reinvest,
        )

    @property
    def nothing_to_price(self) -> bool:
        """No cost and no benefit yet: no figure means anything (a payback of month 0, an
        NPV of 0), so pages say so instead of showing them."""
        return not self.costs and not self.benefits

    @property
    def assumption_values(self) -> dict[str, float]:
        return {a.key: a.value for a in self.assumptions}

    def assumption(self, key: str) -> Assumption:
        for a in self.assumptions:
            if a.key == key:
                return a
        raise KeyError(key)

    def by_id(self, item_id: str) -> Assumption | CostLine | BenefitLine | Scenario:
        """The assumption, line or scenario with this id (``KeyError`` if none)."""
        items: tuple[Assumption | CostLine | BenefitLine | Scenario, ...] = (
            *self.assumptions,
            *self.costs,
            *self.benefits,
            *self.scenarios,
        )
        for item in items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def uses_of(self, key: str) -> list[str]:
        """Names of the lines whose parameters refer to assumption ``key``."""
        names = [c.name for c in self.costs if key in _keys_of_cost(c)]
        names += [b.name for b in self.benefits if key in _keys_of_benefit(b)]
        return names


def _keys_of_cost(line: CostLine) -> set[str]:
    return {p for p in (line.amount, line.escalation, line.risk) if isinstance(p, str)}


def _keys_of_benefit(line: BenefitLine) -> set[str]:
    keys = {p for p in line.params.values() if isinstance(p, str)}
    if isinstance(line.risk, str):
        keys.add(line.risk)
    return keys


CaseDocument = CaseFile
"""The architecture's name for the one form of a case."""
