"""The assumption grid: every assumption of a case as one editable table (issue 14, item 6).

Each row takes the same fields, with the same rules, as the one-assumption form (its
unbound fields are shared, never copied). A save is one edit through the case's
pipeline: rows with an id replace their assumption (keeping its confidence and notes),
rows without one are added, an emptied row removes its assumption (refused while a
line or scenario uses it), and who may change what is decided as for any edit. A
check (``/grid/check``) runs the same edit without saving and prices the result, so the
page shows each cell's problem and the case's NPV and payback as the user types.
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from wtforms import FieldList, Form, FormField, HiddenField

from cxroi import casework
from cxroi.cases import permissions, services
from cxroi.cases.forms import AssumptionForm, EditForm
from cxroi.cases.views import bp, user
from cxroi.engine import CaseValidationError, analyse, load_case
from cxroi.errors import StaleEdit
from cxroi.formatting import money, months
from models import Case

#: The grid's columns: the one-assumption form's fields of the same names.
COLUMNS = ("key", "label", "value", "unit", "low", "high", "source", "owner")
MAX_ROWS = 300  # the case format's limit on assumptions
BLANK_ROWS = 3


class AssumptionRow(Form):
    id = HiddenField()


# The grid's columns, and the rest of the form's fields so that its ``values`` reads them
# (their values are kept from the stored assumption: see _edit).
for _name in (*COLUMNS, "confidence", "notes"):
    setattr(AssumptionRow, _name, getattr(AssumptionForm, _name))


class GridForm(EditForm):
    """The case's lock (read as every edit form reads it) and one row per assumption."""

    rows = FieldList(FormField(AssumptionRow), min_entries=0, max_entries=MAX_ROWS)


def _is_blank(row: Any) -> bool:
    return not any((row[name].data or "").strip() for name in COLUMNS)


def _row_values(row: Any) -> dict[str, Any]:
    values = AssumptionForm.values(row.form)  # the one form's mapping of fields to the document
    return {k: v for k, v in values.items() if k in COLUMNS}


def _edit(form: GridForm) -> Any:
    """The document edit the posted grid asks for."""

    def edit(doc: dict[str, Any], retired: frozenset[str]) -> dict[str, Any]:
        out = doc
        kept = {row["id"].data for row in form.rows if row["id"].data and not _is_blank(row)}
        for item in doc.get("assumptions", []):
            if item["id"] not in kept:
                out = casework.remove_item(out, "assumptions", item["id"])
        for row in form.rows:
            if _is_blank(row):
                continue
            row_id = row["id"].data
            if row_id:
                _, old = casework.find_item(out, "assumptions", row_id)
                out = casework.replace_item(out, "assumptions", row_id, {**old, **_row_values(row)})
            else:
                out, _ = casework.add_item(out, "assumptions", _row_values(row), retired)
        return out

    return edit


def _row_errors(form: GridForm) -> dict[str, str]:
    """Field name -> message, for every cell whose own rule fails (blank rows skipped)."""
    errors: dict[str, str] = {}
    for row in form.rows:
        if _is_blank(row):
            continue
        for name in COLUMNS:
            field = row[name]
            if not field.validate(row.form):
                errors[field.name] = field.errors[0]
    return errors


def _cell_of_issue(form: GridForm, case: Case, path: str) -> str | None:
    """The grid cell an engine issue (``assumptions[3].value``) is about, if any."""
    if not path.startswith("assumptions["):
        return None
    try:
        index = int(path[len("assumptions[") : path.index("]")])
    except ValueError:
        return None
    field = path.split(".", 1)[1] if "." in path else "key"
    rows = [row for row in form.rows if not _is_blank(row)]
    kept = {row["id"].data for row in rows if row["id"].data}
    order = [row for a in case.assumptions for row in rows if row["id"].data == a.id]
    order += [row for row in rows if not row["id"].data or row["id"].data not in kept]
    if index >= len(order) or field not in COLUMNS:
        return None
    return str(order[index][field].name)


def _page(
    case: Case, form: GridForm, errors: dict[str, str], message: str | None, status: int
) -> tuple[str, int]:
    me = user()
    editable = {a.id: permissions.can_edit_assumption(me, case, a) for a in case.assumptions}
    return render_template(
        "cases/grid.html",
        case=case,
        form=form,
        columns=COLUMNS,
        labels={name: getattr(AssumptionForm, name).args[0] for name in COLUMNS},
        errors=errors,
        message=message,
        editable=editable,
        npv=money(case.npv, case.currency),
        payback=months(case.payback_months),
        tab="inputs",
    ), status


def _filled(case: Case) -> GridForm:
    form = GridForm(formdata=None)
    form.lock_version.data = str(case.lock_version)
    for a in case.assumptions:
        form.rows.append_entry({"id": a.id, **{name: getattr(a, name) for name in COLUMNS}})
    for _ in range(BLANK_ROWS):
        form.rows.append_entry({})
    return form


@bp.get("/<int:case_id>/grid")
@login_required
def grid(case_id: int) -> ResponseReturnValue:
    case = services.get_case(case_id)
    permissions.require_edit(user(), case)
    return _page(case, _filled(case), {}, None, 200)


@bp.post("/<int:case_id>/grid")
@login_required
def save_grid(case_id: int) -> ResponseReturnValue:
    case = services.get_case(case_id)
    me = user()
    permissions.require_edit(me, case)
    form = GridForm()
    if len(form.rows.entries) > MAX_ROWS:
        message = f"Rows (rows): a case has at most {MAX_ROWS} assumptions. Nothing was saved."
        return _page(case, _filled(case), {}, message, 400)
    if errors := _row_errors(form):
        message = "Some cells need attention: each says what is wrong. Nothing was saved."
        return _page(case, form, errors, message, 400)
    try:
        saved = services.apply_edit(me, case_id, form.lock(), _edit(form))
    except StaleEdit as exc:
        return _page(case, form, {}, exc.message, 409)
    except services.PartInUse as exc:
        return _page(case, form, {}, str(exc), 409)
    except services.CaseInvalid as exc:
        cells = {_cell_of_issue(form, case, i.path): i.message for i in exc.issues}
        other = [
            f"{i.path}: {i.message}"
            for i in exc.issues
            if _cell_of_issue(form, case, i.path) is None
        ]
        cells.pop(None, None)
        message = "; ".join(other) or "Some cells break a rule of the case. Nothing was saved."
        return _page(case, form, {k: v for k, v in cells.items() if k}, message, 400)
    flash(
        f"Assumptions saved: NPV {money(saved.npv, saved.currency)}, "
        f"payback {months(saved.payback_months)}.",
        "success",
    )
    return redirect(url_for("cases.inputs", case_id=saved.id))


@bp.post("/<int:case_id>/grid/check")
@login_required
def check_grid(case_id: int) -> ResponseReturnValue:
    """The grid's problems and the NPV and payback it would give; nothing is saved."""
    case = services.get_case(case_id)
    me = user()
    permissions.require_edit(me, case)
    form = GridForm()
    if len(form.rows.entries) > MAX_ROWS:
        return jsonify({"errors": {}, "message": f"At most {MAX_ROWS} assumptions."}), 400
    errors = _row_errors(form)
    out: dict[str, Any] = {"errors": errors, "npv": None, "payback": None}
    if errors:
        return jsonify(out)
    try:
        doc = _edit(form)(services.document_of(case), services.retired_ids(case))
        result = analyse(load_case(doc), trials=0)
    except casework.AssumptionInUse as exc:
        out["message"] = str(exc)
        return jsonify(out)
    except CaseValidationError as exc:
        for issue in exc.issues:
            cell = _cell_of_issue(form, case, issue.path)
            if cell:
                errors[cell] = issue.message
            else:
                out.setdefault("message", f"{issue.path}: {issue.message}")
        return jsonify(out)
    out["npv"] = money(result.metrics.npv, case.currency)
    out["payback"] = months(result.metrics.payback_months)
    return jsonify(out)
