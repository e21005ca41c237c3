"""Analyses around the base case: scenarios, tornado, break-even, Monte Carlo, years."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
from scipy.optimize import brentq

from .batch import Batch, Prepared
from .casefile import Assumption, CaseFile
from .continuing import continuing_value_of
from .correlation import correlated_keys, iman_conover, reorder_generator, target_matrix
from .distributions import draw
from .domains import RATE, Domain
from .loader import CaseValidationError
from .pricing import Priced, cashflow_of, metrics_of, mirr_monthly_rates, price, values_for
from .result import (
    AfterTax,
    AnnualRow,
    BreakEven,
    CashFlow,
    MonteCarlo,
    Result,
    ScenarioResult,
    TornadoRow,
)
from .rules import PARAMETER_DOMAINS, Issue
from .tax import tax_flows
from .timeline import FloatArray, Timeline, fiscal_shift

DEFAULT_TRIALS = 10_000
DEFAULT_SEED = 20_270_101
HISTOGRAM_BINS = 30
#: Trials priced at once: a churn cohort's few (trials x months) arrays stay in cache.
CHUNK_TRIALS = 2_048


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
        tl = Timeline.for_case(case)
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
    tl = Timeline.for_case(case)
    base = price(case, tl, values_for(case), detail=True)
    _check_base(case, base, tl)
    cashflow = cashflow_of(base.costs[0], base.benefits[0], tl)
    cases_scenarios = scenarios(case, tl)
    for i, s in enumerate(cases_scenarios):
        if not math.isfinite(s.metrics.npv):
            raise _too_large(f"scenarios[{i}]", "with these overrides the amounts are")
    prepared = Prepared(case, tl)  # the lines reduced once, for tornado and break-even
    rows = tornado(case, tl, prepared)
    keys = [a.key for a in case.assumptions]
    for row in rows:
        for bound, npv_at in (("low", row.npv_low), ("high", row.npv_high)):
            if not math.isfinite(npv_at):
                where = f"assumptions[{keys.index(row.key)}].{bound}"
                raise _too_large(where, f"at its {bound} value the amounts are")
    mirr_rates = mirr_monthly_rates(case)
    metrics = metrics_of(base.costs[0], base.benefits[0], tl, mirr_rates)
    unadjusted = metrics_of(base.costs_unadjusted[0], base.benefits_unadjusted[0], tl, mirr_rates)
    continuing = continuing_value_of(
        case, tl, values_for(case), base.lines, (metrics.npv, unadjusted.npv)
    )
    if continuing is not None and not math.isfinite(continuing.pv):
        raise _too_large("continuing_value", "beyond the horizon the amounts are")
    after_tax = None
    if case.tax_rate is not None:
        tax = tax_flows(case, base.lines, base.benefits[0])
        after_tax = AfterTax(
            rate=case.tax_rate,
            lag_months=case.tax_lag_months,
            metrics=metrics_of(base.costs[0] + tax.tax_paid, base.benefits[0], tl, mirr_rates),
            tax_paid=tax.tax_paid,
        )
    return Result(
        metrics=metrics,
        unadjusted=unadjusted,
        cashflow=cashflow,
        cashflow_unadjusted=cashflow_of(base.costs_unadjusted[0], base.benefits_unadjusted[0], tl),
        lines=base.lines,
        annual=annual(cashflow, tl, fiscal_shift(case.start_month, case.fiscal_year_start)),
        scenarios=cases_scenarios,
        tornado=rows,
        break_even=break_even(case, tl, prepared=prepared),
        monte_carlo=monte_carlo(case, tl, trials=trials, seed=seed) if trials > 0 else None,
        monthly_rate=tl.monthly_rate,
        continuing_value=continuing,
        after_tax=after_tax,
    )


def annual(cashflow: CashFlow, tl: Timeline, shift: int = 0) -> tuple[AnnualRow, ...]:
    """Roll the months up into years: year 0 is month 0, then 12-month years (fiscal
    years with ``shift``: see :func:`~cxroi.engine.timeline.fiscal_shift`)."""
    starts = tl.year_starts(shift)
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
        # A scenario that sets the discount rate's assumption prices at that rate.
        rate = scenario.overrides.get(case.discount_rate_key or "")
        at = tl if rate is None else Timeline.for_case(case, rate)
        priced = price(case, at, values_for(case, dict(scenario.overrides)))
        mirr_rates = mirr_monthly_rates(case, rate)
        results.append(
            ScenarioResult(
                scenario.name,
                dict(scenario.overrides),
                metrics_of(priced.costs[0], priced.benefits[0], at, mirr_rates),
            )
        )
    return tuple(results)


def _npv_batch(prepared: Prepared, tl: Timeline, varying: set[str]) -> Batch:
    """A batch giving each row's NPV with only the ``varying`` keys changed."""
    return prepared.compile(varying, tl.discount_factor.reshape(-1, 1))


NpvOf = Callable[[Mapping[str, FloatArray], int], FloatArray]


def _rate_varies(case: CaseFile, varying: set[str] | frozenset[str]) -> bool:
    """Whether the discount rate changes by row: it is an assumption among ``varying``."""
    return case.discount_rate_key is not None and case.discount_rate_key in varying


def _discounted(
    case: CaseFile, tl: Timeline, net: FloatArray, rows: Mapping[str, FloatArray]
) -> FloatArray:
    """Each row's net monthly flow (n, H+1) discounted at its own rate: the rate's
    assumption's value in ``rows`` (a (n, H+1) matrix of factors, all rows at once)."""
    key = case.discount_rate_key
    assert key is not None
    n = net.shape[0]
    rates = np.broadcast_to(np.asarray(rows.get(key, case.discount_rate), dtype=np.float64), (n,))
    return np.asarray(np.einsum("ij,ij->i", net, tl.discount_matrix(rates)), dtype=np.float64)


def _npv_pricer(case: CaseFile, prepared: Prepared, tl: Timeline, varying: set[str]) -> NpvOf:
    """Each row's NPV with only the ``varying`` keys changed.

    When the discount rate is an assumption among them, each row is discounted at its own
    rate: the batch then yields each row's whole net monthly flow (weights the identity),
    discounted by a rows x months matrix of factors (:meth:`Timeline.discount_matrix`).
    Otherwise the rows are projected on the case's one set of factors, as always.
    """
    if not _rate_varies(case, varying):
        batch = _npv_batch(prepared, tl, varying)
        return lambda rows, n: batch.project(rows, n)[:, 0]
    flows = prepared.compile(varying, np.eye(tl.horizon + 1))
    return lambda rows, n: _discounted(case, tl, flows.project(rows, n), rows)


def tornado(
    case: CaseFile, tl: Timeline, prepared: Prepared | None = None
) -> tuple[TornadoRow, ...]:
    """NPV at each ranged assumption's low and high, largest swing first (ties by key).

    ``prepared`` is the case's :class:`Prepared` lines when the caller has them already.
    """
    ranged = [
        (a, a.low, a.high) for a in case.assumptions if a.low is not None and a.high is not None
    ]
    if not ranged:
        return ()
    # Every low/high pair in one batch: row 2j is assumption j at low, 2j+1 at high.
    rows = 2 * len(ranged)
    overrides: dict[str, FloatArray] = {}
    for j, (a, low, high) in enumerate(ranged):
        column = np.full(rows, a.value)
        column[2 * j], column[2 * j + 1] = low, high
        overrides[a.key] = column
    prepared = Prepared(case, tl) if prepared is None else prepared
    npvs = _npv_pricer(case, prepared, tl, set(overrides))(overrides, rows)
    table = [
        TornadoRow(a.key, a.label, low, high, float(npvs[2 * j]), float(npvs[2 * j + 1]))
        for j, (a, low, high) in enumerate(ranged)
    ]
    return tuple(sorted(table, key=lambda row: (-row.swing, row.key)))


def _key_parameters(case: CaseFile) -> dict[str, list[tuple[str, str]]]:
    """For each assumption key, the (kind, parameter) pairs that use it."""
    params: list[tuple[str, str, object]] = []
    for c in case.costs:
        params += [("cost", n, getattr(c, n)) for n in ("amount", "escalation", "risk")]
    for b in case.benefits:
        params += [(b.kind, n, v) for n, v in b.params.items()]
        params.append((b.kind, "risk", b.risk))
    uses: dict[str, list[tuple[str, str]]] = {}
    for kind, name, value in params:
        if isinstance(value, str):
            uses.setdefault(value, []).append((kind, name))
    return uses


def _domain_of(uses: list[tuple[str, str]]) -> Domain | None:
    """The narrowest domain among the parameters that use a key; None if unused."""
    low, high, low_open, high_open = -math.inf, math.inf, False, False
    for kind, name in uses:
        d = PARAMETER_DOMAINS[kind][name]
        if d.low > low or (d.low == low and d.low_open):
            low, low_open = d.low, d.low_open
        if d.high < high or (d.high == high and d.high_open):
            high, high_open = d.high, d.high_open
    return Domain(low, high, low_open, high_open) if uses else None


def _bracket(a: Assumption, domain: Domain, scale: float | None = None) -> tuple[float, float]:
    """Where to look for a break-even: ten times the assumption's scale (or ``scale``),
    within its domain."""
    if scale is None:
        scale = max(abs(a.value), abs(a.low or 0.0), abs(a.high or 0.0)) or 1.0
    low, high = -10.0 * scale, 10.0 * scale
    if domain.low > -math.inf:
        edge = domain.low + (1e-9 * max(1.0, abs(domain.low)) if domain.low_open else 0.0)
        low = max(low, edge)
    if domain.high < math.inf:
        edge = domain.high - (1e-9 * max(1.0, abs(domain.high)) if domain.high_open else 0.0)
        high = min(high, edge)
    return low, high


#: The break-even's tolerances (brentq's): a root is found to within xtol + rtol |x|.
_BREAK_EVEN_XTOL = _BREAK_EVEN_RTOL = 1e-12


def _root(
    npv_of: NpvOf, key: str, low: float, high: float, npv_low: float, npv_high: float
) -> float:
    """The value of ``key`` in [low, high] where NPV crosses 0 (NPV changes sign there).

    ``npv_low`` and ``npv_high`` are the NPVs at the ends, already known from the grid:
    brentq asks for them first, and they are not priced again.
    """
    known = {float(low): float(npv_low), float(high): float(npv_high)}

    def npv_at(x: float) -> float:
        if x in known:
            return known[x]
        return float(npv_of({key: np.array([x])}, 1)[0])

    return float(brentq(npv_at, low, high, xtol=_BREAK_EVEN_XTOL, rtol=_BREAK_EVEN_RTOL))


def _looks_affine(xs: FloatArray, npvs: FloatArray) -> bool:
    """Whether the NPVs on the grid lie on the chord through its ends (to 1e-9 of their
    size): most money amounts enter the NPV linearly. Only a guess that spares
    :func:`_secant_root` an evaluation on curved assumptions (a churn rate, say); the
    root it finds is checked whatever this says."""
    slope = (npvs[-1] - npvs[0]) / (xs[-1] - xs[0])
    chord = npvs[0] + slope * (xs - xs[0])
    scale = float(np.abs(npvs).max())
    return bool(np.all(np.abs(npvs - chord) <= 1e-9 * scale))


def _secant_root(
    npv_of: NpvOf, key: str, low: float, high: float, npv_low: float, npv_high: float
) -> float | None:
    """The crossing in [low, high] from one secant step, or None when it cannot be proved.

    When the NPV is affine in the assumption (most money amounts) the secant through the
    cell's ends is the root itself. It is accepted only with a proof: the NPV changes
    sign (or is 0) across [x - d, x + d], d half of brentq's tolerance xtol + rtol |x|,
    one evaluation of two rows. A root then lies within d of x, so x agrees with what
    :func:`_root` finds to within its own tolerance; otherwise the caller bisects as
    before (:func:`_root`).
    """
    x = low - npv_low * (high - low) / (npv_high - npv_low)
    if not low <= x <= high:
        return None
    d = 0.5 * (_BREAK_EVEN_XTOL + _BREAK_EVEN_RTOL * abs(x))
    left, right = max(x - d, low), min(x + d, high)
    at = npv_of({key: np.array([left, right])}, 2)
    if at[0] == 0.0 or at[1] == 0.0 or (at[0] < 0.0) != (at[1] < 0.0):
        return float(x)
    return None


def break_even(
    case: CaseFile, tl: Timeline, grid: int = 121, prepared: Prepared | None = None
) -> tuple[BreakEven, ...]:
    """For each assumption, the value at which NPV is 0 (the crossing nearest its base).

    ``prepared`` is the case's :class:`Prepared` lines when the caller has them already.
    """
    rows = []
    prepared = Prepared(case, tl) if prepared is None else prepared
    uses = _key_parameters(case)
    for a in case.assumptions:
        domain = _domain_of(uses.get(a.key, []))
        is_rate = a.key == case.discount_rate_key
        if is_rate:  # the discount rate's own domain, and that of any line using it too
            domain = RATE if domain is None else domain.narrowed(RATE)
        if domain is None:
            rows.append(BreakEven(a.key, a.label, a.value, None, "not used by any line", None))
            continue
        # A rate's break-even is looked for over its whole domain (an IRR may be far off).
        low, high = _bracket(a, domain, scale=1.0 if is_rate else None)
        xs = np.unique(np.concatenate((np.linspace(low, high, grid), [a.value])))
        npv_of = _npv_pricer(case, prepared, tl, {a.key})
        npvs = npv_of({a.key: xs}, xs.size)
        sign = np.sign(npvs)
        exact = np.flatnonzero(npvs == 0.0)
        crossings = np.flatnonzero(sign[:-1] * sign[1:] < 0)
        candidates: list[float] = [float(xs[i]) for i in exact]
        affine = crossings.size > 0 and _looks_affine(xs, npvs)
        for i in crossings:
            root = None
            if affine:
                root = _secant_root(npv_of, a.key, xs[i], xs[i + 1], npvs[i], npvs[i + 1])
            if root is None:
                root = _root(npv_of, a.key, xs[i], xs[i + 1], npvs[i], npvs[i + 1])
            candidates.append(root)
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


def _spread(case: CaseFile) -> list[Assumption]:
    """The assumptions Monte Carlo samples, in key order."""
    return [a for a in sorted(case.assumptions, key=lambda a: a.key) if a.has_range]


def _draw_streams(
    ranged: list[Assumption], trials: int, seed: int
) -> list[tuple[Assumption, np.random.Generator]]:
    """One generator per assumption with a spread, positioned where its draws begin.

    The draws are defined as one generator, ``default_rng(seed)``, drawing all of the
    first key's ``trials`` values, then all of the next key's, and so on
    (:func:`sample_assumptions`). Each value, whatever its distribution
    (:func:`~cxroi.engine.distributions.draw`), consumes exactly one 64-bit
    output of the PCG64 bit generator, so key j's draws start ``j x trials`` outputs in:
    advancing a copy there lets Monte Carlo draw every key chunk by chunk and still get
    the very same numbers without holding trials x keys draws in memory.
    """
    streams: list[tuple[Assumption, np.random.Generator]] = []
    for a in ranged:
        if not a.high > a.low:  # type: ignore[operator]
            continue
        rng = np.random.default_rng(seed)
        rng.bit_generator.advance(len(streams) * trials)  # type: ignore[attr-defined]
        streams.append((a, rng))
    return streams


def sample_assumptions(case: CaseFile, trials: int, seed: int) -> dict[str, FloatArray]:
    """Draws for every assumption with a range (triangular(low, value, high) unless its
    ``distribution`` says otherwise), in key order; the case's correlated assumptions
    reordered to its rank correlations (:func:`_correlated_draws`).

    Monte Carlo draws the same numbers chunk by chunk (:func:`_draw_streams`).
    """
    ranged = _spread(case)
    streams = _draw_streams(ranged, trials, seed)
    drawn = _correlated_draws(case, streams, trials, seed)
    varying = {a.key: rng for a, rng in streams}
    return {
        a.key: (
            drawn[a.key]
            if a.key in drawn
            else draw(a, varying[a.key], trials)
            if a.key in varying
            else np.full(trials, a.value)
        )
        for a in ranged
    }


def _correlated_draws(
    case: CaseFile,
    streams: list[tuple[Assumption, np.random.Generator]],
    trials: int,
    seed: int,
) -> dict[str, FloatArray]:
    """All ``trials`` draws of each correlated assumption that varies, reordered together
    by Iman–Conover to the case's rank correlations (:mod:`.correlation`, which says why
    the whole trial set and not each chunk). Each is drawn from its own stream as before,
    so its values are those an uncorrelated case draws; empty when the case states no
    pairs. Draws of an assumption with low == high do not vary: its pairs are left out.
    """
    varying = {a.key: (a, rng) for a, rng in streams}
    pairs = [c for c in case.correlations if c.a in varying and c.b in varying]
    if not pairs:
        return {}
    keys = correlated_keys(pairs)
    # These streams are used up here: Monte Carlo slices the reordered draws per chunk.
    columns = np.column_stack([draw(*varying[k], trials) for k in keys])
    reordered = iman_conover(columns, target_matrix(keys, pairs), reorder_generator(seed))
    return {k: reordered[:, j] for j, k in enumerate(keys)}


def monte_carlo(
    case: CaseFile,
    tl: Timeline,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
    chunk: int | None = None,
) -> MonteCarlo | None:
    """NPV distribution with every ranged assumption drawn within [low, high] by its
    distribution (triangular(low, value, high) by default: :mod:`.distributions`), and
    the case's correlated assumptions reordered to its rank correlations (Iman–Conover
    on the whole trial set: :mod:`.correlation`); with no pairs every draw is as before.

    Trials are priced ``chunk`` at a time (:data:`CHUNK_TRIALS`) through a compiled
    :class:`~cxroi.engine.batch.Batch` that yields only each trial's NPV and undiscounted
    total; the draws are those of :func:`sample_assumptions` whatever the chunking, so
    the result depends only on the seed. Memory is a few arrays of ``trials`` numbers
    plus one chunk's work. None when no assumption has a range.
    """
    ranged = _spread(case)
    if not ranged:
        return None
    streams = _draw_streams(ranged, trials, seed)
    # An assumption with low == high keeps its value: it does not vary.
    varying = {a.key for a, _ in streams}
    # A drawn discount rate: each trial's whole net flow, discounted at its own rate.
    rate_varies = _rate_varies(case, varying)
    weights = (
        np.eye(tl.horizon + 1)
        if rate_varies
        else np.stack((tl.discount_factor, np.ones(tl.horizon + 1)), axis=1)
    )
    batch = Prepared(case, tl).compile(varying, weights)
    chunk = chunk or CHUNK_TRIALS
    npvs = np.empty(trials)
    paid_back = np.empty(trials, dtype=bool)
    correlated = _correlated_draws(case, streams, trials, seed)
    independent = [(a, rng) for a, rng in streams if a.key not in correlated]
    for start in range(0, trials, chunk):
        stop = min(start + chunk, trials)
        rows = {a.key: draw(a, rng, stop - start) for a, rng in independent}
        rows.update({key: values[start:stop] for key, values in correlated.items()})
        projected = batch.project(rows, stop - start)
        if rate_varies:
            npvs[start:stop] = _discounted(case, tl, projected, rows)
            paid_back[start:stop] = projected.sum(axis=1) >= 0.0
            continue
        npvs[start:stop] = projected[:, 0]
        paid_back[start:stop] = projected[:, 1] >= 0.0
    if not np.all(np.isfinite(npvs)):
        raise _too_large("", "within the assumptions' ranges (Monte Carlo), the amounts are")
    counts, edges = np.histogram(npvs, bins=HISTOGRAM_BINS, range=_histogram_range(npvs))
    p10, p50, p90 = np.percentile(npvs, [10, 50, 90])
    return MonteCarlo(
        trials=trials,
        seed=seed,
        sampled=tuple(a.key for a in ranged),
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
