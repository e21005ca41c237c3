"""Where the app reads a case's monthly actuals for the realisation engine.

``actuals_for`` is the one seam between the actuals storage (the month grid, CSV upload,
API and ``cxroi actuals import`` write it) and everything that prices realisation (the
council page, the council pack, ``cxroi realisation``). It returns line id -> month
index (0 = the case's start month) -> :class:`~cxroi.engine.realisation.LineActual`.

Until the actuals table exists in this schema, a case has no actuals: the mapping is
empty, and realisation shows the plan with nothing reported (status green, "no actuals
reported yet"). The storage replaces the body of :func:`_stored_actuals`.
"""

from __future__ import annotations

from collections.abc import Mapping

from cxroi.engine.realisation import LineActual

Actuals = Mapping[str, Mapping[int, LineActual]]


def actuals_for(case_id: int) -> Actuals:
    """The case's actuals by line id and month index (empty when none are stored)."""
    return _stored_actuals(case_id)


def _stored_actuals(case_id: int) -> Actuals:
    # No actuals table in this schema (the actuals storage brings one): none reported.
    return {}
