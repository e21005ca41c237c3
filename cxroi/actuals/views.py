"""Pages for actuals: the month list, the month grid, the CSV template, upload and preview.

Thin: the grid and the CSV are checked by :mod:`cxroi.casework.actuals`, saved by
:mod:`.services`. An upload is checked and shown as a preview (what would change);
the confirm button sends the same file's text back, checked again before it is saved.
"""

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

from cxroi.actuals import services
from cxroi.cases.services import get_case
from cxroi.casework.actuals import (
    VALUE_FIELDS,
    Problem,
    RawRow,
    all_lines,
    case_months,
    check_rows,
    line_drivers,
    month_problem,
    template_csv,
)
from cxroi.engine.casefile import CostLine
from cxroi.errors import NotFound
from models import Case

bp = Blueprint("actuals", __name__, url_prefix="/cases")

#: The most bytes a CSV upload may have.
MAX_CSV_BYTES = 2_000_000


class GridForm(FlaskForm):
    """CSRF only: the cells are read by name (``<line_id>.<field>``)."""


class UploadForm(FlaskForm):
    csv_file = FileField("CSV file of actuals")


class ConfirmForm(FlaskForm):
    payload = HiddenField()


def _user() -> Any:
    return current_user._get_current_object()


def _month_or_404(case: Case, month: str) -> None:
    if month_problem(case.doc, month):
        raise NotFound(
            f"{month[:7]} is not a month of this case: its months are "
            f"{case_months(case.doc)[0]} to {case_months(case.doc)[-1]}."
        )


def _grid_lines(case: Case, allowed: set[str]) -> list[dict[str, Any]]:
    out = []
    for line in all_lines(case.doc):
        is_cost = isinstance(line, CostLine)
        fields = ("cost",) if is_cost else ("benefit", *line_drivers(line))
        out.append({"line": line, "fields": fields, "editable": line.id in allowed})
    return out


@bp.get("/<int:case_id>/actuals")
@login_required
def index(case_id: int) -> ResponseReturnValue:
    case = get_case(case_id)
    return _index_page(case, [], 200)


def _index_page(case: Case, upload_errors: list[str], status: int) -> ResponseReturnValue:
    counts: dict[str, int] = {}
    for e in services.entries_of(case.id):
        counts[e.month] = counts.get(e.month, 0) + 1
    return render_template(
        "actuals/index.html",
        case=case,
        tab="actuals",
        months=case_months(case.doc),
        counts=counts,
        may_enter=services.may_enter(_user(), case),
        upload_form=UploadForm(),
        upload_errors=upload_errors,
    ), status


@bp.get("/<int:case_id>/actuals/<month>/template.csv")
@login_required
def template(case_id: int, month: str) -> Response:
    case = get_case(case_id)
    _month_or_404(case, month)
    text = template_csv(case.doc, month, services.entries_of(case_id, [month]))
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}-actuals-{month}.csv"'
        },
    )


@bp.route("/<int:case_id>/actuals/<month>", methods=["GET", "POST"])
@login_required
def grid(case_id: int, month: str) -> ResponseReturnValue:
    case = get_case(case_id)
    _month_or_404(case, month)
    me = _user()
    form = GridForm()
    allowed = services.require_may_enter(me, case) if request.method == "POST" else set()
    if request.method == "GET" and services.may_enter(me, case):
        allowed = services.lines_for(me, case)
    stored = {e.line_id: e.values() for e in services.entries_of(case_id, [month])}
    lines = _grid_lines(case, allowed)
    cells: dict[str, str] = {
        f"{line_id}.{name}": _shown(value)
        for line_id, values in stored.items()
        for name, value in values.items()
    }
    errors: dict[str, list[str]] = {}
    problems: list[Problem] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            problems = [Problem("", "", "The form expired; nothing was saved. Enter it again.")]
            status = 400
        else:
            rows = []
            for item in lines:
                if not item["editable"]:
                    continue
                line = item["line"]
                values = {
                    name: request.form.get(f"{line.id}.{name}", "") for name in item["fields"]
                }
                cells.update({f"{line.id}.{k}": v for k, v in values.items()})
                rows.append(RawRow(line.id, month, line.id, values))
            entries, problems = check_rows(case.doc, rows)
            if not problems:
                saved = services.replace_months(me, case_id, entries, [month])
                flash(
                    f"Actuals for {month} saved: {saved.changed} value"
                    f"{'s' if saved.changed != 1 else ''} changed.",
                    "success",
                )
                return redirect(url_for("actuals.grid", case_id=case_id, month=month))
            status = 400
            for p in problems:
                errors.setdefault(f"{p.where}.{p.field}", []).append(p.message)
    return render_template(
        "actuals/grid.html",
        case=case,
        tab="actuals",
        month=month,
        form=form,
        lines=lines,
        cells=cells,
        errors=errors,
        problems=problems,
        value_fields=VALUE_FIELDS,
    ), status


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


@bp.post("/<int:case_id>/actuals/upload")
@login_required
def upload(case_id: int) -> ResponseReturnValue:
    """Check an uploaded CSV and show what it would change (nothing is saved)."""
    case = get_case(case_id)
    me = _user()
    services.require_may_enter(me, case)
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_failed(case, ["The form expired; nothing was saved. Upload it again."])
    file = request.files.get("csv_file")
    data = file.read(MAX_CSV_BYTES + 1) if file else b""
    if not data:
        return _upload_failed(case, ["Choose a CSV file of actuals to upload."])
    if len(data) > MAX_CSV_BYTES:
        return _upload_failed(case, [f"The file is larger than {MAX_CSV_BYTES:,} bytes."])
    try:
        preview = services.import_csv(me, case_id, data, commit=False)
    except services.ActualsRejected as exc:
        return _upload_failed(case, [str(p) for p in exc.problems])
    confirm = ConfirmForm(payload=base64.b64encode(data).decode("ascii"))
    return render_template(
        "actuals/preview.html", case=case, tab="actuals", preview=preview, form=confirm
    )


@bp.post("/<int:case_id>/actuals/commit")
@login_required
def commit(case_id: int) -> ResponseReturnValue:
    """Save the previewed file (checked again: the case or the stored actuals may have moved)."""
    case = get_case(case_id)
    me = _user()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _upload_failed(case, ["The form expired; nothing was saved. Upload it again."])
    try:
        data = base64.b64decode(form.payload.data or "", validate=True)
    except (binascii.Error, ValueError):
        return _upload_failed(case, ["The preview was damaged; upload the file again."])
    try:
        saved = services.import_csv(me, case_id, data)
    except services.ActualsRejected as exc:
        return _upload_failed(case, [str(p) for p in exc.problems])
    flash(
        f"Actuals for {', '.join(saved.months)} saved: {saved.changed} value"
        f"{'s' if saved.changed != 1 else ''} changed.",
        "success",
    )
    return redirect(url_for("actuals.index", case_id=case_id))


def _upload_failed(case: Case, messages: list[str]) -> ResponseReturnValue:
    return _index_page(case, messages, 400)
