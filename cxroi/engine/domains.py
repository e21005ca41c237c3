"""The values a numeric parameter may take, and the words to say so.

>>> RATIO.contains(0.5), RATIO.describe()
(True, 'from 0 to 1')
>>> BENEFIT_RISK.describe()
'from 0 and less than 1'
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def number_text(x: float) -> str:
    """A number as a message writes it (``0.1``, ``1e+06``)."""
    return f"{x:g}"


@dataclass(frozen=True, slots=True)
class Domain:
    """A closed or open interval of allowed values."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def contains(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below

    def describe(self) -> str:
        if self.low == -math.inf and self.high == math.inf:
            return "any number"
        if self.high == math.inf:
            return f"{'greater than' if self.low_open else 'at least'} {number_text(self.low)}"
        if self.low == -math.inf:
            return f"{'less than' if self.high_open else 'at most'} {number_text(self.high)}"
        left = "greater than" if self.low_open else "from"
        right = "and less than" if self.high_open else "to"
        return f"{left} {number_text(self.low)} {right} {number_text(self.high)}"

    def narrowed(self, other: Domain) -> Domain:
        """The intersection of two domains."""
        low, low_open = self.low, self.low_open
        if other.low > low or (other.low == low and other.low_open):
            low, low_open = other.low, other.low_open
        high, high_open = self.high, self.high_open
        if other.high < high or (other.high == high and other.high_open):
            high, high_open = other.high, other.high_open
        return Domain(low, high, low_open, high_open)


ANY = Domain(-math.inf, math.inf)
NON_NEGATIVE = Domain(0.0, math.inf)
RATIO = Domain(0.0, 1.0)
#: An annual rate (escalation, growth, the discount rate): above -100 % and at most
#: 1,000 % a year. Beyond that no CX case is meant, and compounding over ten years gives
#: figures of a hundred digits that are finite yet meaningless.
MAX_ANNUAL_RATE = 10.0
RATE = Domain(-1.0, MAX_ANNUAL_RATE, low_open=True)
BENEFIT_RISK = Domain(0.0, 1.0, high_open=True)
