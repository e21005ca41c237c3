"""The council page, the meeting page (the fixed agenda), the logs' forms and the pack."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from cxroi.council import pack, services
from cxroi.extensions import db
from cxroi.realisation.charts import cumulative_svg
from cxroi.realisation.services import approved_initiatives
from cxroi.workflow import MANAGE_COUNCIL, has_right
from models.council import ACTION_STATUS_LABELS, AGENDA

bp = Blueprint("council", __name__, url_prefix="/council")


def _may_manage() -> bool:
    return has_right(current_user.role, MANAGE_COUNCIL)


def _common() -> dict[str, object]:
    initiatives = approved_initiatives()
    return {
        "initiatives": initiatives,
        "charts": {
            i.case.id: cumulative_svg(
                i.realisation.months,
                i.realisation.cumulative_plan,
                i.realisation.cumulative_actual,
                title=i.case.title,
            )
            for i in initiatives
        },
        "may_manage": _may_manage(),
        "statuses": ACTION_STATUS_LABELS,
        "today": date.today().isoformat(),
        "this_month": date.today().strftime("%Y-%m"),
    }


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template(
        "council/index.html",
        meetings=services.meetings(),
        actions=services.actions(),
        decisions=services.decisions(),
        **_common(),
    )


@bp.get("/meetings/<month>")
@login_required
def meeting(month: str) -> ResponseReturnValue:
    found = services.meeting_for(services.parse_month(month))
    previous = services.previous_meeting(found)
    return render_template(
        "council/meeting.html",
        meeting=found,
        agenda=AGENDA,
        previous=previous,
        review_actions=services.actions(previous.id) if previous else services.actions(),
        meeting_actions=services.actions(found.id),
        meeting_decisions=services.decisions(found.id),
        **_common(),
    )


@bp.post("/meetings")
@login_required
def create_meeting() -> ResponseReturnValue:
    created = services.create_meeting(current_user, request.form)
    db.session.commit()
    flash(f"Meeting for {created.month} added.", "success")
    return redirect(url_for("council.meeting", month=created.month))


@bp.post("/meetings/<month>/notes")
@login_required
def save_notes(month: str) -> ResponseReturnValue:
    found = services.meeting_for(services.parse_month(month))
    changed = services.save_notes(current_user, found, request.form)
    db.session.commit()
    flash(f"Notes saved ({changed} changed).", "success")
    return redirect(url_for("council.meeting", month=found.month))


def _back(default: str) -> str:
    month = (request.form.get("return_month") or "").strip()
    if month and services.MONTH.match(month):
        return url_for("council.meeting", month=month)
    return default


@bp.post("/actions")
@login_required
def add_action() -> ResponseReturnValue:
    row = services.add_action(current_user, request.form)
    db.session.commit()
    flash(f"Action {row.id} recorded.", "success")
    return redirect(_back(url_for("council.index") + "#actions"))


@bp.post("/actions/<int:action_id>/status")
@login_required
def action_status(action_id: int) -> ResponseReturnValue:
    services.set_action_status(current_user, action_id, request.form.get("status", ""))
    db.session.commit()
    flash("Action updated.", "success")
    return redirect(_back(url_for("council.index") + "#actions"))


@bp.post("/decisions")
@login_required
def add_decision() -> ResponseReturnValue:
    row = services.add_decision(current_user, request.form)
    db.session.commit()
    flash(f"Decision {row.id} recorded.", "success")
    return redirect(_back(url_for("council.index") + "#decisions"))


@bp.get("/pack.pdf")
@login_required
def pack_pdf() -> Response:
    month = services.parse_month(request.args.get("month", ""))
    body = pack.pdf(month)
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="council-pack-{month}.pdf"'},
    )


@bp.get("/pack.xlsx")
@login_required
def pack_xlsx() -> Response:
    month = services.parse_month(request.args.get("month", ""))
    body = pack.workbook(month)
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="council-pack-{month}.xlsx"'},
    )
