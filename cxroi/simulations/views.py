"""The simulation's state as JSON (the results page polls it) and its retry."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import undefer

from cxroi import simulations
from cxroi.cases.presenters import histogram_chart
from cxroi.cases.services import get_case
from cxroi.extensions import db
from models import Case

bp = Blueprint("simulations", __name__, url_prefix="/cases")


def _case(case_id: int) -> Case:
    return db.session.scalar(
        select(Case).where(Case.id == case_id).options(undefer(Case.result), undefer(Case.document))
    ) or get_case(case_id)


@bp.get("/<int:case_id>/simulation")
@login_required
def status(case_id: int) -> ResponseReturnValue:
    """``{status, trials, message, case_hash, html, histogram}`` of the current content.

    ``status`` is none, queued, running, done or failed; ``html`` is the results page's
    Monte Carlo panel for that state; ``histogram`` its chart data when done.
    """
    case = _case(case_id)
    sim = simulations.state(case)
    response = jsonify(
        status=sim.status,
        trials=sim.trials,
        message=sim.message,
        case_hash=case.case_hash,
        html=render_template("cases/_simulation.html", case=case, sim=sim),
        histogram=histogram_chart(sim.monte_carlo),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:case_id>/simulation/retry")
@login_required
def retry(case_id: int) -> ResponseReturnValue:
    simulations.retry(_case(case_id))
    return redirect(url_for("cases.show", case_id=case_id) + "#mc-h", code=303)
