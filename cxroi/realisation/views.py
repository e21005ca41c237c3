"""The realisation page of an approved case: plan against actuals, the re-forecast, the
status, the drivers, and any CX or business metric read against the money.

All arithmetic is the engine's (:mod:`cxroi.engine.realisation`); this page only shows it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import or_, select

from cxroi import orgsettings
from cxroi.approvals.versions import documents
from cxroi.casework import cx_metrics
from cxroi.casework.actuals import all_lines
from cxroi.engine import load_case
from cxroi.engine.casefile import CostLine
from cxroi.engine.realisation import (
    lagged_correlation,
    month_index,
    month_label,
    plan_lines,
    reading,
)
from cxroi.extensions import db
from cxroi.realisation import forecast as finance_forecast
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


def _by_month(case_id: int, name: str) -> dict[str, float]:
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
    return by_month


def _series(case_id: int, name: str, months: list[str]) -> list[float | None]:
    by_month = _by_month(case_id, name)
    return [by_month.get(m) for m in months]


#: The most months a metric is read against another over (the latest ones).
MAX_METRIC_MONTHS = 120


def _calendar(first: str, last: str) -> list[str]:
    """Every calendar month from ``first`` to ``last`` (at most the latest
    :data:`MAX_METRIC_MONTHS`): a month without a value is a gap, so a lag is in months."""
    span = month_index(first, last) - 1  # months after the first
    start = max(0, span - MAX_METRIC_MONTHS + 1)
    return [month_label(first, t + 1) for t in range(start, span + 1)]


def _pair(case_id: int, r: Any, chosen: str, against: str) -> dict[str, Any]:
    """The chosen metric read against the realised benefit (``against`` empty) or another
    metric: both series by month, the lagged correlation and its reading."""
    first_label = cx_metrics.label(chosen)
    if against:
        a, b = _by_month(case_id, chosen), _by_month(case_id, against)
        known = sorted(set(a) | set(b))
        months = _calendar(known[0], known[-1]) if known else []
        first = [a.get(m) for m in months]
        second: list[float | None] = [b.get(m) for m in months]
        second_label, second_format = cx_metrics.label(against), ",.4g"
    else:
        months, first = r.months, _series(case_id, chosen, r.months)
        second = list(r.actual_benefit)
        second_label, second_format = "realised benefit", ",.0f"
    corrs = lagged_correlation(first, second)
    return {
        "name": chosen,
        "label": first_label,
        "against": against,
        "against_label": second_label,
        "months": months,
        "values": first,
        "correlations": corrs,
        "reading": reading(corrs, first_label, second_label),
        "chart": two_series_svg(
            months,
            first,
            second,
            first_name=first_label,
            second_name=second_label,
            second_format=second_format,
        ),
    }


@bp.get("/<int:case_id>/realisation")
@login_required
def page(case_id: int) -> ResponseReturnValue:
    case = get_case(case_id)
    initiative = realisation_of(case)
    r = initiative.realisation
    names = _metric_names(case.id)
    chosen = request.args.get("metric", "")
    chosen = chosen if chosen in names else (names[0] if names else "")
    against = request.args.get("against", "")
    against = against if against in names and against != chosen else ""
    metric = _pair(case.id, r, chosen, against) if chosen else None
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
        may_adjust=finance_forecast.may_adjust(current_user),
    )


class ForecastForm(FlaskForm):
    """CSRF only: the cells are read by name (``<line_id>.<YYYY-MM>``)."""


@bp.route("/<int:case_id>/realisation/forecast", methods=["GET", "POST"])
@login_required
def forecast(case_id: int) -> ResponseReturnValue:
    """Finance's adjusted forecast: per line, a value for each month left (blank: the plan)."""
    case = get_case(case_id)
    me = current_user._get_current_object()
    finance_forecast.require_may_adjust(me)
    initiative = realisation_of(case)
    r = initiative.realisation
    case_doc, result = documents(initiative.version)
    case_file = load_case(case_doc)
    plan = plan_lines(case_file, result)
    n = len(r.months)
    months = finance_forecast.months_left(case_file, n)
    stored = initiative.forecast.values
    cells = {
        finance_forecast.cell_name(line_id, month): _shown(value)
        for line_id, by_month in stored.items()
        for month, value in by_month.items()
    }
    form = ForecastForm()
    problems: list[Any] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            problems = ["The form expired; nothing was saved. Enter it again."]
            status = 400
        else:
            posted = {k: v for k, v in request.form.items() if k != "csrf_token"}
            try:
                changed = finance_forecast.save(me, case, case_file, n, posted)
            except finance_forecast.ForecastRejected as exc:
                problems, status = exc.problems, 400
                cells.update({k: str(v)[:40] for k, v in posted.items()})
            else:
                flash(
                    f"Adjusted forecast saved: {changed} value{'s' if changed != 1 else ''} "
                    "changed.",
                    "success",
                )
                return redirect(url_for("realisation.page", case_id=case.id))
    lines = [
        {
            "line": line,
            "side": "cost" if isinstance(line, CostLine) else "benefit",
            "plan": {
                month: float(plan[line.id][t])
                for t, month in enumerate(months, start=n)
                if t < len(plan[line.id])
            },
        }
        for line in all_lines(case_file)
    ]
    errors = {p.cell: p.message for p in problems if not isinstance(p, str)}
    return render_template(
        "realisation/forecast.html",
        case=case,
        tab="realisation",
        initiative=initiative,
        r=r,
        months=months,
        lines=lines,
        cells=cells,
        errors=errors,
        problems=problems,
        form=form,
        cell_name=finance_forecast.cell_name,
    ), status


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
