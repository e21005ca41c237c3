"""Rank correlations between assumptions (``correlations``), induced by Iman–Conover.

A case states pairs ``{"a": key, "b": key, "rho": r}``; every pair not stated is 0.
The pairs make one target matrix over the keys they name (:func:`target_matrix`),
which must be a correlation matrix: symmetric with a unit diagonal (true by
construction) and positive semi-definite, its least eigenvalue at least
``-PSD_TOLERANCE`` (:func:`matrix_problem`, the one rule the loader and the tests use).

Iman–Conover (1982) then reorders each correlated assumption's draws, leaving its
values (its marginal distribution) exactly as drawn:

1. scores: each column is a random permutation of the van der Waerden scores
   Φ⁻¹(i / (n + 1)), i = 1 … n;
2. the scores' sample correlation E = F Fᵀ and the target C = P Pᵀ (Cholesky; an
   eigenvalue square root when C is only semi-definite). The scores are normal, and
   normals with Pearson correlation r have rank correlation (6/π) asin(r/2): so C is
   the stated rank correlations ρ turned into r = 2 sin(πρ/6) (:func:`normal_target`;
   0.7 becomes 0.717, ±1 and 0 stay), else 0.7 would come out as about 0.683;
3. T = S (F⁻¹)ᵀ Pᵀ has sample correlation C exactly;
4. each assumption's sorted draws are put in the rank order of its column of T.

**On the whole trial set, not per chunk.** Monte Carlo prices trials chunk by chunk
(:data:`~cxroi.engine.analysis.CHUNK_TRIALS`), a speed and memory setting whose result
must depend only on the seed. Reordering within each chunk would make the statistics
depend on the chunk size, and a small chunk (a few hundred trials) induces the target
with visibly more sampling noise. So the correlated keys (only they) are drawn whole,
``trials`` numbers each, reordered once, and sliced per chunk; the memory cost is one
array of ``trials`` numbers per correlated key, as :func:`sample_assumptions` holds for
every key anyway. The permutations of step 1 come from a generator of their own
(:func:`reorder_generator`), so every assumption's draws keep their place in the seed's
stream and an uncorrelated case draws exactly what it drew before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from .casefile import Correlation
from .timeline import FloatArray

#: A target matrix whose least eigenvalue is above minus this is accepted (rounding of
#: a valid semi-definite matrix such as rho = 1 stays well inside it).
PSD_TOLERANCE = 1e-9
#: The second word of the seed of the score permutations' own generator.
REORDER_STREAM = 0x1C0


def correlated_keys(pairs: Sequence[Correlation]) -> list[str]:
    """The keys the pairs name, in key order (the matrix's rows and columns)."""
    return sorted({k for p in pairs for k in (p.a, p.b)})


def target_matrix(keys: Sequence[str], pairs: Sequence[Correlation]) -> FloatArray:
    """The correlation matrix over ``keys``: 1 on the diagonal, each pair's rho, else 0.

    >>> target_matrix(["x", "y"], [Correlation("y", "x", 0.5)]).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    where = {k: i for i, k in enumerate(keys)}
    matrix = np.eye(len(keys))
    for p in pairs:
        i, j = where[p.a], where[p.b]
        matrix[i, j] = matrix[j, i] = p.rho
    return matrix


def least_eigenvalue(matrix: FloatArray) -> float:
    return float(np.linalg.eigvalsh(matrix)[0]) if len(matrix) else 1.0


def matrix_problem(matrix: FloatArray) -> str | None:
    """Why ``matrix`` is not a valid correlation matrix, or None.

    >>> print(matrix_problem(target_matrix("xyz", [Correlation("x", "y", 0.9),
    ...     Correlation("y", "z", 0.9), Correlation("x", "z", -0.9)])))  # doctest: +ELLIPSIS
    not a valid correlation matrix: ... least eigenvalue is -0.8, below 0)
    """
    least = least_eigenvalue(matrix)
    if least >= -PSD_TOLERANCE:
        return None
    return (
        "not a valid correlation matrix: these rank correlations contradict each other"
        f" (it is not positive semi-definite: its least eigenvalue is {least:.3g}, below 0)"
    )


def normal_target(rank: FloatArray) -> FloatArray:
    """The scores' Pearson correlations that give rank correlations ``rank``:
    2 sin(πρ/6) off the diagonal; ``rank`` itself when that is not semi-definite (rare:
    the conversion can tip a matrix that is only just valid).

    >>> normal_target(np.array([[1.0, 0.5], [0.5, 1.0]])).round(4).tolist()
    [[1.0, 0.5176], [0.5176, 1.0]]
    """
    converted = 2.0 * np.sin(np.pi * rank / 6.0)
    np.fill_diagonal(converted, 1.0)
    return converted if least_eigenvalue(converted) >= -PSD_TOLERANCE else rank


def _factor(matrix: FloatArray) -> FloatArray:
    """A lower factor L with L Lᵀ = matrix: Cholesky, or V √Λ when only semi-definite."""
    try:
        return np.asarray(np.linalg.cholesky(matrix), dtype=np.float64)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(matrix)
        return np.asarray(vectors * np.sqrt(np.clip(values, 0.0, None)))


def reorder_generator(seed: int) -> np.random.Generator:
    """The score permutations' generator: apart from the draws' ``default_rng(seed)``."""
    return np.random.default_rng([seed, REORDER_STREAM])


def iman_conover(draws: FloatArray, target: FloatArray, rng: np.random.Generator) -> FloatArray:
    """``draws`` (trials x keys) with each column reordered so that the columns' rank
    correlations are near ``target`` (rank correlations); each column keeps its values.

    Vectorised: a permutation per column (``rng.permuted``), two matrix factors, one
    ``argsort`` per axis; no loop over trials.
    """
    n, k = draws.shape
    if k < 2 or n < 3:
        return draws
    scores = special.ndtri(np.arange(1, n + 1) / (n + 1.0))
    s = rng.permuted(np.tile(scores[:, None], (1, k)), axis=0)
    e = np.corrcoef(s, rowvar=False)
    t = s @ np.linalg.inv(_factor(e)).T @ _factor(normal_target(target)).T
    ranks = np.argsort(np.argsort(t, axis=0, kind="stable"), axis=0, kind="stable")
    return np.take_along_axis(np.sort(draws, axis=0), ranks, axis=0)
