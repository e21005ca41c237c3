"""What the realisation modules share: one line's actuals in one month, the calendar of
case months, and the case's lines in plan order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..casefile import BenefitLine, CaseFile, CostLine


@dataclass(frozen=True)
class LineActual:
    """What happened on one line in one month (None: not reported)."""

    cost: float | None
    benefit: float | None
    drivers: Mapping[str, float]


def month_label(start_month: str, index: int) -> str:
    """``YYYY-MM`` of case month ``index``: month 1 is ``start_month``, month 0 (up-front)
    the month before it. The one calendar of case months (actuals are entered by it).

    >>> month_label("2026-11", 0), month_label("2026-11", 1), month_label("2026-11", 3)
    ('2026-10', '2026-11', '2027-01')
    """
    year, month = (int(p) for p in start_month.split("-")[:2])
    total = year * 12 + (month - 1) + index - 1
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def month_index(start_month: str, label: str) -> int:
    """The inverse of :func:`month_label` (may be negative or past the horizon).

    >>> month_index("2026-11", "2026-10"), month_index("2026-11", "2027-01")
    (0, 3)
    """
    y0, m0 = (int(p) for p in start_month.split("-")[:2])
    y, m = (int(p) for p in label.split("-")[:2])
    return (y * 12 + m - 1) - (y0 * 12 + m0 - 1) + 1


def case_lines(case: CaseFile) -> list[CostLine | BenefitLine]:
    return [*case.costs, *case.benefits]


def last_month(actuals: Mapping[str, Mapping[int, LineActual]]) -> int:
    last = -1
    for months in actuals.values():
        for t, a in months.items():
            if a.cost is not None or a.benefit is not None or a.drivers:
                last = max(last, t)
    return last
