"""Forms whose fields depend on data: a benefit's parameters depend on its kind; a
scenario has one override box per assumption of the case."""

from __future__ import annotations

from functools import cache
from typing import Any

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from cxroi.cases.fields import NumberField, ParamField, choices
from cxroi.cases.forms import EditForm, LineForm, line_note_field, optional_text
from cxroi.engine import KINDS, Assumption
from cxroi.engine.kinds import BENEFIT_RISK_PARAMETER
from cxroi.formatting import with_unit


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
        BENEFIT_RISK_PARAMETER.label,
        default_value=BENEFIT_RISK_PARAMETER.default,
        description=BENEFIT_RISK_PARAMETER.hint,
    )
    note = line_note_field()

    def parameter_names(self) -> list[str]:
        return list(KINDS[self.kind].names)

    def choice_names(self) -> list[str]:
        return [c.name for c in KINDS[self.kind].choices]

    def values(self) -> dict[str, Any]:
        params = {name: getattr(self, name).param for name in self.parameter_names()}
        params["risk"] = self.risk.param
        for name in self.choice_names():
            params[name] = getattr(self, name).data
        return {
            "name": (self.name.data or "").strip(),
            "kind": self.kind,
            "ramp_start": self.ramp_start.number or 1,
            "ramp_months": self.ramp_months.number or 0,
            "params": params,
            "note": optional_text(self.note.data),
            "register": self.register_value(),
        }


@cache
def benefit_form_class(kind: str) -> type[BenefitBase]:
    """The form for one benefit kind, made from its definition (``KeyError`` if unknown)."""
    attrs: dict[str, Any] = {"kind": kind}
    for p in KINDS[kind].parameters:
        attrs[p.name] = ParamField(p.label, description=p.hint, default_value=p.default)
    for c in KINDS[kind].choices:
        attrs[c.name] = SelectField(
            c.label,
            default=c.default,
            choices=choices(list(c.options)),
            description=c.hint,
        )
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


def scenario_form_class(assumptions: list[Assumption]) -> type[ScenarioBase]:
    attrs: dict[str, Any] = {"override_keys": tuple(a.key for a in assumptions)}
    for a in assumptions:
        attrs[f"ov_{a.key}"] = NumberField(
            a.label,
            required=False,
            allow_percent=True,
            description=f"Base value {with_unit(a.value, a.unit)}. Blank keeps it.",
        )
    return type("ScenarioForm", (ScenarioBase,), attrs)
