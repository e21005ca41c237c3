"""Forms of the case editor. Field names are the case file's, so that an error the
engine reports at ``costs[2].amount`` lands beside the ``amount`` field."""

from __future__ import annotations

import calendar
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from cxroi.cases.fields import KEY, NumberField, ParamField, choices
from cxroi.engine import CONFIDENCE_LEVELS, REGISTER_FIELDS, Register
from cxroi.engine.casefile import MAX_TRIALS
from cxroi.engine.schema import MAX_NARRATIVE

CURRENCIES = ["GBP", "EUR", "USD", "CHF", "SEK", "NOK", "DKK", "PLN", "CAD", "AUD", "JPY"]
DEPARTMENTS = ["Finance", "CX", "Customer Service", "Marketing", "Operations", "IT", "Sales"]
COST_CATEGORIES = ["technology", "people", "operations", "marketing", "facilities", "other"]


class EditForm(FlaskForm):
    """Every edit form carries the case's lock version it was opened with."""

    lock_version = HiddenField()

    def lock(self) -> int | None:
        try:
            return int(self.lock_version.data or "")
        except (TypeError, ValueError):
            return None

    def add_errors(self, field_errors: dict[str, list[str]]) -> list[str]:
        """Attach service-side errors to fields; returns the ones with no field here."""
        leftover: list[str] = []
        for name, messages in field_errors.items():
            field: Field | None = getattr(self, name, None)
            if isinstance(field, Field):
                field.errors = [*list(field.errors or []), *messages]
            else:
                leftover += [f"{name}: {m}" for m in messages]
        return leftover


def optional_text(value: str | None) -> str | None:
    """Text as the document keeps it: stripped, and None (left out) when empty."""
    value = (value or "").strip()
    return value or None


def _one_line_ending(value: str | None) -> str | None:
    """A browser sends a textarea's line breaks as CRLF; the document keeps LF, so the
    length checked here is the length stored."""
    if value is None:
        return None
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def narrative_field(label: str, description: str = "", *, name: str = "") -> TextAreaField:
    """Optional free text, with the engine's rule for narrative (MAX_NARRATIVE characters).

    ``name``: how the error message calls it (default: the label)."""
    return TextAreaField(
        label,
        description=description,
        filters=[_one_line_ending],
        validators=[
            Optional(),
            Length(
                max=MAX_NARRATIVE,
                message=f"{name or label} can have at most {MAX_NARRATIVE:,} characters.",
            ),
        ],
    )


def line_note_field() -> TextAreaField:
    """The note on a cost or benefit line (``note`` in the case document)."""
    return narrative_field(
        "Note (optional)",
        "A note for reviewers: where the number comes from, what it assumes.",
        name="The note",
    )


#: The discount rate's source that is no assumption.
FIXED_RATE = "A fixed rate (the number below)"


def rate_source_choices(assumptions: Any) -> list[tuple[str, str]]:
    """The discount rate's sources: a fixed rate, or each assumption by its label (a key
    is no word for people)."""
    return [("", FIXED_RATE)] + [(a.key, f"The assumption {a.label}") for a in assumptions]


class CaseForm(EditForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Enter a title."), Length(max=200)],
        description="What the initiative is, in a few words.",
    )
    description = narrative_field("Summary")
    customer_problem = narrative_field(
        "The customer problem", "What goes wrong for customers today, in their words."
    )
    evidence = narrative_field("Evidence", "Surveys, complaints, call data, pilots.")
    currency = StringField(
        "Currency",
        description="ISO 4217 code, e.g. GBP, EUR, USD.",
        filters=[lambda v: (v or "").strip().upper()],
        validators=[
            DataRequired("Enter a currency code, e.g. GBP."),
            Regexp(r"^[A-Z]{3}$", message="Enter a three-letter currency code, e.g. GBP."),
        ],
    )
    start_month = StringField(
        "First month",
        description="The calendar month of case month 1, as YYYY-MM, e.g. 2027-01.",
        validators=[
            DataRequired("Enter the first month as YYYY-MM, e.g. 2027-01."),
            Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", message="Enter the first month as YYYY-MM."),
        ],
    )
    horizon_months = NumberField(
        "Horizon (months)",
        integer=True,
        minimum=1,
        maximum=120,
        description="How many months the case runs, 1 to 120.",
    )
    discount_rate_source = SelectField(
        "Discount rate comes from",
        default="",
        choices=choices([("", FIXED_RATE)]),
        description="Set by Finance: a fixed rate, or one of the case's assumptions. An "
        "assumption's value is the rate, and its range puts the rate in the sensitivity, "
        "break-even and Monte Carlo; that assumption is then Finance's.",
    )
    discount_rate = NumberField(
        "Discount rate (% a year)",
        allow_percent=False,
        minimum=-99.99,
        description="Set by Finance. 10 means 10% a year. Used when the rate is a fixed rate.",
    )

    monte_carlo_trials = NumberField(
        "Monte Carlo trials",
        integer=True,
        required=False,
        minimum=1,
        maximum=MAX_TRIALS,
        description=f"How many random trials give the range of outcomes. Leave empty for the "
        f"default; at most {MAX_TRIALS:,}. More trials take longer to simulate.",
    )

    fiscal_year_start = SelectField(
        "Fiscal year starts in",
        default="",
        choices=choices(
            [("", "The case's own years (12 months from its first month)")]
            + [(str(m), calendar.month_name[m]) for m in range(1, 13)]
        ),
        description="How the Annual roll-up cuts years; it changes no NPV.",
    )

    discounting = SelectField(
        "Discounting",
        default="end_of_month",
        choices=choices(
            [
                ("end_of_month", "Month ends: each month's flow at its end (the default)"),
                ("mid_month", "Mid-month: each month's flow in its middle"),
                (
                    "actual_365",
                    "Calendar dates, act/365 (as Excel's XNPV and XIRR)",
                ),
            ]
        ),
        description="Set by Finance: when in its month each flow is discounted. It moves "
        "the NPV, the IRR and the discounted payback.",
    )

    inflation_rate = NumberField(
        "Inflation (% a year)",
        required=False,
        allow_percent=False,
        minimum=-99.99,
        maximum=1000,
        description="Set by Finance. Blank or 0 for none. Line amounts are in today's money "
        "and each line's escalation is real growth on top of inflation; the discount rate "
        "is nominal.",
    )

    def use_rate_sources(self, assumptions: Any) -> None:
        """Offer the case's assumptions as the discount rate's source, by label."""
        self.discount_rate_source.choices = choices(rate_source_choices(assumptions))

    def validate(self, extra_validators: Any = None) -> bool:
        # A rate an assumption sets needs no number of its own.
        self.discount_rate.required = not (self.discount_rate_source.data or "")
        valid = bool(super().validate(extra_validators))
        if self.discount_rate_source.errors:
            self.discount_rate_source.errors = [
                "Discount rate comes from: choose a fixed rate or one of this case's assumptions."
            ]
        return valid

    def header(self) -> dict[str, Any]:
        rate = self.discount_rate.number
        source = self.discount_rate_source.data or ""
        inflation = self.inflation_rate.number
        trials = self.monte_carlo_trials.number
        fiscal = self.fiscal_year_start.data
        return {
            "title": (self.title.data or "").strip(),
            "description": optional_text(self.description.data),
            "customer_problem": optional_text(self.customer_problem.data),
            "evidence": optional_text(self.evidence.data),
            "currency": self.currency.data,
            "start_month": (self.start_month.data or "").strip(),
            "horizon_months": self.horizon_months.number,
            "discount_rate": source or (None if rate is None else round(rate / 100, 12)),
            "monte_carlo_trials": None if trials is None else int(trials),
            "fiscal_year_start": int(fiscal) if fiscal else None,
            # The default is left out of the document, as the canonical form does.
            "discounting": None
            if self.discounting.data in (None, "", "end_of_month")
            else self.discounting.data,
            "inflation_rate": round(inflation / 100, 12) if inflation else None,
        }


class AssumptionForm(EditForm):
    key = StringField(
        "Key",
        description="How lines refer to it: lowercase letters, digits and _, e.g. arpu.",
        validators=[
            DataRequired("Enter a key, e.g. churn_reduction."),
            Length(max=40, message="The key can have at most 40 characters."),
            Regexp(
                KEY.pattern,
                message="The key must start with a lowercase letter and use only "
                "lowercase letters, digits and _.",
            ),
        ],
    )
    label = StringField("Label", validators=[DataRequired("Enter a label."), Length(max=200)])
    value = NumberField(
        "Value", description="A ratio is a decimal: 0.08 or 8% for 8%.", allow_percent=True
    )
    unit = StringField(
        "Unit",
        description="e.g. customers, ratio, GBP/month.",
        validators=[DataRequired("Enter a unit, e.g. ratio or GBP/month."), Length(max=200)],
    )
    low = NumberField(
        "Low", required=False, allow_percent=True, description="Optional: plausible low."
    )
    high = NumberField(
        "High", required=False, allow_percent=True, description="Optional: plausible high."
    )
    source = StringField(
        "Source", description="Where the number comes from.", validators=[Length(max=5000)]
    )
    owner = StringField(
        "Owner department",
        description="Finance-owned assumptions are edited by Finance.",
        validators=[Length(max=200)],
    )
    confidence = SelectField(
        "Confidence",
        default="",
        choices=choices([("", "Not stated")] + [(c, c.capitalize()) for c in CONFIDENCE_LEVELS]),
    )
    notes = narrative_field("Notes")

    def values(self) -> dict[str, Any]:
        return {
            "key": (self.key.data or "").strip(),
            "label": (self.label.data or "").strip(),
            "value": self.value.number,
            "unit": (self.unit.data or "").strip(),
            "low": self.low.number,
            "high": self.high.number,
            "source": optional_text(self.source.data),
            "owner": optional_text(self.owner.data),
            "confidence": self.confidence.data or None,
            "notes": optional_text(self.notes.data),
        }


class LineForm(EditForm):
    """Fields shared by cost and benefit lines; ``set_keys`` feeds the ParamFields.

    The benefits register's fields (``register_<name>``, one per
    :data:`~cxroi.engine.REGISTER_FIELDS`) are on every line form; the engine checks them.
    """

    register_owner_name = StringField(
        "Operational owner", description="Who answers for this line's result (not the author)."
    )
    register_owner_email = StringField("Owner's email")
    register_kpi = StringField("KPI", description="The measure that shows it, e.g. Churn rate.")
    register_kpi_unit = StringField("Unit", description="e.g. %, customers, £.")
    register_data_source = StringField("Data source", description="Where the numbers come from.")
    register_baseline = NumberField("Baseline", required=False, allow_percent=True)
    register_baseline_date = StringField("Baseline date", description="YYYY-MM or YYYY-MM-DD.")
    register_target = NumberField("Target", required=False, allow_percent=True)
    register_target_date = StringField("Target date", description="YYYY-MM or YYYY-MM-DD.")
    register_outcome = narrative_field(
        "Observable outcome", "What people will see when it works.", name="The outcome"
    )
    register_attribution = narrative_field(
        "Attribution",
        "How much of the change this initiative may claim, and why.",
        name="The attribution",
    )

    def register_fields(self) -> list[Field]:
        return [getattr(self, f"register_{name}") for name in REGISTER_FIELDS]

    def register_value(self) -> dict[str, Any] | None:
        """The register entry as the document keeps it (None when every field is blank)."""
        entry: dict[str, Any] = {}
        for name in REGISTER_FIELDS:
            field = getattr(self, f"register_{name}")
            value = field.number if isinstance(field, NumberField) else optional_text(field.data)
            if value is not None:
                entry[name] = value
        return entry or None

    def prefill_register(self, register: Register | None) -> None:
        for name, value in (register.to_dict() if register is not None else {}).items():
            getattr(self, f"register_{name}").process(None, value)

    def set_keys(self, keys: list[str]) -> None:
        for field in self:
            if isinstance(field, ParamField):
                field.keys = keys

    def param_fields(self) -> list[ParamField]:
        return [f for f in self if isinstance(f, ParamField)]


class CostForm(LineForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=200)])
    category = StringField(
        "Category",
        description="e.g. technology, people, operations.",
        validators=[DataRequired("Enter a category, e.g. technology."), Length(max=200)],
    )
    department = StringField("Department", validators=[Length(max=200)])
    recurrence = SelectField(
        "Recurrence",
        choices=choices([("once", "Once"), ("monthly", "Every month"), ("annual", "Every year")]),
    )
    month = NumberField(
        "Month (once)",
        required=False,
        integer=True,
        minimum=0,
        description="For a one-off cost: 0 is up front, 1 the first month.",
    )
    start_month = NumberField(
        "From month", required=False, integer=True, minimum=1, description="Recurring: default 1."
    )
    end_month = NumberField(
        "To month",
        required=False,
        integer=True,
        minimum=1,
        description="Recurring: default the horizon.",
    )
    amount = ParamField("Amount", description="Each time it is charged, in the case currency.")
    escalation = ParamField(
        "Annual escalation", default_value=0.0, description="A ratio (0.03 or 3%); blank for none."
    )
    risk = ParamField(
        "Risk uplift",
        default_value=0.0,
        description="Costs are multiplied by 1 + risk; blank for none.",
    )
    treatment = SelectField(
        "Tax treatment",
        default="opex",
        choices=choices(
            [
                ("opex", "Opex: deducted from taxable profit when paid"),
                ("capex", "Capex: depreciated straight-line over its life"),
            ]
        ),
        description="Used when the case states a tax rate.",
    )
    life_months = NumberField(
        "Depreciation life (months)",
        required=False,
        integer=True,
        minimum=1,
        description="Capex only: months over which it is depreciated.",
    )
    note = line_note_field()

    def values(self) -> dict[str, Any]:
        once = self.recurrence.data == "once"
        capex = self.treatment.data == "capex"
        return {
            "name": (self.name.data or "").strip(),
            "category": (self.category.data or "").strip(),
            "department": optional_text(self.department.data),
            "recurrence": self.recurrence.data,
            "month": (self.month.number or 0) if once else None,
            "start_month": None if once else (self.start_month.number or 1),
            "end_month": None if once else self.end_month.number,
            "params": {
                "amount": self.amount.param,
                "escalation": self.escalation.param,
                "risk": self.risk.param,
            },
            "treatment": "capex" if capex else None,
            "life_months": self.life_months.number if capex else None,
            "note": optional_text(self.note.data),
            "register": self.register_value(),
        }


class CorrelationForm(EditForm):
    """One rank-correlation pair: two ranged assumptions and rho (format field
    ``correlations``; see cxroi.engine.correlation)."""

    a = SelectField("First assumption", validate_choice=True)
    b = SelectField("Second assumption", validate_choice=True)
    rho = NumberField(
        "Rank correlation (rho)",
        minimum=-1.0,
        maximum=1.0,
        description="From -1 to 1: 0.7 means high values of one tend to go with high values"
        " of the other.",
    )

    def set_keys(self, keys: list[tuple[str, str]]) -> None:
        """The assumptions with a range (only they are drawn), as (key, label)."""
        options = list(keys)  # by label: a key is shown only as code
        self.a.choices = choices(options)
        self.b.choices = choices(options)

    def values(self) -> dict[str, Any]:
        return {"a": self.a.data, "b": self.b.data, "rho": self.rho.number}


class DeleteForm(EditForm):
    """A delete button: CSRF and the lock version, nothing else."""


class ImportForm(FlaskForm):
    case_file = FileField("Case file (cxroi-case/2 or /1 JSON)")


class StarterForm(FlaskForm):
    """Start a case from a template: which one (its slug)."""

    starter = HiddenField("Template", validators=[DataRequired("Choose a template.")])


class ArchiveForm(EditForm):
    """Archive (with why) or restore a case: CSRF, the lock version and the reason."""

    reason = TextAreaField(
        "Why archive it",
        description="Kept in the case's history: a duplicate, a test, an idea dropped…",
    )


class CloneForm(FlaskForm):
    """A clone button: CSRF, nothing else."""


class WorkbookUploadForm(FlaskForm):
    workbook = FileField("Edited workbook (.xlsx downloaded from this case)")


class WorkbookApplyForm(FlaskForm):
    """The changes a preview showed, sent back to be applied (checked again on the server)."""

    base_hash = HiddenField("Case hash", validators=[DataRequired(), Length(max=64)])
    changes = HiddenField("Changes", validators=[DataRequired(), Length(max=200_000)])
