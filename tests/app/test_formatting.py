"""How numbers look: currency, thousands, a real minus sign, one decimal."""

from __future__ import annotations

from cxroi.formatting import approx, figure, money, months, pct, ratio


def test_money_has_symbol_thousands_and_a_minus_sign():
    assert money(1234567.4, "GBP") == "£1,234,567"
    assert money(-1234.5, "EUR") == "\u2212€1,234"  # round half to even, like the engine's CLI
    assert money(-0.4, "GBP") == "£0"
    assert money(2500, "CHF") == "CHF 2,500"
    assert money(None, "GBP") == "n/a"


def test_percentages_and_months_have_one_decimal():
    assert pct(0.12345) == "12.3%"
    assert pct(-0.639) == "\u221263.9%"
    assert pct(None) == "n/a"
    assert months(16) == "16.0 months"
    assert months(None) == "not within the horizon"


def test_ratios_figures_and_approximations():
    assert ratio(-0.644) == "\u22120.64"
    assert figure(64000) == "64,000" and figure(0.18) == "0.18" and figure(-3) == "\u22123"
    assert approx(8736.957798) == "8,737" and approx(0.08047197972) == "0.08047"
