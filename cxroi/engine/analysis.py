"""Analyses around the base case: scenarios, tornado, break-even, Monte Carlo, years."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.optimize import brentq

from .casefile import Assumption, CaseFile
from .domains import Domain
from .loader import CaseValidationError
from .pricing import Priced, cashflow_of, metrics_of, npv_rows, price, values_for
from .result import (
    AnnualRow,
    BreakEven,
    CashFlow,
    MonteCarlo,
    Result,
    ScenarioResult,
    TornadoRow,
)
from .rules import PARAMETER_DOMAINS, Issue
from .timeline import FloatArray, Timeline, Value

DEFAULT_TRIALS = 10_000
DEFAULT_SEED = 20_270_101
HISTOGRAM_BINS = 30
#: Trials priced at once; bounds memory to a few arrays of CHUNK_CELLS floats.
CHUNK_CELLS = 600_000


def analyse(
    case: CaseFile,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
) -> Result:
    """Price the case and run every analysis: the engine's whole answer.

    ``trials=0`` skips Monte Carlo. A valid case whose numbers are too large to compute
    (amounts that overflow, a discount rate near -100 % over many months) raises
    :class:`CaseValidationError` naming where, never a result with infinities in it.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _analyse(case, trials, seed)


def simulate(
    case: CaseFile, *, trials: int = DEFAULT_TRIALS, seed: int = DEFAULT_SEED
) -> MonteCarlo | None:
    """Monte Carlo alone: exactly ``analyse(case, trials=trials, seed=seed).monte_carlo``.

    The app prices a case without Monte Carlo (``trials=0``) when it is saved and runs
    this as a job; the statistics are the same numbers either way.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        tl = Timeline.of(case.horizon_months, case.discount_rate)
        return monte_carlo(case, tl, trials=trials, seed=seed)


def _too_large(path: str, what: str) -> CaseValidationError:
    return CaseValidationError(
        [Issue(path, f"{what} too large to compute; check the size of the numbers")]
    )


def _check_base(case: CaseFile, base: Priced, tl: Timeline) -> None:
    """Every month of every line, and their discounted sum, is a finite number."""
    paths = [f"costs[{i}]" for i in range(len(case.costs))]
    paths += [f"benefits[{i}]" for i in range(len(case.benefits))]
    for path, line in zip(paths, base.lines, strict=True):
        if not np.all(np.isfinite(line.adjusted)):
            raise _too_large(path, "this line gives monthly amounts")
    if not np.all(np.isfinite(tl.discount_factor)):
        raise _too_large("discount_rate", "over this horizon, this rate makes discount factors")
    net = base.benefits - base.costs
    if not np.isfinite(float(net[0] @ tl.discount_factor)):
        raise _too_large("", "the discounted cash flows are")


def _analyse(case: CaseFile, trials: int, seed: int) -> Result:
    tl = Timeline.of(case.horizon_months, case.discount_rate)
    base = price(case, tl, values_for(case), detail=True)
    _check_base(case, base, tl)
    cashflow = cashflow_of(base.costs[0], base.benefits[0], tl)
    cases_scenarios = scenarios(case, tl)
    for i, s in enumerate(cases_scenarios):
        if not math.isfinite(s.metrics.npv):
            raise _too_large(f"scenarios[{i}]", "with these overrides the amounts are")
    rows = tornado(case, tl)
    keys = [a.key for a in case.assumptions]
    for row in rows:
        for bound, npv_at in (("low", row.npv_low), ("high", row.npv_high)):
            if not math.isfinite(npv_at):
                where = f"assumptions[{keys.index(row.key)}].{bound}"
                raise _too_large(where, f"at its {bound} value the amounts are")
    return Result(
        metrics=metrics_of(base.costs[0], base.benefits[0], tl),
        unadjusted=metrics_of(base.costs_unadjusted[0], base.benefits_unadjusted[0], tl),
        cashflow=cashflow,
        cashflow_unadjusted=cashflow_of(base.costs_unadjusted[0], base.benefits_unadjusted[0], tl),
        lines=base.lines,
        annual=annual(cashflow, tl),
        scenarios=cases_scenarios,
        tornado=rows,
        break_even=break_even(case, tl),
        monte_carlo=monte_carlo(case, tl, trials=trials, seed=seed) if trials > 0 else None,
        monthly_rate=tl.monthly_rate,
    )


def annual(cashflow: CashFlow, tl: Timeline) -> tuple[AnnualRow, ...]:
    """Roll the months up into years: year 0 is month 0, then 12-month years."""
    starts = tl.year_starts()
    sums = {
        name: np.add.reduceat(getattr(cashflow, name), starts)
        for name in ("costs", "benefits", "net", "discounted")
    }
    ends = np.append(starts[1:] - 1, tl.horizon)
    cumulative = np.cumsum(sums["net"])
    cumulative_discounted = np.cumsum(sums["discounted"])
    return tuple(
        AnnualRow(
            year=year,
            first_month=int(starts[year]),
            last_month=int(ends[year]),
            costs=float(sums["costs"][year]),
            benefits=float(sums["benefits"][year]),
            net=float(sums["net"][year]),
            discounted=float(sums["discounted"][year]),
            cumulative=float(cumulative[year]),
            cumulative_discounted=float(cumulative_discounted[year]),
        )
        for year in range(len(starts))
    )


def scenarios(case: CaseFile, tl: Timeline) -> tuple[ScenarioResult, ...]:
    results = []
    for scenario in case.scenarios:
        priced = price(case, tl, values_for(case, dict(scenario.overrides)))
        results.append(
            ScenarioResult(
                scenario.name,
                dict(scenario.overrides),
                metrics_of(priced.costs[0], priced.benefits[0], tl),
            )
        )
    return tuple(results)


def _batch_npv(case: CaseFile, tl: Timeline, key: str, trial_values: FloatArray) -> FloatArray:
    """NPV with one assumption set to each of ``trial_values``, all else at base."""
    column = np.asarray(trial_values, dtype=np.float64).reshape(-1, 1)
    priced = price(case, tl, values_for(case, {key: column}), rows=column.shape[0])
    return npv_rows(priced.costs, priced.benefits, tl)


def tornado(case: CaseFile, tl: Timeline) -> tuple[TornadoRow, ...]:
    """NPV at each ranged assumption's low and high, largest swing first (ties by key)."""
    ranged = [
        (a, a.low, a.high) for a in case.assumptions if a.low is not None and a.high is not None
    ]
    if not ranged:
        return ()
    # Every low/high pair in one batch: row 2j is assumption j at low, 2j+1 at high.
    rows = 2 * len(ranged)
    overrides: dict[str, Value] = {}
    for j, (a, low, high) in enumerate(ranged):
        column = np.full((rows, 1), a.value)
        column[2 * j, 0], column[2 * j + 1, 0] = low, high
        overrides[a.key] = column
    priced = price(case, tl, values_for(case, overrides), rows=rows)
    npvs = npv_rows(priced.costs, priced.benefits, tl)
    table = [
        TornadoRow(a.key, a.label, low, high, float(npvs[2 * j]), float(npvs[2 * j + 1]))
        for j, (a, low, high) in enumerate(ranged)
    ]
    return tuple(sorted(table, key=lambda row: (-row.swing, row.key)))


def _domain_of(case: CaseFile, key: str) -> Domain | None:
    """The narrowest domain among the parameters that use ``key``; None if unused."""
    low, high, low_open, high_open, used = -math.inf, math.inf, False, False, False
    params: list[tuple[str, str, object]] = []
    for c in case.costs:
        params += [("cost", n, getattr(c, n)) for n in ("amount", "escalation", "risk")]
    for b in case.benefits:
        params += [(b.kind, n, v) for n, v in b.params.items()]
        params.append((b.kind, "risk", b.risk))
    for kind, name, value in params:
        if value != key:
            continue
        used = True
        d = PARAMETER_DOMAINS[kind][name]
        if d.low > low or (d.low == low and d.low_open):
            low, low_open = d.low, d.low_open
        if d.high < high or (d.high == high and d.high_open):
            high, high_open = d.high, d.high_open
    return Domain(low, high, low_open, high_open) if used else None


def _bracket(a: Assumption, domain: Domain) -> tuple[float, float]:
    """Where to look for a break-even: ten times the assumption's scale, within its domain."""
    scale = max(abs(a.value), abs(a.low or 0.0), abs(a.high or 0.0)) or 1.0
    low, high = -10.0 * scale, 10.0 * scale
    if domain.low > -math.inf:
        edge = domain.low + (1e-9 * max(1.0, abs(domain.low)) if domain.low_open else 0.0)
        low = max(low, edge)
    if domain.high < math.inf:
        edge = domain.high - (1e-9 * max(1.0, abs(domain.high)) if domain.high_open else 0.0)
        high = min(high, edge)
    return low, high


def break_even(case: CaseFile, tl: Timeline, grid: int = 121) -> tuple[BreakEven, ...]:
    """For each assumption, the value at which NPV is 0 (the crossing nearest its base)."""
    rows = []
    for a in case.assumptions:
        domain = _domain_of(case, a.key)
        if domain is None:
            rows.append(BreakEven(a.key, a.label, a.value, None, "not used by any line", None))
            continue
        low, high = _bracket(a, domain)
        xs = np.unique(np.concatenate((np.linspace(low, high, grid), [a.value])))
        npvs = _batch_npv(case, tl, a.key, xs)
        sign = np.sign(npvs)
        exact = np.flatnonzero(npvs == 0.0)
        crossings = np.flatnonzero(sign[:-1] * sign[1:] < 0)
        candidates: list[float] = [float(xs[i]) for i in exact]
        for i in crossings:
            candidates.append(
                float(
                    brentq(
                        lambda x, key=a.key: float(_batch_npv(case, tl, key, np.array([x]))[0]),
                        xs[i],
                        xs[i + 1],
                        xtol=1e-12,
                        rtol=1e-12,
                    )
                )
            )
        if candidates:
            nearest = min(candidates, key=lambda x: abs(x - a.value))
            rows.append(BreakEven(a.key, a.label, a.value, nearest, None, (low, high)))
            continue
        if np.ptp(npvs) <= 1e-9 * max(1.0, float(np.abs(npvs).max())):
            reason = "NPV does not change with this assumption"
        else:
            side = "positive" if npvs[0] > 0 else "negative"
            reason = f"NPV stays {side} for every value from {low:g} to {high:g}"
        rows.append(BreakEven(a.key, a.label, a.value, None, reason, (low, high)))
    return tuple(rows)


def _histogram_range(values: FloatArray) -> tuple[float, float]:
    """The data's range, widened when (nearly) every trial gives the same NPV."""
    low, high = float(values.min()), float(values.max())
    centre = (low + high) / 2.0
    half = max(0.5, 1e-6 * abs(centre))
    if high - low < 2.0 * half:
        return centre - half, centre + half
    return low, high


def sample_assumptions(case: CaseFile, trials: int, seed: int) -> dict[str, FloatArray]:
    """Triangular(low, value, high) draws for every assumption with a range, in key order."""
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


def monte_carlo(
    case: CaseFile,
    tl: Timeline,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
    chunk: int | None = None,
) -> MonteCarlo | None:
    """NPV distribution with every ranged assumption drawn from triangular(low, value, high).

    Draws are made up front, so the result depends only on the seed, not on chunking.
    None when no assumption has a range.
    """
    samples = sample_assumptions(case, trials, seed)
    if not samples:
        return None
    chunk = chunk or max(256, CHUNK_CELLS // (tl.horizon + 1))
    npvs = np.empty(trials)
    paid_back = np.empty(trials, dtype=bool)
    for start in range(0, trials, chunk):
        stop = min(start + chunk, trials)
        columns: Mapping[str, Value] = {k: v[start:stop, None] for k, v in samples.items()}
        priced = price(case, tl, values_for(case, columns), rows=stop - start)
        net = priced.benefits - priced.costs
        npvs[start:stop] = net @ tl.discount_factor
        paid_back[start:stop] = net.sum(axis=1) >= 0.0
    if not np.all(np.isfinite(npvs)):
        raise _too_large("", "within the assumptions' ranges (Monte Carlo), the amounts are")
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
