"""The realisation page of an approved case: plan against actuals, the re-forecast, the
status, the drivers, and any CX or business metric read against the money.

All arithmetic is the engine's (:mod:`cxroi.engine.realisation`); this page only shows it.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import or_, select

from cxroi import orgsettings
from cxroi.casework import cx_metrics
from cxroi.engine.realisation import lagged_correlation, reading
from cxroi.extensions import db
from cxroi.realisation.charts import cumulative_svg, two_series_svg
from cxroi.realisation.services import get_case, realisation_of
from models import MetricValue

bp = Blueprint("realisation", __name__, url_prefix="/cases")


def _metric_names(case_id: int) -> list[str]:
    """Metrics with values for this case or for the whole organisation, by name."""
    rows = db.session.scalars(
        select(MetricValue.name)
        .where(or_(MetricValue.case_id == case_id, MetricValue.case_id.is_(None)))
        .distinct()
        .order_by(MetricValue.name)
    )
    return list(rows)


def _series(case_id: int, name: str, months: list[str]) -> list[float | None]:
    """The metric by month (the case's own value before the organisation's)."""
    rows = db.session.execute(
        select(MetricValue.month, MetricValue.value, MetricValue.case_id).where(
            MetricValue.name == name,
            or_(MetricValue.case_id == case_id, MetricValue.case_id.is_(None)),
        )
    ).all()
    by_month: dict[str, float] = {}
    for month, value, _owner in sorted(rows, key=lambda r: r[2] is not None):
        by_month[month] = float(value)  # the case's own row (sorted last) wins
    return [by_month.get(m) for m in months]


@bp.get("/<int:case_id>/realisation")
@login_required
def page(case_id: int) -> ResponseReturnValue:
    case = get_case(case_id)
    initiative = realisation_of(case)
    r = initiative.realisation
    names = _metric_names(case.id)
    chosen = request.args.get("metric", "")
    chosen = chosen if chosen in names else (names[0] if names else "")
    metric = None
    if chosen:
        values = _series(case.id, chosen, r.months)
        corrs = lagged_correlation(values, r.actual_benefit)
        metric = {
            "name": chosen,
            "label": cx_metrics.label(chosen),
            "values": values,
            "correlations": corrs,
            "reading": reading(corrs, cx_metrics.label(chosen), "realised benefit"),
            "chart": two_series_svg(
                r.months,
                values,
                r.actual_benefit,
                first_name=cx_metrics.label(chosen),
                second_name="realised benefit",
            ),
        }
    return render_template(
        "realisation/page.html",
        case=case,
        tab="realisation",
        initiative=initiative,
        r=r,
        rules=orgsettings.rag_rules(),
        chart=cumulative_svg(r.months, r.cumulative_plan, r.cumulative_actual, title=case.title),
        names=names,
        metric=metric,
        label=cx_metrics.label,
    )
