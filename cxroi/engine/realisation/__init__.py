"""Benefits realisation: an approved case's plan read against its monthly actuals.

Pure (no Flask, SQLAlchemy or models) and vectorised over months. The plan is the
approved version's stored result document (``result_to_dict`` form): its ``lines``
list holds every line's risk-adjusted monthly values, costs first then benefits, in
the order of the case's ``costs`` and ``benefits`` (that is how a line id is matched
to its planned flows).

Conventions (``docs/realisation.md`` repeats them):

- Month index t is the engine's case month: 0 is the up-front month (the calendar
  month before ``start_month``), 1 is ``start_month`` (:func:`month_label`, the calendar
  the actuals are entered by); the months *to date* run from 0 to the last month that
  has any actual (a cost, a benefit or a driver).
- A line month with no actual cost counts its planned cost (a cost is taken as
  incurred unless reported otherwise); a line month with no actual benefit counts
  nothing (a benefit is realised only when reported). Both err on the prudent side.
- The re-forecast is the actual net flow to date followed by the approved plan (or
  finance's adjusted forecast, per line and month) for the months left; its NPV and
  payback use the engine's own discounting and payback rules.
- Status: each :class:`RagRule` fires when the realised benefit has been below
  ``below_share`` of the planned benefit for the last ``months_running`` months to
  date (months with no planned benefit break a run). Red is checked before amber.
- A driver's variance prices the line with the kind's own formula twice over the
  months to date: with the assumed value, and with the actual value of each month
  (as if it had held all along); the difference, risk-adjusted, is its money effect.
"""

from .base import LineActual, month_index, month_label
from .drivers import Drift, DriverVariance, drifting_drivers, driver_variances
from .lagged import CAUTION, LagCorrelation, lagged_correlation, reading
from .plan import (
    DEFAULT_RAG_RULES,
    Colour,
    LineVariance,
    RagRule,
    Realisation,
    plan_lines,
    rag_status,
    realise,
    to_dict,
)

__all__ = [
    "CAUTION",
    "DEFAULT_RAG_RULES",
    "Colour",
    "Drift",
    "DriverVariance",
    "LagCorrelation",
    "LineActual",
    "LineVariance",
    "RagRule",
    "Realisation",
    "drifting_drivers",
    "driver_variances",
    "lagged_correlation",
    "month_index",
    "month_label",
    "plan_lines",
    "rag_status",
    "reading",
    "realise",
    "to_dict",
]
