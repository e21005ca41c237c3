"""A frozen copy of the Monte Carlo as it was before issue 11 (the test oracle only).

A straight copy of ``cxroi/engine/analysis.py``'s ``monte_carlo`` with what it priced
through: ``pricing.price``/``benefit_series``, ``drivers.resolver``/``cost_series``/
``cohort``/``churn_customers_kept`` and the kinds' series functions (the registry lookup
``KINDS[kind].series`` is replaced by :data:`SERIES`, the copied functions). It is never
used by the app: ``test_monte_carlo_equivalence.py`` checks that the restructured
Monte Carlo gives the same statistics for the same seed. Do not "fix" or speed up
this file; it is the record of the old behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from cxroi.engine.casefile import BenefitLine, CaseFile, CostLine, Param
from cxroi.engine.kinds import Ramp
from cxroi.engine.result import MonteCarlo
from cxroi.engine.timeline import FloatArray, Timeline, Value

HISTOGRAM_BINS = 30
CHUNK_CELLS = 600_000

Resolve = Callable[[Param], Value]


def resolver(values: Mapping[str, Value]) -> Resolve:
    def resolve(param: Param) -> Value:
        return values[param] if isinstance(param, str) else float(param)

    return resolve


def cost_series(line: CostLine, tl: Timeline, resolve: Resolve) -> FloatArray:
    if line.recurrence == "once":
        first, last, every = line.month, line.month, 1
    else:
        first = line.start_month
        last = line.end_month if line.end_month is not None else tl.horizon
        every = 12 if line.recurrence == "annual" else 1
    escalation = resolve(line.escalation)
    if np.ndim(escalation) == 0:
        factor = tl.profile(first, last, every, float(escalation))
    else:
        factor = tl.mask(first, last, every) * tl.step_up(escalation)
    return np.atleast_2d(resolve(line.amount) * factor)


def cohort(start: Value, retention: FloatArray, adds: Value) -> FloatArray:
    retention = retention.copy()
    retention[:, 0] = 1.0
    survival = np.cumprod(retention, axis=1)
    monthly = np.ndim(adds) == 2 and np.shape(adds)[1] == retention.shape[1] > 1
    if survival.min() > 1e-200:
        inverse = 1.0 / survival
        inverse[:, 0] = 0.0
        added = np.cumsum(adds * inverse, axis=1) if monthly else adds * np.cumsum(inverse, axis=1)
        return np.asarray(survival * (start + added), dtype=np.float64)
    out = np.empty_like(retention)
    out[:, 0] = start if np.ndim(start) == 0 else np.ravel(start)
    for t in range(1, retention.shape[1]):
        add_t = np.asarray(adds)[:, t] if monthly else np.ravel(adds)
        out[:, t] = out[:, t - 1] * retention[:, t] + add_t
    return out


def churn_customers_kept(
    tl: Timeline,
    customers: Value,
    annual_churn: Value,
    reduction: Value,
    gross_adds: Value,
    ramp: FloatArray,
) -> FloatArray:
    monthly_churn = 1.0 - (1.0 - np.asarray(annual_churn, dtype=np.float64)) ** (1.0 / 12.0)
    shape = np.broadcast_shapes(
        np.shape(monthly_churn),
        np.shape(reduction),
        np.shape(customers),
        np.shape(gross_adds),
        (1, tl.horizon + 1),
    )
    base = np.broadcast_to(1.0 - monthly_churn, shape)
    with_cx = np.broadcast_to(1.0 - monthly_churn * (1.0 - ramp * reduction), shape)
    rows = shape[0]
    start = np.broadcast_to(customers, (rows, 1)) if np.ndim(customers) else customers
    adds = np.broadcast_to(gross_adds, (rows, 1)) if np.ndim(gross_adds) else gross_adds
    return cohort(start, with_cx, adds) - cohort(start, base, adds)


Series = Callable[[Mapping[str, Value], Timeline, Ramp], FloatArray]


def _churn_series(p: Mapping[str, Value], tl: Timeline, ramp: Ramp) -> FloatArray:
    kept = churn_customers_kept(
        tl, p["customers"], p["annual_churn"], p["reduction"], p["gross_adds"], ramp.of(tl)
    )
    return np.asarray(kept * p["arpu"] * p["margin"], dtype=np.float64)


def _linear(factors: tuple[str, ...], rate: str) -> Series:
    def series(p: Mapping[str, Value], tl: Timeline, ramp: Ramp) -> FloatArray:
        scale: Value = 1.0
        for name in factors:
            scale = scale * p[name]
        return np.asarray(scale * ramp.times_step_up(tl, p[rate]), dtype=np.float64)

    return series


def _referrals_series(p: Mapping[str, Value], tl: Timeline, ramp: Ramp) -> FloatArray:
    monthly_churn = 1.0 - (1.0 - np.asarray(p["annual_churn"], dtype=np.float64)) ** (1.0 / 12.0)
    won = np.atleast_2d(p["customers"] * p["referral_uplift"] * ramp.of(tl))
    shape = np.broadcast_shapes(won.shape, np.shape(monthly_churn), (1, tl.horizon + 1))
    retention = np.broadcast_to(1.0 - monthly_churn, shape)
    referred = cohort(0.0, retention, np.broadcast_to(won, shape))
    return np.asarray(referred * p["arpu"] * p["margin"], dtype=np.float64)


SERIES: dict[str, Series] = {
    "churn": _churn_series,
    "revenue_uplift": _linear(("base_revenue", "uplift", "margin"), "growth"),
    "cost_savings": _linear(("volume", "reduction", "unit_cost"), "escalation"),
    "custom": _linear(("amount",), "escalation"),
    "referrals": _referrals_series,
}


def values_for(case: CaseFile, overrides: Mapping[str, Value] | None = None) -> dict[str, Value]:
    values: dict[str, Value] = dict(case.assumption_values)
    values.update(overrides or {})
    return values


def benefit_series(line: BenefitLine, tl: Timeline, resolve: Resolve) -> FloatArray:
    values = {name: resolve(param) for name, param in line.params.items()}
    series = SERIES[line.kind](values, tl, Ramp(line.ramp_start, line.ramp_months))
    return np.atleast_2d(series)


def price(
    case: CaseFile, tl: Timeline, values: Mapping[str, Value], rows: int = 1
) -> tuple[FloatArray, FloatArray]:
    """Adjusted (costs, benefits) of a batch (the copy drops the detail and unadjusted parts)."""
    resolve = resolver(values)
    shape = (rows, tl.horizon + 1)
    adjusted = {"cost": np.zeros(shape), "benefit": np.zeros(shape)}
    priced_lines: list[tuple[str, CostLine | BenefitLine, FloatArray, float]] = [
        ("cost", c, cost_series(c, tl, resolve), 1.0) for c in case.costs
    ]
    priced_lines += [("benefit", b, benefit_series(b, tl, resolve), -1.0) for b in case.benefits]
    for side, line, raw, direction in priced_lines:
        factor = 1.0 + direction * np.asarray(resolve(line.risk), dtype=np.float64)
        adjusted[side] += raw * factor
    return adjusted["cost"], adjusted["benefit"]


def _histogram_range(values: FloatArray) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    centre = (low + high) / 2.0
    half = max(0.5, 1e-6 * abs(centre))
    if high - low < 2.0 * half:
        return centre - half, centre + half
    return low, high


def sample_assumptions(case: CaseFile, trials: int, seed: int) -> dict[str, FloatArray]:
    rng = np.random.default_rng(seed)
    samples: dict[str, FloatArray] = {}
    for a in sorted(case.assumptions, key=lambda a: a.key):
        if a.low is None or a.high is None:
            continue
        if a.high > a.low:
            samples[a.key] = rng.triangular(a.low, a.value, a.high, size=trials)
        else:
            samples[a.key] = np.full(trials, a.value)
    return samples


def npvs_and_paid_back(
    case: CaseFile, tl: Timeline, trials: int, samples: Mapping[str, FloatArray]
) -> tuple[FloatArray, np.ndarray]:
    """Every trial's NPV and payback flag, as the old Monte Carlo computed them."""
    chunk = max(256, CHUNK_CELLS // (tl.horizon + 1))
    npvs = np.empty(trials)
    paid_back = np.empty(trials, dtype=bool)
    for start in range(0, trials, chunk):
        stop = min(start + chunk, trials)
        columns: Mapping[str, Value] = {k: v[start:stop, None] for k, v in samples.items()}
        costs, benefits = price(case, tl, values_for(case, columns), rows=stop - start)
        net = benefits - costs
        npvs[start:stop] = net @ tl.discount_factor
        paid_back[start:stop] = net.sum(axis=1) >= 0.0
    return npvs, paid_back


def monte_carlo(case: CaseFile, tl: Timeline, *, trials: int, seed: int) -> MonteCarlo | None:
    samples = sample_assumptions(case, trials, seed)
    if not samples:
        return None
    npvs, paid_back = npvs_and_paid_back(case, tl, trials, samples)
    counts, edges = np.histogram(npvs, bins=HISTOGRAM_BINS, range=_histogram_range(npvs))
    p10, p50, p90 = np.percentile(npvs, [10, 50, 90])
    return MonteCarlo(
        trials=trials,
        seed=seed,
        sampled=tuple(samples),
        mean=float(npvs.mean()),
        std=float(npvs.std()),
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        prob_npv_positive=float(np.mean(npvs > 0.0)),
        prob_payback_within_horizon=float(np.mean(paid_back)),
        histogram_edges=tuple(float(e) for e in edges),
        histogram_counts=tuple(int(c) for c in counts),
    )
