"""Forms whose fields depend on data: a benefit's parameters depend on its kind; a
scenario has one override box per assumption of the case."""

from __future__ import annotations

from functools import cache
from typing import Any

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from cxroi.cases.fields import NumberField, ParamField
from cxroi.cases.forms import EditForm, LineForm
from cxroi.engine import BENEFIT_PARAMETERS
from models import AssumptionRow

BENEFIT_KINDS = {
    "churn": ("Customers kept", "Fewer customers leave; each one kept keeps paying."),
    "revenue_uplift": ("Revenue uplift", "A share more revenue from an existing base."),
    "cost_savings": ("Cost savings", "Fewer contacts, visits or refunds, at a unit cost."),
    "custom": ("Other benefit", "A monthly amount you estimate directly."),
}

#: Label and hint of each benefit parameter.
PARAMETER_TEXT: dict[str, tuple[str, str]] = {
    "customers": ("Customers at start", "How many customers the initiative touches."),
    "annual_churn": ("Baseline annual churn", "Ratio a year without the initiative, e.g. 0.18."),
    "reduction": ("Reduction", "Relative reduction as a ratio, e.g. 0.06 or 6%."),
    "arpu": ("Revenue per customer per month", "In the case currency."),
    "margin": ("Contribution margin", "Ratio of revenue kept as profit, e.g. 0.45."),
    "gross_adds": ("New customers per month", "Blank for none."),
    "base_revenue": ("Base revenue per month", "In the case currency."),
    "uplift": ("Uplift", "Ratio, e.g. 0.02 for 2% more."),
    "growth": ("Annual growth of the base", "Ratio; blank for none."),
    "volume": ("Volume per month", "Contacts, visits, refunds... per month."),
    "unit_cost": ("Cost per unit", "In the case currency."),
    "escalation": ("Annual escalation", "Ratio; blank for none."),
    "amount": ("Benefit per month", "In the case currency."),
}


class BenefitBase(LineForm):
    kind: str = "custom"
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=200)])
    ramp_start = NumberField(
        "Ramp starts in month",
        required=False,
        integer=True,
        minimum=1,
        description="Blank for month 1.",
    )
    ramp_months = NumberField(
        "Months to full effect",
        required=False,
        integer=True,
        minimum=0,
        description="Blank or 0 for full effect at once.",
    )
    risk = ParamField(
        "Risk adjustment",
        default_value=0.0,
        description="Benefits are multiplied by 1 − risk (0 to below 1); blank for none.",
    )

    def parameter_names(self) -> list[str]:
        required, optional = BENEFIT_PARAMETERS[self.kind]
        return [*required, *optional]

    def values(self) -> dict[str, Any]:
        params = {name: getattr(self, name).param for name in self.parameter_names()}
        params["risk"] = self.risk.param
        return {
            "name": (self.name.data or "").strip(),
            "kind": self.kind,
            "ramp_start": self.ramp_start.number or 1,
            "ramp_months": self.ramp_months.number or 0,
            "params": params,
        }


@cache
def benefit_form_class(kind: str) -> type[BenefitBase]:
    """The form for one benefit kind (``KeyError`` for an unknown kind)."""
    required, optional = BENEFIT_PARAMETERS[kind]
    attrs: dict[str, Any] = {"kind": kind}
    for name in required:
        label, hint = PARAMETER_TEXT[name]
        attrs[name] = ParamField(label, description=hint)
    for name, default in optional.items():
        label, hint = PARAMETER_TEXT[name]
        attrs[name] = ParamField(label, description=hint, default_value=default)
    return type(f"{kind.title().replace('_', '')}BenefitForm", (BenefitBase,), attrs)


class ScenarioBase(EditForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=200)])
    override_keys: tuple[str, ...] = ()

    def override_fields(self) -> list[tuple[str, NumberField]]:
        return [(key, getattr(self, f"ov_{key}")) for key in self.override_keys]

    def values(self) -> dict[str, Any]:
        overrides = {
            key: field.number for key, field in self.override_fields() if field.number is not None
        }
        return {"name": (self.name.data or "").strip(), "overrides": overrides}

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.values()["overrides"]:
            self.name.errors = [
                *self.name.errors,
                "Give at least one assumption a different value; a scenario without "
                "overrides is the base case.",
            ]
            return False
        return ok


def scenario_form_class(assumptions: list[AssumptionRow]) -> type[ScenarioBase]:
    attrs: dict[str, Any] = {"override_keys": tuple(a.key for a in assumptions)}
    for a in assumptions:
        attrs[f"ov_{a.key}"] = NumberField(
            f"{a.label} ({a.key})",
            required=False,
            allow_percent=True,
            description=f"Base value {a.value:g} {a.unit}. Blank keeps it.",
        )
    return type("ScenarioForm", (ScenarioBase,), attrs)
