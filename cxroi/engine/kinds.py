"""The registry of line kinds: every benefit kind, and the cost line, defined once.

A :class:`LineKind` holds everything the rest of cxroi needs to know about a kind:

- its parameters, with their defaults, domains, units and form hints (the schema,
  the validation rules, the editor's forms and the workbook's Inputs sheet read them);
- the monthly numpy series the engine prices (:meth:`LineKind.series`): the product of
  its ``factors`` times its ``shape``, so that a batch whose varying inputs are only
  factors prices the line as a per-trial scalar times one fixed monthly profile;
- the workbook formula that recalculates it (:attr:`LineKind.workbook`), written
  against the small :class:`FormulaGrid` protocol so that this module stays pure;
- the hypothesis strategy that generates valid lines (:meth:`LineKind.strategy`);
- the formula in words for ``docs/case-format.md`` (:func:`docs_table`).

Adding a kind means adding one definition to :data:`KINDS`.

>>> sorted(KINDS)
['churn', 'cost_savings', 'custom', 'referrals', 'revenue_uplift']
>>> [p.name for p in KINDS["cost_savings"].parameters]
['volume', 'reduction', 'unit_cost', 'escalation']
>>> KINDS["churn"].defaults
{'gross_adds': 0.0}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from .domains import ANY, BENEFIT_RISK, NON_NEGATIVE, RATE, RATIO, Domain
from .drivers import churn_customers_kept, cohort
from .timeline import FloatArray, Timeline, Value

Unit = Literal["money", "ratio", "rate", "count", "number"]
"""How a parameter reads: an amount in the case currency, a share (0-1), an annual rate,
a count of things, or a plain number."""


@dataclass(frozen=True, slots=True)
class Parameter:
    """One numeric parameter of a line: a number, or the key of an assumption."""

    name: str
    label: str
    hint: str
    unit: Unit
    domain: Domain
    default: float | None = None  # None: required
    #: The range of values generated for property tests (within ``domain``).
    example: tuple[float, float] = (0.0, 1.0)

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True, slots=True)
class Ramp:
    """A benefit's adoption: 0 before ``start``, then linear over ``months`` to full effect."""

    start: int = 1
    months: int = 0

    def of(self, tl: Timeline) -> FloatArray:
        return tl.ramp(self.start, self.months)

    def times_step_up(self, tl: Timeline, rate: Value) -> FloatArray:
        """a_t x e_t (cached when the rate is a number)."""
        if np.ndim(rate) == 0:
            return tl.ramped(self.start, self.months, float(rate))
        return tl.ramp(self.start, self.months) * tl.step_up(rate)


@dataclass(frozen=True, slots=True)
class Choice:
    """A line's choice between named conventions (text, never an assumption)."""

    name: str
    label: str
    hint: str
    #: (value, what the form shows), the default first.
    options: tuple[tuple[str, str], ...]

    @property
    def default(self) -> str:
        return self.options[0][0]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.options)

    def number(self, value: str) -> int:
        """The option's number in the workbook (0 for the default, then 1, 2...)."""
        return self.values.index(value)

    def numbers_text(self) -> str:
        """``0 = first, 1 = second``: what the workbook's input cell holds."""
        return ", ".join(f"{i} = {value}" for i, value in enumerate(self.values))


Choices = Mapping[str, str]
"""A line's chosen conventions by choice name (a missing one takes its default)."""

Shape = Callable[[Mapping[str, Value], Timeline, Ramp, Choices], FloatArray]
"""The monthly profile a kind's factors multiply, from its other parameters and choices."""


def product(values: Mapping[str, Value], names: tuple[str, ...]) -> Value:
    """values[n1] x values[n2] x ..., from 1.0, in the order of ``names``."""
    scale: Value = 1.0
    for name in names:
        scale = scale * values[name]
    return scale


Style = Literal["money", "count", "factor"]


class FormulaGrid(Protocol):
    """What a kind's workbook formula may ask of the Calculations sheet.

    A template gets the column letter of the month being written and of the month
    before; ``month(col)`` is that column's month-index cell and ``row`` the row being
    written (for a formula that refers to its own previous month).
    """

    @property
    def row(self) -> int: ...

    def month(self, col: str) -> str: ...

    def formula_row(
        self,
        label: str,
        unit: str,
        style: Style,
        template: Callable[[str, str], str],
        *,
        total: bool = False,
    ) -> int: ...

    def step_up_row(self, label: str, rate: str) -> int: ...

    def inflation_row(self) -> int | None:
        """The row of (1 + i)^INT((t - 1) / 12) for a line without a step-up of its own
        (None when the case has no inflation)."""


Workbook = Callable[[FormulaGrid, Mapping[str, str], int, str], int]
"""Writes a line's rows given its input cells (a choice's cell holds its option's
number, :meth:`Choice.number`), its ramp row and the currency; returns the row of the
benefit before risk."""


@dataclass(frozen=True, slots=True)
class LineKind:
    """One kind of benefit line."""

    name: str
    label: str
    summary: str
    parameters: tuple[Parameter, ...]
    #: Parameters the monthly benefit is simply proportional to (their product).
    factors: tuple[str, ...]
    #: The monthly profile those factors multiply, from the other parameters.
    shape: Shape
    workbook: Workbook
    #: The monthly benefit in words, for the docs table.
    formula: str
    #: Conventions the line chooses between (text fields of the line, with defaults).
    choices: tuple[Choice, ...] = ()

    def series(
        self, p: Mapping[str, Value], tl: Timeline, ramp: Ramp, choices: Choices | None = None
    ) -> FloatArray:
        """The monthly benefit before risk: product(factors) x shape."""
        shape = self.shape(p, tl, ramp, self.chosen(choices))
        return np.asarray(product(p, self.factors) * shape, dtype=np.float64)

    def chosen(self, choices: Choices | None = None) -> dict[str, str]:
        """Every choice of the kind: the given value, or the default."""
        given = choices or {}
        return {c.name: given.get(c.name, c.default) for c in self.choices}

    def choice(self, name: str) -> Choice:
        for c in self.choices:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def shape_parameters(self) -> tuple[str, ...]:
        """The parameters the shape depends on (every one that is not a factor)."""
        return tuple(p.name for p in self.parameters if p.name not in self.factors)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters if p.required)

    @property
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters if p.default is not None}

    def parameter(self, name: str) -> Parameter:
        if name == "risk":
            return BENEFIT_RISK_PARAMETER
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def domains(self) -> dict[str, Domain]:
        """Every numeric parameter's domain, ``risk`` included."""
        return {p.name: p.domain for p in (*self.parameters, BENEFIT_RISK_PARAMETER)}

    def strategy(self) -> Any:
        """A hypothesis strategy of parameter dicts (numbers only) for this kind."""
        from hypothesis import strategies as st

        return st.fixed_dictionaries({p.name: _values(p) for p in self.parameters})


def _values(p: Parameter) -> Any:
    from hypothesis import strategies as st

    low, high = p.example
    return st.floats(min_value=low, max_value=high, allow_nan=False).map(lambda x: round(x, 4))


# -- the shared parameters -------------------------------------------------------------

BENEFIT_RISK_PARAMETER = Parameter(
    "risk",
    "Risk adjustment",
    "Benefits are multiplied by 1 − risk (0 to below 1); blank for none.",
    "ratio",
    BENEFIT_RISK,
    0.0,
    (0.0, 0.9),
)

#: A cost line's numeric parameters (its timing fields are whole months, not parameters).
COST_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("amount", "Amount", "In the case currency.", "money", NON_NEGATIVE, None, (0, 1e6)),
    Parameter(
        "escalation",
        "Annual escalation",
        "Ratio a year, on anniversaries; blank for none.",
        "rate",
        RATE,
        0.0,
        (-0.2, 0.3),
    ),
    Parameter(
        "risk",
        "Risk uplift",
        "Costs are multiplied by 1 + risk; blank for none.",
        "ratio",
        NON_NEGATIVE,
        0.0,
        (0.0, 1.0),
    ),
)
COST_DOMAINS: dict[str, Domain] = {p.name: p.domain for p in COST_PARAMETERS}


def _p(
    name: str,
    label: str,
    hint: str,
    unit: Unit,
    domain: Domain,
    default: float | None = None,
    example: tuple[float, float] = (0.0, 1.0),
) -> Parameter:
    return Parameter(name, label, hint, unit, domain, default, example)


CUSTOMERS = _p(
    "customers",
    "Customers at start",
    "How many customers the initiative touches.",
    "count",
    NON_NEGATIVE,
    example=(0, 2e5),
)
ANNUAL_CHURN = _p(
    "annual_churn",
    "Baseline annual churn",
    "Ratio a year without the initiative, e.g. 0.18.",
    "ratio",
    RATIO,
    example=(0.0, 0.6),
)
ARPU = _p(
    "arpu",
    "Revenue per customer per month",
    "In the case currency.",
    "money",
    NON_NEGATIVE,
    example=(0, 200),
)
MARGIN = _p(
    "margin", "Contribution margin", "Ratio of revenue kept as profit, e.g. 0.45.", "ratio", RATIO
)
ESCALATION = _p(
    "escalation", "Annual escalation", "Ratio; blank for none.", "rate", RATE, 0.0, (-0.2, 0.3)
)


# -- churn ------------------------------------------------------------------------------


MONTHLY_HAZARD = "monthly_hazard"
ANNUAL_CHURN_CUT = "annual_churn"
#: What a churn line's ``reduction`` cuts. ``/1`` files, and ``/2`` lines without the
#: field, cut the monthly hazard: the engine's convention before the choice existed.
REDUCTION_APPLIES_TO = Choice(
    "reduction_applies_to",
    "Reduction applies to",
    "What the reduction cuts: the monthly churn hazard, or the annual churn rate.",
    (
        (MONTHLY_HAZARD, "the monthly churn hazard: c × (1 − reduction)"),
        (ANNUAL_CHURN_CUT, "the annual churn rate: baseline annual churn × (1 − reduction)"),
    ),
)


def _churn_shape(p: Mapping[str, Value], tl: Timeline, ramp: Ramp, choices: Choices) -> FloatArray:
    """Customers kept (times arpu x margin, the factors, gives the benefit), inflated:
    arpu is in today's money."""
    kept = churn_customers_kept(
        tl,
        p["customers"],
        p["annual_churn"],
        p["reduction"],
        p["gross_adds"],
        ramp.of(tl),
        annual=choices.get(REDUCTION_APPLIES_TO.name) == ANNUAL_CHURN_CUT,
    )
    return tl.inflated(kept)


def _churn_workbook(g: FormulaGrid, cells: Mapping[str, str], ramp: int, currency: str) -> int:
    customers, churn = cells["customers"], cells["annual_churn"]
    reduction, adds = cells["reduction"], cells["gross_adds"]
    applies_to = cells[REDUCTION_APPLIES_TO.name]
    base = g.formula_row(
        "Customers without the initiative",
        "customers",
        "count",
        lambda c, p: f"=IF({g.month(c)}=0,{customers},{p}{g.row}*(1-{churn})^(1/12)+{adds})",
    )
    with_cx = g.formula_row(
        "Customers with the initiative",
        "customers",
        "count",
        lambda c, p: (
            f"=IF({g.month(c)}=0,{customers},{p}{g.row}*"
            f"IF({applies_to}={REDUCTION_APPLIES_TO.number(ANNUAL_CHURN_CUT)},"
            f"(1-{churn}*(1-{c}{ramp}*{reduction}))^(1/12),"
            f"1-(1-(1-{churn})^(1/12))*(1-{c}{ramp}*{reduction}))+{adds})"
        ),
    )
    kept = g.formula_row(
        "Customers kept", "customers", "count", lambda c, p: f"={c}{with_cx}-{c}{base}"
    )
    inflated = _inflated(g)
    return g.formula_row(
        "Benefit before risk",
        currency,
        "money",
        lambda c, p: f"={c}{kept}*{cells['arpu']}*{cells['margin']}{inflated(c)}",
        total=True,
    )


def _inflated(g: FormulaGrid) -> Callable[[str], str]:
    """``*<col><row>`` of the line's inflation factor row, or nothing without inflation."""
    row = g.inflation_row()
    return lambda c: "" if row is None else f"*{c}{row}"


# -- the linear kinds: a product of parameters x a yearly step-up x the ramp ---------------


def _step_up_shape(rate: str) -> Shape:
    """a_t x e_t: the ramp times the yearly step-up at the parameter ``rate``."""

    def shape(p: Mapping[str, Value], tl: Timeline, ramp: Ramp, choices: Choices) -> FloatArray:
        return ramp.times_step_up(tl, p[rate])

    return shape


def _linear_workbook(factors: tuple[str, ...], rate: str, label: str) -> Workbook:
    def rows(g: FormulaGrid, cells: Mapping[str, str], ramp: int, currency: str) -> int:
        step_up = g.step_up_row(label, cells[rate])
        product = "*".join(cells[name] for name in factors)
        return g.formula_row(
            "Benefit before risk",
            currency,
            "money",
            lambda c, p: f"={product}*{c}{step_up}*{c}{ramp}",
            total=True,
        )

    return rows


# -- referrals ----------------------------------------------------------------------------


def _referrals_shape(
    p: Mapping[str, Value], tl: Timeline, ramp: Ramp, choices: Choices
) -> FloatArray:
    """Referred customers still with us per customer-and-uplift: R_t with adds a_t,
    inflated (arpu is in today's money)."""
    monthly_churn = 1.0 - (1.0 - np.asarray(p["annual_churn"], dtype=np.float64)) ** (1.0 / 12.0)
    won = np.atleast_2d(ramp.of(tl))
    shape = np.broadcast_shapes(won.shape, np.shape(monthly_churn), (1, tl.horizon + 1))
    retention = np.broadcast_to(1.0 - monthly_churn, shape)
    return tl.inflated(cohort(0.0, retention, np.broadcast_to(won, shape)))


def _referrals_workbook(g: FormulaGrid, cells: Mapping[str, str], ramp: int, currency: str) -> int:
    customers, uplift, churn = cells["customers"], cells["referral_uplift"], cells["annual_churn"]
    won = g.formula_row(
        "New customers won by referral",
        "customers",
        "count",
        lambda c, p: f"={customers}*{uplift}*{c}{ramp}",
    )
    referred = g.formula_row(
        "Referred customers still with us",
        "customers",
        "count",
        lambda c, p: f"=IF({g.month(c)}=0,0,{p}{g.row}*(1-{churn})^(1/12)+{c}{won})",
    )
    inflated = _inflated(g)
    return g.formula_row(
        "Benefit before risk",
        currency,
        "money",
        lambda c, p: f"={c}{referred}*{cells['arpu']}*{cells['margin']}{inflated(c)}",
        total=True,
    )


#: Every benefit kind, by name, in the order the "Add" menu offers them.
KINDS: dict[str, LineKind] = {
    k.name: k
    for k in (
        LineKind(
            name="churn",
            label="Customers kept",
            summary="Fewer customers leave; each one kept keeps paying.",
            parameters=(
                CUSTOMERS,
                ANNUAL_CHURN,
                _p(
                    "reduction",
                    "Reduction",
                    "Relative reduction of churn as a ratio, e.g. 0.06 or 6%: of the monthly"
                    " hazard or of annual churn, as 'Reduction applies to' says.",
                    "ratio",
                    RATIO,
                ),
                ARPU,
                MARGIN,
                _p(
                    "gross_adds",
                    "New customers per month",
                    "Blank for none.",
                    "count",
                    NON_NEGATIVE,
                    0.0,
                    (0, 2000),
                ),
            ),
            factors=("arpu", "margin"),
            shape=_churn_shape,
            workbook=_churn_workbook,
            formula="(A^cx_t − A^base_t) × arpu × margin (the churn cohort below)",
            choices=(REDUCTION_APPLIES_TO,),
        ),
        LineKind(
            name="revenue_uplift",
            label="Revenue uplift",
            summary="A share more revenue from an existing base.",
            parameters=(
                _p(
                    "base_revenue",
                    "Base revenue per month",
                    "In the case currency.",
                    "money",
                    NON_NEGATIVE,
                    example=(0, 1e6),
                ),
                _p(
                    "uplift",
                    "Uplift",
                    "Ratio, e.g. 0.02 for 2% more.",
                    "rate",
                    RATE,
                    example=(0.0, 0.2),
                ),
                MARGIN,
                _p(
                    "growth",
                    "Annual growth of the base",
                    "Ratio; blank for none.",
                    "rate",
                    RATE,
                    0.0,
                    (-0.2, 0.3),
                ),
            ),
            factors=("base_revenue", "uplift", "margin"),
            shape=_step_up_shape("growth"),
            workbook=_linear_workbook(
                ("base_revenue", "uplift", "margin"), "growth", "Growth factor"
            ),
            formula="base_revenue × g_t × uplift × margin × a_t",
        ),
        LineKind(
            name="cost_savings",
            label="Cost savings",
            summary="Fewer contacts, visits or refunds, at a unit cost.",
            parameters=(
                _p(
                    "volume",
                    "Volume per month",
                    "Contacts, visits, refunds... per month.",
                    "count",
                    NON_NEGATIVE,
                    example=(0, 1e5),
                ),
                _p(
                    "reduction",
                    "Reduction",
                    "Relative reduction as a ratio, e.g. 0.06 or 6%.",
                    "ratio",
                    RATIO,
                ),
                _p(
                    "unit_cost",
                    "Cost per unit",
                    "In the case currency.",
                    "money",
                    NON_NEGATIVE,
                    example=(0, 50),
                ),
                ESCALATION,
            ),
            factors=("volume", "reduction", "unit_cost"),
            shape=_step_up_shape("escalation"),
            workbook=_linear_workbook(
                ("volume", "reduction", "unit_cost"), "escalation", "Escalation factor"
            ),
            formula="volume × reduction × unit_cost × e_t × a_t",
        ),
        LineKind(
            name="custom",
            label="Other benefit",
            summary="A monthly amount you estimate directly.",
            parameters=(
                _p(
                    "amount",
                    "Benefit per month",
                    "In the case currency.",
                    "money",
                    ANY,
                    example=(0.0, 1e5),
                ),
                ESCALATION,
            ),
            factors=("amount",),
            shape=_step_up_shape("escalation"),
            workbook=_linear_workbook(("amount",), "escalation", "Escalation factor"),
            formula="amount × e_t × a_t",
        ),
        LineKind(
            name="referrals",
            label="Referrals",
            summary="Extra customers won by word of mouth, who then stay and pay.",
            parameters=(
                CUSTOMERS,
                _p(
                    "referral_uplift",
                    "New customers per customer per month",
                    "Referred new customers a month per customer touched, e.g. 0.002.",
                    "ratio",
                    RATIO,
                    example=(0.0, 0.01),
                ),
                ANNUAL_CHURN,
                ARPU,
                MARGIN,
            ),
            factors=("customers", "referral_uplift", "arpu", "margin"),
            shape=_referrals_shape,
            workbook=_referrals_workbook,
            formula=(
                "R_t × arpu × margin, where R_0 = 0 and "
                "R_t = R_{t−1} × (1 − c) + customers × referral_uplift × a_t"
            ),
        ),
    )
}

BENEFIT_KIND_NAMES: tuple[str, ...] = tuple(KINDS)


def kind_list_text() -> str:
    """The kinds as a message lists them: ``churn, revenue_uplift, ... or referrals``."""
    names = list(KINDS)
    return ", ".join(names[:-1]) + " or " + names[-1]


def docs_table() -> str:
    """The benefit kinds tables of ``docs/case-format.md``, made from the registry.

    ``python -m cxroi.engine.kinds`` prints them; a test keeps the docs equal to it.
    """
    lines = [
        "| kind | parameters | monthly benefit in month t ≥ 1, before risk |",
        "|---|---|---|",
    ]
    for kind in KINDS.values():
        params = ", ".join(
            f"`{p.name}`" if p.required else f"`{p.name}` (default {p.default:g})"
            for p in kind.parameters
        )
        lines.append(f"| `{kind.name}` | {params} | {kind.formula} |")
    lines += [
        "",
        "| kind | parameter | meaning | unit | allowed values |",
        "|---|---|---|---|---|",
    ]
    for kind in KINDS.values():
        for p in (*kind.parameters, BENEFIT_RISK_PARAMETER):
            lines.append(
                f"| `{kind.name}` | `{p.name}` | {p.label} | {p.unit} | {p.domain.describe()} |"
            )
    lines += [
        "",
        "| kind | choice | meaning | values (the default first) |",
        "|---|---|---|---|",
    ]
    for kind in KINDS.values():
        for c in kind.choices:
            values = "; ".join(f"`{value}`: {text}" for value, text in c.options)
            lines.append(f"| `{kind.name}` | `{c.name}` | {c.label} | {values} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - `python -m cxroi.engine.kinds` prints the table
    print(docs_table(), end="")
