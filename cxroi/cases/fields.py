"""Form fields for numbers as people type them.

``NumberField`` accepts ``1,250.50``, ``-3`` or ``8%`` (= 0.08 where percentages are
allowed) and keeps exactly what was typed when it is wrong. ``ParamField`` accepts a
number or the key of one of the case's assumptions.
"""

from __future__ import annotations

import math
import re
from typing import Any

from wtforms import StringField
from wtforms.validators import StopValidation

_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_number(text: str, *, allow_percent: bool = False) -> float:
    """The number in ``text``; ValueError with a message when there is none."""
    raw = text.strip().replace("\u2212", "-").replace(" ", "").replace("\u00a0", "")
    percent = allow_percent and raw.endswith("%")
    if percent:
        raw = raw[:-1]
    if not raw or not _NUMBER.match(raw) or raw in {"+", "-", "."}:
        raise ValueError(f'"{text.strip()}" is not a number')
    value = float(raw.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError(f'"{text.strip()}" is not a number')
    return value / 100 if percent else value


class NumberField(StringField):
    """A number in a text box (``inputmode=decimal``); ``.number`` holds the value."""

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        required: bool = True,
        allow_percent: bool = False,
        integer: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.allow_percent = allow_percent
        self.integer = integer
        self.minimum, self.maximum = minimum, maximum
        self.number: float | None = None

    def process_data(self, value: Any) -> None:
        if isinstance(value, float | int) and not isinstance(value, bool):
            from cxroi.formatting import plain

            value = plain(value)
        super().process_data(value)

    def pre_validate(self, form: Any) -> None:
        self.number = None
        text = (self.data or "").strip()
        name = str(self.label.text).split(" (")[0]
        if not text:
            if self.required:
                raise StopValidation(f"Enter {name[:1].lower() + name[1:]}.")
            return
        try:
            value = parse_number(text, allow_percent=self.allow_percent)
        except ValueError:
            raise StopValidation(
                f'{name} must be a number, like 1,250 or 0.08 (not "{text}").'
            ) from None
        if self.integer and not value.is_integer():
            raise StopValidation(f"{name} must be a whole number, not {text}.")
        if self.minimum is not None and value < self.minimum:
            raise StopValidation(f"{name} must be at least {self.minimum:g}, not {text}.")
        if self.maximum is not None and value > self.maximum:
            raise StopValidation(f"{name} must be at most {self.maximum:g}, not {text}.")
        self.number = int(value) if self.integer else value


class ParamField(StringField):
    """A number, or the key of an assumption of the case (``.param`` holds either)."""

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        default_value: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.default_value = default_value
        self.param: float | str | None = None
        self.keys: list[str] = []

    def process_data(self, value: Any) -> None:
        if isinstance(value, float | int) and not isinstance(value, bool):
            from cxroi.formatting import plain

            value = plain(value)
        super().process_data(value)

    def pre_validate(self, form: Any) -> None:
        self.param = None
        text = (self.data or "").strip()
        name = str(self.label.text).split(" (")[0]
        if not text:
            if self.default_value is None:
                raise StopValidation(
                    f"Enter {name[:1].lower() + name[1:]}: a number or an assumption."
                )
            self.param = self.default_value
            return
        try:
            self.param = parse_number(text, allow_percent=True)
            return
        except ValueError:
            pass
        if KEY.match(text) and text in self.keys:
            self.param = text
            return
        known = ", ".join(self.keys) if self.keys else "none yet"
        raise StopValidation(
            f'{name}: "{text}" is neither a number nor an assumption of this case '
            f"(assumptions: {known})."
        )


def choices(pairs: list[tuple[str, str]]) -> list[Any]:
    """Select options as WTForms ≥ 3.3 wants them (``SelectChoice``), tuples before."""
    try:
        from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # pragma: no cover - wtforms < 3.3
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]
