"""How numbers look on a page: Jinja filters, so templates never do arithmetic.

Money has thousands separators and the case's currency, negatives a real minus
sign; percentages and months one decimal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

MINUS = "\u2212"
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def money(value: float | None, currency: str = "", decimals: int = 0) -> str:
    """``£1,234`` / ``−£1,234`` (or ``CHF 1,234`` for a currency without a symbol)."""
    if value is None:
        return "n/a"
    amount = f"{abs(value):,.{decimals}f}"
    if amount.strip("0,.") == "":  # -0.4 rounds to 0: no minus sign on a zero
        value = 0.0
    symbol = SYMBOLS.get(currency)
    body = f"{symbol}{amount}" if symbol else f"{currency} {amount}".strip()
    return f"{MINUS}{body}" if value < 0 else body


def number(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return ""
    text = f"{abs(value):,.{decimals}f}"
    return f"{MINUS}{text}" if value < 0 and text.strip("0,.") else text


def figure(value: float | None) -> str:
    """An input as entered, readable: ``64,000``, ``0.18``, ``4.8``."""
    if value is None:
        return ""
    text = f"{abs(value):,.10g}"
    return f"{MINUS}{text}" if value < 0 else text


def approx(value: float | None, digits: int = 4) -> str:
    """Four significant figures, for derived values such as break-even points."""
    if value is None:
        return ""
    text = f"{float(f'{abs(value):.{digits}g}'):,.10g}"
    return f"{MINUS}{text}" if value < 0 else text


def plain(value: float | None) -> str:
    """A number as typed back into a form: no separators, no trailing zeros."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def pct(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "n/a"
    text = f"{abs(value) * 100:.{decimals}f}%"
    return f"{MINUS}{text}" if value < 0 and text.strip("0.%") else text


def months(value: float | None) -> str:
    if value is None:
        return "not within the horizon"
    return f"{value:.1f} months"


def ratio(value: float | None) -> str:
    if value is None:
        return "n/a"
    text = f"{abs(value):.2f}"
    return f"{MINUS}{text}" if value < 0 and text != "0.00" else text


def signed_class(value: float | None) -> str:
    """The CSS class for a figure: negatives are muted red."""
    return "num neg" if value is not None and value < 0 else "num"


def money_cell(value: float | None, currency: str = "") -> Markup:
    return Markup('<span class="{}">{}</span>').format(
        signed_class(value), escape(money(value, currency))
    )


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%d %b %Y %H:%M")


def register(app: Flask) -> None:
    filters: dict[str, Any] = {
        "money": money,
        "number": number,
        "plain": plain,
        "figure": figure,
        "approx": approx,
        "pct": pct,
        "months": months,
        "ratio": ratio,
        "signed_class": signed_class,
        "money_cell": money_cell,
        "when": when,
    }
    app.jinja_env.filters.update(filters)
