"""How Monte Carlo draws an assumption within [low, high] (``distribution``).

- ``triangular`` (the default): mode at ``value``; numpy's own sampler, as always.
- ``pert``: Beta-PERT with mode ``value``: low + (high − low) × Beta(α, β),
  α = 1 + 4 (value − low) / (high − low), β = 1 + 4 (high − value) / (high − low);
  mean (low + 4 value + high) / 6.
- ``uniform``: every value in [low, high] alike.
- ``truncated_normal``: a normal with mean ``value`` and standard deviation
  (high − low) / 4, cut at low and high.

Each draw uses exactly one uniform number of the generator (one 64-bit output):
triangular through numpy's sampler, the others by their inverse distribution function
applied to ``rng.random``. So each key's draws start at a fixed place in the seed's
stream (see :func:`cxroi.engine.analysis._draw_streams`) whatever the distributions.
The closed-form moments (:func:`moments`) are what the tests compare samples with.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .casefile import Assumption
from .timeline import FloatArray

#: A truncated normal's standard deviation before the cut: the range over this.
NORMAL_SPREAD = 4.0


def _bounds(a: Assumption) -> tuple[float, float, float]:
    assert a.low is not None and a.high is not None
    return float(a.low), float(a.value), float(a.high)


def pert_shape(low: float, mode: float, high: float) -> tuple[float, float]:
    """Beta-PERT's (α, β).

    >>> pert_shape(0.0, 0.25, 1.0)
    (2.0, 4.0)
    """
    width = high - low
    return 1.0 + 4.0 * (mode - low) / width, 1.0 + 4.0 * (high - mode) / width


def _normal_limits(low: float, mean: float, high: float) -> tuple[float, float, float]:
    """(σ, α, β): the normal's σ and the cut points in σ units from the mean."""
    sigma = (high - low) / NORMAL_SPREAD
    return sigma, (low - mean) / sigma, (high - mean) / sigma


def draw(a: Assumption, rng: np.random.Generator, size: int) -> FloatArray:
    """``size`` draws of assumption ``a`` (it has a range with high > low)."""
    low, mode, high = _bounds(a)
    shape = a.distribution or "triangular"
    if shape == "triangular":
        return rng.triangular(low, mode, high, size=size)
    u = rng.random(size)
    if shape == "uniform":
        return np.asarray(low + (high - low) * u, dtype=np.float64)
    if shape == "pert":
        alpha, beta = pert_shape(low, mode, high)
        return np.asarray(low + (high - low) * special.betaincinv(alpha, beta, u))
    sigma, lo, hi = _normal_limits(low, mode, high)
    p_lo, p_hi = special.ndtr(lo), special.ndtr(hi)
    x = mode + sigma * special.ndtri(p_lo + u * (p_hi - p_lo))
    return np.asarray(np.clip(x, low, high), dtype=np.float64)


def moments(a: Assumption) -> tuple[float, float]:
    """The closed-form (mean, variance) of ``a``'s distribution.

    >>> moments(Assumption("x", "x", 0.25, "n", 0.0, 1.0, distribution="pert"))
    (0.3333333333333333, 0.031746031746031744)
    """
    low, mode, high = _bounds(a)
    shape = a.distribution or "triangular"
    if shape == "triangular":
        mean = (low + mode + high) / 3.0
        var = (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18.0
        return mean, var
    if shape == "uniform":
        return (low + high) / 2.0, (high - low) ** 2 / 12.0
    if shape == "pert":
        alpha, beta = pert_shape(low, mode, high)
        width = high - low
        mean = low + width * alpha / (alpha + beta)
        var = width**2 * alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1.0))
        return mean, var
    sigma, lo, hi = _normal_limits(low, mode, high)
    z = special.ndtr(hi) - special.ndtr(lo)
    phi_lo, phi_hi = (
        math.exp(-(lo**2) / 2) / math.sqrt(2 * math.pi),
        math.exp(-(hi**2) / 2) / math.sqrt(2 * math.pi),
    )
    shift = (phi_lo - phi_hi) / z
    mean = mode + sigma * shift
    var = sigma**2 * (1.0 + (lo * phi_lo - hi * phi_hi) / z - shift**2)
    return float(mean), float(var)
