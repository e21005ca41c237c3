"""Pages for CX and business metrics: the organisation's (``/metrics``) and a case's
(``/cases/<id>/metrics``). A month form (one value and unit per metric), the CSV
template, and an upload checked and previewed before it is saved."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField

from cxroi.actuals import metrics
from cxroi.actuals.views import MAX_CSV_BYTES
from cxroi.cases.services import get_case
from cxroi.casework.actuals import Problem
from cxroi.casework.cx_metrics import STANDARD, RawMetric, check, label, month_problem, template_csv
from cxroi.errors import DomainError, NotFound
from models import Case

bp = Blueprint("metrics", __name__)


class MonthForm(FlaskForm):
    """CSRF only: cells are ``<name>.value`` and ``<name>.unit``, plus ``new.*`` rows."""


class UploadForm(FlaskForm):
    csv_file = FileField("CSV file of metrics")


class ConfirmForm(FlaskForm):
    payload = HiddenField()


def _user() -> Any:
    return current_user._get_current_object()


def _case(case_id: int | None) -> Case | None:
    return get_case(case_id) if case_id is not None else None


def _here(case_id: int | None, endpoint: str, **kw: Any) -> str:
    if case_id is None:
        return url_for(f"metrics.org_{endpoint}", **kw)
    return url_for(f"metrics.case_{endpoint}", case_id=case_id, **kw)


def _may(case_id: int | None) -> bool:
    try:
        metrics.require_may_enter(_user(), case_id)
    except DomainError:
        return False
    return True


def _page(
    case_id: int | None,
    *,
    month: str | None = None,
    cells: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
    upload_errors: list[str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    points = metrics.series(case_id)
    names = list(dict.fromkeys([*STANDARD, *(p.name for p in points)]))
    by_month: dict[str, dict[str, float]] = {}
    units: dict[str, str] = {n: STANDARD[n][1] for n in STANDARD}
    for p in points:
        by_month.setdefault(p.month, {})[p.name] = p.value
        units[p.name] = p.unit
    month = month or (max(by_month) if by_month else metrics.months_for(case_id)[0])
    if cells is None:
        cells = {f"{n}.unit": units.get(n, "") for n in names}
        cells.update({f"{n}.value": f"{v:g}" for n, v in by_month.get(month, {}).items()})
    errors: dict[str, list[str]] = {}
    for problem in problems or []:
        errors.setdefault(f"{problem.where}.{problem.field}", []).append(problem.message)
    return render_template(
        "actuals/metrics.html",
        case=_case(case_id),
        tab="metrics",
        here=lambda endpoint, **kw: _here(case_id, endpoint, **kw),
        names=names,
        label=label,
        by_month=by_month,
        units=units,
        month=month,
        cells=cells,
        errors=errors,
        problems=problems or [],
        upload_errors=upload_errors or [],
        may_enter=_may(case_id),
        form=MonthForm(),
        upload_form=UploadForm(),
    ), status


def _save_month(case_id: int | None) -> ResponseReturnValue:
    metrics.require_may_enter(_user(), case_id)
    form = MonthForm()
    month = (request.form.get("month") or "").strip()
    cells = {k: v for k, v in request.form.items() if "." in k}
    if not form.validate_on_submit():
        problem = Problem("", "", "The form expired; nothing was saved. Enter it again.")
        return _page(case_id, month=month, cells=cells, problems=[problem], status=400)
    if bad := month_problem(month, metrics.months_for(case_id)):
        problem = Problem("month", "", bad)
        return _page(case_id, cells=cells, problems=[problem], status=400)
    names = [k[: -len(".value")] for k in cells if k.endswith(".value") and k != "new.value"]
    rows = [
        RawMetric(n, month, n, cells.get(f"{n}.unit"), cells[f"{n}.value"])
        for n in names
        if cells[f"{n}.value"].strip()
    ]
    if (cells.get("new.name") or "").strip() or (cells.get("new.value") or "").strip():
        rows.append(
            RawMetric(
                "new",
                month,
                (cells.get("new.name") or "").strip(),
                cells.get("new.unit"),
                cells.get("new.value") or "",
            )
        )
    entries, problems = check(rows, metrics.months_for(case_id))
    if problems:
        return _page(case_id, month=month, cells=cells, problems=problems, status=400)
    changes = metrics.save(_user(), case_id, entries)
    flash(f"Metrics for {month} saved: {len(changes)} value(s) changed.", "success")
    return redirect(_here(case_id, "page", month=month))


def _template(case_id: int | None, month: str) -> Response:
    if month_problem(month, metrics.months_for(case_id)):
        raise NotFound(f"{month[:7]} is not a month these metrics take.")
    text = template_csv(month, metrics.series(case_id))
    scope = "organisation" if case_id is None else f"case-{case_id}"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{scope}-metrics-{month}.csv"'},
    )


def _upload(case_id: int | None) -> ResponseReturnValue:
    metrics.require_may_enter(_user(), case_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(case_id, upload_errors=["The form expired; upload it again."], status=400)
    file = request.files.get("csv_file")
    data = file.read(MAX_CSV_BYTES + 1) if file else b""
    if not data or len(data) > MAX_CSV_BYTES:
        message = "Choose a CSV file of metrics" if not data else "The file is too large"
        return _page(case_id, upload_errors=[message + "."], status=400)
    try:
        months, changes = metrics.import_csv(_user(), case_id, data, commit=False)
    except metrics.MetricsRejected as exc:
        return _page(case_id, upload_errors=[str(p) for p in exc.problems], status=400)
    return render_template(
        "actuals/metrics_preview.html",
        case=_case(case_id),
        tab="metrics",
        commit_url=_here(case_id, "commit"),
        back_url=_here(case_id, "page"),
        months=months,
        changes=changes,
        label=label,
        form=ConfirmForm(payload=base64.b64encode(data).decode("ascii")),
    )


def _commit(case_id: int | None) -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(case_id, upload_errors=["The form expired; upload it again."], status=400)
    try:
        data = base64.b64decode(form.payload.data or "", validate=True)
        months, changes = metrics.import_csv(_user(), case_id, data)
    except (binascii.Error, ValueError):
        return _page(case_id, upload_errors=["The preview was damaged; upload again."], status=400)
    except metrics.MetricsRejected as exc:
        return _page(case_id, upload_errors=[str(p) for p in exc.problems], status=400)
    flash(f"Metrics for {', '.join(months)} saved: {len(changes)} value(s) changed.", "success")
    return redirect(_here(case_id, "page"))


# -- routes: the organisation's, and a case's ---------------------------------------------


@bp.route("/metrics", methods=["GET", "POST"])
@login_required
def org_page() -> ResponseReturnValue:
    if request.method == "POST":
        return _save_month(None)
    return _page(None, month=request.args.get("month"))


@bp.get("/metrics/<string:month>/template.csv")
@login_required
def org_template(month: str) -> Response:
    return _template(None, month)


@bp.post("/metrics/upload")
@login_required
def org_upload() -> ResponseReturnValue:
    return _upload(None)


@bp.post("/metrics/commit")
@login_required
def org_commit() -> ResponseReturnValue:
    return _commit(None)


@bp.route("/cases/<int:case_id>/metrics", methods=["GET", "POST"])
@login_required
def case_page(case_id: int) -> ResponseReturnValue:
    get_case(case_id)
    if request.method == "POST":
        return _save_month(case_id)
    return _page(case_id, month=request.args.get("month"))


@bp.get("/cases/<int:case_id>/metrics/<string:month>/template.csv")
@login_required
def case_template(case_id: int, month: str) -> Response:
    get_case(case_id)
    return _template(case_id, month)


@bp.post("/cases/<int:case_id>/metrics/upload")
@login_required
def case_upload(case_id: int) -> ResponseReturnValue:
    get_case(case_id)
    return _upload(case_id)


@bp.post("/cases/<int:case_id>/metrics/commit")
@login_required
def case_commit(case_id: int) -> ResponseReturnValue:
    get_case(case_id)
    return _commit(case_id)
