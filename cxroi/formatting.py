"""How numbers look on a page: Jinja filters, so templates never do arithmetic.

Money has thousands separators and the case's currency, negatives a real minus
sign; percentages and months one decimal. The one money format of the app: the
engine's sentences (``short_money``) use it too, so this module loads no Flask.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

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


def short_money(value: float, currency: str) -> str:
    """A figure for a sentence: ``−£42k``, ``£1.3m``, ``£870``.

    >>> short_money(-42_400, "GBP"), short_money(1_260_000, "GBP"), short_money(870, "EUR")
    ('−£42k', '£1.3m', '€870')
    >>> short_money(-0.2, "GBP"), short_money(5_000, "CHF")
    ('£0', 'CHF 5k')
    """
    size = abs(value)
    if size >= 1e6:
        body = f"{size / 1e6:.1f}m"
    elif size >= 1e3:
        body = f"{size / 1e3:.0f}k"
    else:
        body = f"{size:.0f}"
    symbol = SYMBOLS.get(currency)
    text = f"{symbol}{body}" if symbol else f"{currency} {body}".strip()
    return f"{MINUS}{text}" if value < 0 and body.strip("0.km") else text


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


def with_unit(value: float | None, unit: str = "", currency: str = "") -> str:
    """A value as its unit says people write it: the one rule for an assumption's value.

    ``ratio`` is a percentage (``18.0%``), ``ratio/year`` a percentage per year,
    ``GBP/call`` money per call; anything else the figure and its unit.

    >>> with_unit(0.18, "ratio")
    '18.0%'
    >>> with_unit(0.02, "ratio/year")
    '2.0% a year'
    >>> with_unit(4.8, "GBP/call")
    '£4.80 per call'
    >>> with_unit(64000, "GBP/month", "GBP")
    '£64,000 per month'
    >>> with_unit(12500, "calls/month")
    '12,500 calls per month'
    >>> with_unit(4.8, "money", "EUR"), with_unit(1250, "money", "EUR")
    ('€4.80', '€1,250')
    """
    if value is None:
        return "n/a"
    unit = (unit or "").strip()
    head, _, per = unit.partition("/")
    per_text = f" per {per}" if per and per != "year" else (" a year" if per else "")
    if head in ("ratio", "rate", "%", "percent"):
        return f"{pct(value)}{per_text}"
    decimals = 0 if float(value).is_integer() or abs(value) >= 100 else 2
    if head.upper() in SYMBOLS or (len(head) == 3 and head.isupper()):
        return f"{money(value, head.upper(), decimals)}{per_text}"
    if head == "money":
        return f"{money(value, currency, decimals)}{per_text}"
    body = approx(value, 6)
    return f"{body} {head}{per_text}".strip() if head else body


def signed_class(value: float | None) -> str:
    """The CSS class for a figure: negatives are muted red."""
    return "num neg" if value is not None and value < 0 else "num"


def money_cell(value: float | None, currency: str = "") -> Markup:
    return Markup('<span class="{}">{}</span>').format(
        signed_class(value), escape(money(value, currency))
    )


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%d %b %Y %H:%M")


def day(value: date | None) -> str:
    """A date as people write it: ``01 Nov 2026``."""
    return "" if value is None else value.strftime("%d %b %Y")


def fx_rate(rate: float | None, currency: str, reporting: str) -> str:
    """An exchange rate as money: one unit of ``currency`` in ``reporting``, four decimals.

    >>> fx_rate(0.86, "EUR", "GBP")
    '1 EUR = £0.8600'
    >>> fx_rate(151.2, "JPY", "CHF")
    '1 JPY = CHF 151.2000'
    """
    return f"1 {currency} = {money(rate, reporting, 4)}"


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
        "with_unit": with_unit,
        "signed_class": signed_class,
        "money_cell": money_cell,
        "when": when,
        "day": day,
        "fx_rate": fx_rate,
    }
    app.jinja_env.filters.update(filters)
    from cxroi import labels  # labels formats values through this module

    labels.register(app)
