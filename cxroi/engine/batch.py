"""Batches of evaluations in which a few assumptions vary by row (Monte Carlo, tornado,
break-even), priced without a trials x months array per line.

:func:`compile_batch` splits a case once, for a given set of varying keys, into:

- one **fixed** part: every line none of whose inputs vary, risk-adjusted and netted;
- **scalar lines**: lines whose varying inputs are only factors or the risk (most lines:
  an amount, a volume, a margin), each a per-row scalar times a fixed monthly profile;
- **shaped lines**: lines whose monthly shape itself varies (a churn cohort with a
  varying churn rate, a varying escalation), priced per batch with the kind's own shape.

A batch answers only what its callers read: each row's net flow projected on a few
monthly weight vectors (the discount factors give NPV, ones give the undiscounted
total). Projecting first makes the fixed part one number per weight, and turns every
scalar line into one matrix product: (rows x lines) @ (lines x months) @ (months x
weights), with the right-hand product done once. Only shaped lines touch rows x months
cells, one line at a time, and are summed into the running total as they are priced.

The arithmetic is that of :func:`~cxroi.engine.pricing.price`, reordered: results agree
with it to rounding (about 1e-15 relative), not bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .casefile import BenefitLine, CaseFile, CostLine, Param
from .drivers import COST_FACTORS, cost_shape
from .kinds import KINDS, Ramp
from .timeline import FloatArray, Timeline, Value

ShapeOf = Callable[[Mapping[str, Value]], FloatArray]


@dataclass(frozen=True, slots=True)
class _Line:
    """One line reduced to sign x product(factors) x (1 +/- risk) x shape(shape params)."""

    sign: float  # +1 benefit, -1 cost (net = benefits - costs)
    risk_direction: float  # a cost's risk uplifts it (+1), a benefit's discounts it (-1)
    factors: tuple[Param, ...]
    risk: Param
    shape_params: tuple[tuple[str, Param], ...]
    shape: ShapeOf

    def inputs(self) -> set[str]:
        params = (*self.factors, self.risk, *(p for _, p in self.shape_params))
        return {p for p in params if isinstance(p, str)}

    def scalar(self, values: Mapping[str, Value]) -> Value:
        """sign x product of factors x risk factor, from values (numbers or rows)."""
        scale: Value = self.sign
        for f in self.factors:
            scale = scale * (values[f] if isinstance(f, str) else f)
        risk = values[self.risk] if isinstance(self.risk, str) else self.risk
        return scale * (1.0 + self.risk_direction * risk)

    def shape_of(self, values: Mapping[str, Value]) -> FloatArray:
        return self.shape(
            {n: (values[p] if isinstance(p, str) else float(p)) for n, p in self.shape_params}
        )


def _cost_shape(line: CostLine, tl: Timeline) -> ShapeOf:
    return lambda p: cost_shape(line, tl, p["escalation"])


def _benefit_shape(line: BenefitLine, tl: Timeline) -> ShapeOf:
    kind, ramp = KINDS[line.kind], Ramp(line.ramp_start, line.ramp_months)
    choices = kind.chosen(line.choices)
    return lambda p: kind.shape(p, tl, ramp, choices)


def _lines(case: CaseFile, tl: Timeline) -> list[_Line]:
    lines = []
    for c in case.costs:
        lines.append(
            _Line(
                -1.0,
                1.0,
                tuple(getattr(c, f) for f in COST_FACTORS),
                c.risk,
                (("escalation", c.escalation),),
                _cost_shape(c, tl),
            )
        )
    for b in case.benefits:
        kind = KINDS[b.kind]
        lines.append(
            _Line(
                1.0,
                -1.0,
                tuple(b.params[f] for f in kind.factors),
                b.risk,
                tuple((n, b.params[n]) for n in kind.shape_parameters),
                _benefit_shape(b, tl),
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class Batch:
    """A case compiled for rows in which only ``varying`` keys change."""

    varying: frozenset[str]
    weights: FloatArray  # (H+1, m)
    fixed: FloatArray  # (m,): the fixed lines' projection
    scalar_lines: tuple[_Line, ...]
    profiles: FloatArray  # (scalar lines, m): each scalar line's shape, projected
    shaped_lines: tuple[_Line, ...]
    base: Mapping[str, Value]

    def project(self, rows: Mapping[str, FloatArray], n: int) -> FloatArray:
        """(n, m): each row's net flow projected on the weights.

        ``rows`` gives each varying key's n values (1-D); other keys keep their base values.
        """
        values: dict[str, Value] = dict(self.base)
        values.update(rows)
        out = np.empty((n, self.fixed.size))
        out[:] = self.fixed
        if self.scalar_lines:
            scalars = np.empty((n, len(self.scalar_lines)))
            for j, line in enumerate(self.scalar_lines):
                scalars[:, j] = line.scalar(values)
            out += scalars @ self.profiles
        if self.shaped_lines:
            columns = {k: np.reshape(values[k], (-1, 1)) for k in self.varying}
            shaped: dict[str, Value] = {**values, **columns}
            for line in self.shaped_lines:
                projected = np.atleast_2d(line.shape_of(shaped)) @ self.weights
                out += projected * np.reshape(line.scalar(values), (-1, 1))
        return out


class Prepared:
    """A case's lines reduced once (their base shapes and flows) for any set of varying keys."""

    def __init__(self, case: CaseFile, tl: Timeline) -> None:
        self.base: dict[str, Value] = dict(case.assumption_values)
        self.lines = _lines(case, tl)
        self.inputs = [line.inputs() for line in self.lines]
        self.shape_inputs = [
            {p for _, p in line.shape_params if isinstance(p, str)} for line in self.lines
        ]
        self.shapes = np.zeros((len(self.lines), tl.horizon + 1))
        self.flows = np.zeros((len(self.lines), tl.horizon + 1))
        for i, line in enumerate(self.lines):
            self.shapes[i] = np.ravel(line.shape_of(self.base))
            self.flows[i] = line.scalar(self.base) * self.shapes[i]

    def compile(self, varying: frozenset[str] | set[str], weights: FloatArray) -> Batch:
        """Split the lines for rows in which only the ``varying`` keys change.

        ``weights`` is (H+1, m): what :meth:`Batch.project` projects each row's net flow on.
        """
        varying = frozenset(varying)
        fixed = [not inputs & varying for inputs in self.inputs]
        scalar = [
            not f and not shape & varying for f, shape in zip(fixed, self.shape_inputs, strict=True)
        ]
        shaped = [not f and not s for f, s in zip(fixed, scalar, strict=True)]
        return Batch(
            varying,
            weights,
            self.flows[fixed].sum(axis=0) @ weights,
            tuple(line for line, s in zip(self.lines, scalar, strict=True) if s),
            self.shapes[scalar] @ weights,
            tuple(line for line, s in zip(self.lines, shaped, strict=True) if s),
            self.base,
        )


def compile_batch(
    case: CaseFile, tl: Timeline, varying: frozenset[str] | set[str], weights: FloatArray
) -> Batch:
    """:meth:`Prepared.compile` for one set of varying keys."""
    return Prepared(case, tl).compile(varying, weights)
