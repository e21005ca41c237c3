"""Where the app reads a case's monthly actuals for the realisation engine.

``actuals_for`` is the one seam between the actuals storage (the ``actuals`` table that
the month grid, CSV upload, API and ``cxroi actuals import`` write through
:mod:`cxroi.actuals.services`) and everything that prices realisation (the council page,
the council pack, ``cxroi realisation``). It returns line id -> case month index (0 the
up-front month, 1 ``start_month``: :func:`~cxroi.engine.realisation.month_index`) ->
:class:`~cxroi.engine.realisation.LineActual`.

Actuals are checked against the case's document when they are entered. A case approved
again after a change may keep actuals of a line the approved version no longer has, or
of a month past its horizon: those are not part of that version's realisation and are
left out here (they stay stored, and show on the case's actuals pages).
"""

from __future__ import annotations

from collections.abc import Mapping

from cxroi.actuals.services import actuals_by_month
from cxroi.engine.casefile import CaseFile
from cxroi.engine.realisation import LineActual, month_index

Actuals = Mapping[str, Mapping[int, LineActual]]


def actuals_for(case_id: int, case: CaseFile) -> Actuals:
    """The stored actuals of case ``case_id`` by line id and month index of ``case`` (its
    approved version); empty when none are stored."""
    lines = {line.id for line in case.costs} | {line.id for line in case.benefits}
    out: dict[str, dict[int, LineActual]] = {}
    for month, entries in actuals_by_month(case_id).items():
        t = month_index(case.start_month, month)
        if not 0 <= t <= case.horizon_months:
            continue
        for line_id, e in entries.items():
            if line_id in lines and not e.empty:
                out.setdefault(line_id, {})[t] = LineActual(e.cost, e.benefit, dict(e.drivers))
    return out
