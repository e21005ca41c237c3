"""A hand calculator for the engine's tests: plain Python, written from the conventions
in docs/case-format.md and nothing of cxroi, so an engine figure is checked against an
independent one.

- ``monthly(annual)``: the monthly rate (1 + annual)^(1/12) − 1;
- ``factors``: month t's discount factor under each convention (``end_of_month``
  1/(1+m)^t, ``mid_month`` 1/(1+m)^(t−½) with month 0 undiscounted, ``actual_365``
  1/(1+annual)^(days/365) from month 0's date);
- ``npv``: the sum of flows times those factors; ``xnpv``: Excel's XNPV;
- ``bisect``: a root by bisection (for IRRs and break-evens).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence


def monthly(annual: float) -> float:
    return (1 + annual) ** (1 / 12) - 1


def calendar_dates(start: str, horizon: int) -> list[dt.date]:
    """Month 0 on the 1st of the start month; month t on the 1st of the month after it."""
    year, month = int(start[:4]), int(start[5:7])
    out = []
    for t in range(horizon + 1):
        index = year * 12 + month - 1 + t
        out.append(dt.date(index // 12, index % 12 + 1, 1))
    return out


def factors(
    annual: float, horizon: int, discounting: str = "end_of_month", start: str = "2027-01"
) -> list[float]:
    m = monthly(annual)
    if discounting == "end_of_month":
        return [(1 + m) ** -t for t in range(horizon + 1)]
    if discounting == "mid_month":
        return [1.0] + [(1 + m) ** -(t - 0.5) for t in range(1, horizon + 1)]
    if discounting == "actual_365":
        dates = calendar_dates(start, horizon)
        return [(1 + annual) ** -((d - dates[0]).days / 365) for d in dates]
    raise ValueError(f"no convention {discounting!r}")


def npv(
    net: Sequence[float], annual: float, discounting: str = "end_of_month", start: str = "2027-01"
) -> float:
    """Net flows of months 0..H discounted at ``annual`` under ``discounting``."""
    weights = factors(annual, len(net) - 1, discounting, start)
    return sum(x * f for x, f in zip(net, weights, strict=True))


def xnpv(rate: float, flows: Sequence[float], dates: Sequence[dt.date]) -> float:
    """Excel's XNPV: each flow discounted by (1 + rate)^(days since the first / 365)."""
    return sum(
        v / (1 + rate) ** ((d - dates[0]).days / 365) for v, d in zip(flows, dates, strict=True)
    )


def bisect(f: Callable[[float], float], low: float, high: float) -> float:
    """A root of ``f`` between ``low`` and ``high``, where f changes sign."""
    f_low = f(low)
    assert (f_low > 0) != (f(high) > 0), "no sign change"
    for _ in range(300):
        mid = (low + high) / 2
        if (f(mid) > 0) == (f_low > 0):
            low, f_low = mid, f(mid)
        else:
            high = mid
    return (low + high) / 2
