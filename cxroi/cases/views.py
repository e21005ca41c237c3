"""Pages of a case: create, details, inputs overview, results, import and export.

Views are thin: a form parses, a service changes, a template renders. The parts
(assumptions, lines, scenarios) have their pages in :mod:`cxroi.cases.parts_views`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from cxroi import formatting, orgsettings, simulations
from cxroi.approvals.errors import InputError
from cxroi.cases import archive as archive_service
from cxroi.cases import casefiles, permissions, presenters, results_cache, services, starters
from cxroi.cases.forms import (
    CURRENCIES,
    ArchiveForm,
    CaseForm,
    CloneForm,
    DeleteForm,
    EditForm,
    ImportForm,
    StarterForm,
    WorkbookApplyForm,
    WorkbookUploadForm,
)
from cxroi.engine import KINDS
from cxroi.errors import StaleEdit
from cxroi.formatting import money, months
from cxroi.workbook import readback
from cxroi.workbooks import case_workbook
from models import Case

bp = Blueprint("cases", __name__, url_prefix="/cases")


def user() -> Any:
    return current_user._get_current_object()


Snapshot = tuple[float | None, float | None]


def snapshot(case: Case) -> Snapshot:
    """The headline figures before a change: (NPV, payback months)."""
    return case.npv, case.payback_months


def saved_message(what: str, case: Case, before: Snapshot, verb: str = "saved") -> str:
    """Tell the user what the change did to NPV and payback."""
    npv_now, npv_was = money(case.npv, case.currency), money(before[0], case.currency)
    pay_now, pay_was = months(case.payback_months), months(before[1])
    parts = [f"NPV {npv_now}" if npv_now == npv_was else f"NPV is now {npv_now} (was {npv_was})"]
    if pay_now != pay_was:
        parts.append(f"payback {pay_now} (was {pay_was})")
    return f"{what} {verb}. " + "; ".join(parts) + "."


def run_form(
    form: EditForm, save: Callable[[], Case], what: str, before: Snapshot
) -> tuple[ResponseReturnValue | None, int, list[str], str | None]:
    """Validate, save, and sort any failure into field errors, summary errors or a conflict.

    Returns ``(redirect or None, status, summary errors, conflict message)``.
    """
    if not form.validate_on_submit():
        return None, (400 if request.method == "POST" else 200), [], None
    try:
        case = save()
    except services.CaseInvalid as exc:
        return None, 400, form.add_errors(exc.field_errors) + exc.other_errors, None
    except StaleEdit as exc:
        return None, 409, [], exc.message
    flash(saved_message(what, case, before), "success")
    return redirect(url_for("cases.inputs", case_id=case.id)), 200, [], None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    permissions.require_create(user())
    form = CaseForm()
    if request.method == "GET":
        form.currency.data = "GBP"
        form.horizon_months.data = "36"
    form.discount_rate.data = presenters.percent_text(orgsettings.default_discount_rate())
    if form.validate_on_submit():
        notices: list[str] = []
        try:
            case = services.create_case(user(), form.header(), notices=notices)
        except services.CaseInvalid as exc:
            errors = form.add_errors(exc.field_errors) + exc.other_errors
        else:
            flash("Case created. Now add its assumptions, costs and benefits.", "success")
            for notice in notices:
                flash(notice, "info")
            return redirect(url_for("cases.inputs", case_id=case.id))
        return _new_page(form, errors), 400
    return _new_page(form, []), 400 if request.method == "POST" else 200


def _new_page(form: CaseForm, errors: list[str], starter_error: str | None = None) -> str:
    return render_template(
        "cases/case_form.html",
        form=form,
        errors=errors,
        case=None,
        currencies=CURRENCIES,
        starters=starters.STARTERS,
        starter_form=StarterForm(),
        starter_error=starter_error,
    )


@bp.post("/new/template")
@login_required
def from_template() -> ResponseReturnValue:
    """A new draft from one of the case templates."""
    permissions.require_create(user())
    form = StarterForm()
    slug = form.starter.data if form.validate_on_submit() else None
    if slug not in starters.BY_SLUG:
        problem = (
            "; ".join(form.starter.errors)
            if form.starter.errors
            else ("Your session expired: try again." if form.errors else "")
        ) or "There is no such template: choose one of those listed."
        page = CaseForm(formdata=None)
        page.currency.data, page.horizon_months.data = "GBP", "36"
        page.discount_rate.data = presenters.percent_text(orgsettings.default_discount_rate())
        return _new_page(page, [], f"Template (starter): {problem}"), 400
    notices: list[str] = []
    case = casefiles.create_from_starter(user(), str(slug), notices=notices)
    flash(
        f'Started "{case.title}" from the template {starters.BY_SLUG[str(slug)].name}. Every '
        "number is the template's example: replace each with your own, with its source.",
        "success",
    )
    for notice in notices:
        flash(notice, "info")
    return redirect(url_for("cases.inputs", case_id=case.id))


@bp.post("/<int:case_id>/clone")
@login_required
def clone(case_id: int) -> ResponseReturnValue:
    """A new draft you own, with this case's content as it stands."""
    me = user()
    permissions.require_create(me)
    form = CloneForm()
    if not form.validate_on_submit():
        flash("Your session expired before the copy was made: try again.", "error")
        return redirect(url_for("cases.show", case_id=case_id)), 303
    notices: list[str] = []
    copy = casefiles.clone_case(me, case_id, notices=notices)
    flash(
        f'Copied as "{copy.title}", a new draft you own. Reviews, comments, versions, '
        "approvals and actuals stay with the original.",
        "success",
    )
    for notice in notices:
        flash(notice, "info")
    return redirect(url_for("cases.inputs", case_id=copy.id))


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int) -> ResponseReturnValue:
    case = services.get_case(case_id)
    me = user()
    permissions.require_edit_any(me, case)
    form = CaseForm(obj=case) if request.method == "GET" else CaseForm()
    form.use_rate_sources(case.assumptions)
    if request.method == "GET":
        form.lock_version.data = str(case.lock_version)
        form.discount_rate.data = presenters.percent_text(case.discount_rate)
        form.discount_rate_source.data = case.doc.discount_rate_key or ""
        inflation = case.inflation_rate
        form.inflation_rate.data = presenters.percent_text(inflation) if inflation else ""
        trials = case.doc.monte_carlo_trials
        form.monte_carlo_trials.data = "" if trials is None else str(trials)
    redirect_to, status, errors, conflict = run_form(
        form,
        lambda: services.update_case(me, case_id, form.lock() or 0, form.header()),
        "Details",
        snapshot(case),
    )
    if redirect_to:
        return redirect_to
    return render_template(
        "cases/case_form.html",
        form=form,
        errors=errors,
        conflict=conflict,
        case=case,
        currencies=CURRENCIES,
        can_edit_details=permissions.can_edit_case(me, case),
        can_edit_rate=permissions.can_edit_discount_rate(me, case),
    ), status


@bp.get("/<int:case_id>")
@login_required
def show(case_id: int) -> ResponseReturnValue:
    found = results_cache.load(case_id)
    if found is None:
        services.get_case(case_id)  # its "no such case" page
        raise AssertionError("unreachable: get_case found a case load() did not")
    case, stored = found
    sim = simulations.state(case)
    view = presenters.results_view(case, sim.monte_carlo, stored.view)
    return render_template(
        "cases/results.html",
        case=case,
        view=view,
        stored_html=stored.html,
        sim=sim,
        tab="results",
    )


@bp.get("/<int:case_id>/inputs")
@login_required
def inputs(case_id: int) -> ResponseReturnValue:
    case = services.get_case(case_id)
    me = user()
    delete_form = DeleteForm()
    delete_form.lock_version.data = str(case.lock_version)
    return render_template(
        "cases/inputs.html",
        case=case,
        tab="inputs",
        delete_form=delete_form,
        can_edit=permissions.can_edit_case(me, case),
        can_edit_any=permissions.can_edit_anything(me, case),
        can_edit_assumption=lambda row: permissions.can_edit_assumption(me, case, row),
        uses=presenters.assumption_uses(case),
        params=presenters.line_params,
        kinds=KINDS,
    )


@bp.get("/<int:case_id>/export.json")
@login_required
def export(case_id: int) -> ResponseReturnValue:
    filename, text = casefiles.export_case(services.get_case(case_id))
    return Response(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<int:case_id>/workbook.xlsx")
@login_required
def workbook(case_id: int) -> ResponseReturnValue:
    data, filename = case_workbook(services.get_case(case_id))
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- an edited workbook, read back ----------------------------------------------------

_CELL = re.compile(r"^[A-Z]{1,3}[0-9]{1,7}$")
MAX_CHANGES = 2_000


def _shown(cell: readback.InputCell, value: float) -> str:
    return formatting.pct(value, 2) if cell.percent else formatting.figure(value)


def _upload_page(
    case: Case, message: str | None = None, problems: Any = (), status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "cases/workbook_upload.html",
        case=case,
        form=WorkbookUploadForm(formdata=None),
        message=message,
        problems=list(problems),
        tab="inputs",
    )
    return page, status


@bp.route("/<int:case_id>/workbook/upload", methods=["GET", "POST"])
@login_required
def workbook_upload(case_id: int) -> ResponseReturnValue:
    """Upload a workbook edited in Excel; see what it changes before applying it."""
    me = user()
    case = services.get_case(case_id)
    permissions.require_edit_any(me, case)
    if request.method == "GET":
        return _upload_page(case)
    form = WorkbookUploadForm()
    upload = form.workbook.data if form.validate_on_submit() else None
    data = upload.read(readback.MAX_BYTES + 1) if upload else b""
    if not data:
        return _upload_page(case, "Edited workbook (workbook): choose the file to upload.", (), 400)
    try:
        case, changes = casefiles.workbook_changes(me, case_id, data)
    except readback.WorkbookUnreadable as exc:
        message = "The workbook could not be read back. Nothing was saved."
        return _upload_page(case, message, exc.problems, 400)
    except casefiles.WorkbookStale as exc:
        return _upload_page(case, exc.message, (), 409)
    apply_form = WorkbookApplyForm(formdata=None)
    apply_form.base_hash.data = case.case_hash
    apply_form.changes.data = json.dumps({c.cell.ref: c.new for c in changes})
    rows = [(c.cell, _shown(c.cell, c.cell.value), _shown(c.cell, c.new)) for c in changes]
    return render_template(
        "cases/workbook_preview.html", case=case, rows=rows, form=apply_form, tab="inputs"
    )


def _posted_changes(text: str) -> dict[str, float] | None:
    """The posted ``{cell: number}`` map, or None when it is not one."""
    try:
        values = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(values, dict) or not 0 < len(values) <= MAX_CHANGES:
        return None
    out: dict[str, float] = {}
    for ref, value in values.items():
        if not _CELL.match(ref) or isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if not math.isfinite(float(value)):
            return None
        out[ref] = float(value)
    return out


@bp.post("/<int:case_id>/workbook/apply")
@login_required
def workbook_apply(case_id: int) -> ResponseReturnValue:
    """Apply the previewed changes as one audited edit."""
    me = user()
    case = services.get_case(case_id)
    permissions.require_edit_any(me, case)
    form = WorkbookApplyForm()
    values = _posted_changes(form.changes.data or "") if form.validate_on_submit() else None
    if values is None:
        message = "Changes (changes): the list of changes is missing or not one this page sent."
        return _upload_page(case, message + " Upload the workbook again.", (), 400)
    npv_before = case.npv
    try:
        case = casefiles.apply_workbook_changes(me, case_id, form.base_hash.data or "", values)
    except casefiles.WorkbookStale as exc:
        return _upload_page(case, exc.message, (), 409)
    except services.CaseInvalid as exc:
        cells = {c.document_path: c.where for c in readback.input_cells(case.doc)}
        problems = [(cells.get(i.path, i.path or "case"), i.message) for i in exc.issues]
        message = "The workbook's values break a rule of the case. Nothing was saved."
        return _upload_page(case, message, problems, 400)
    flash(
        f"Applied {len(values)} change{'s' if len(values) != 1 else ''} from the workbook "
        f"as one edit: NPV {money(case.npv, case.currency)}, was "
        f"{money(npv_before, case.currency)}.",
        "success",
    )
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_case() -> ResponseReturnValue:
    permissions.require_create(user())
    form = ImportForm()
    issues: list[Any] = []
    message = None
    if form.validate_on_submit():
        upload = form.case_file.data
        data = upload.read(2_000_001) if upload else b""
        if not data:
            message = "Choose a case file to import."
        elif len(data) > 2_000_000:
            message = "The file is larger than 2 MB; a case file is much smaller."
        else:
            notices: list[str] = []
            try:
                case = casefiles.import_case(user(), data, notices=notices)
            except services.ImportInvalid as exc:
                issues = exc.issues
                message = (
                    f"The file is not a valid case file: {len(issues)} "
                    f"problem{'s' if len(issues) != 1 else ''}. Nothing was imported."
                )
            else:
                flash(f'Imported "{case.title}" as a new draft.', "success")
                for notice in notices:
                    flash(notice, "info")
                return redirect(url_for("cases.show", case_id=case.id))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/import.html", form=form, issues=issues, message=message), status


# -- archive and restore -----------------------------------------------------------------


@bp.route("/<int:case_id>/archive", methods=["GET", "POST"])
@login_required
def archive(case_id: int) -> ResponseReturnValue:
    """Confirm, with a reason, that the case is archived (a page: keyboard, no script)."""
    case = services.get_case(case_id)
    me = user()
    permissions.require_archive(me, case)
    if case.archived:
        flash(permissions.archived_notice(case), "info")
        return redirect(url_for("cases.show", case_id=case.id)), 303
    form = ArchiveForm()
    if request.method == "GET":
        form.lock_version.data = str(case.lock_version)
        return render_template("cases/archive.html", case=case, form=form, tab="")
    if form.validate_on_submit():
        try:
            archived = archive_service.archive_case(me, case_id, form.reason.data, form.lock())
        except InputError as exc:
            form.reason.errors = [exc.message]
        except StaleEdit as exc:
            return render_template(
                "cases/archive.html", case=case, form=form, tab="", conflict=exc.message
            ), 409
        else:
            flash(
                f"“{archived.title}” is archived: the portfolio no longer lists or counts it "
                "(its Archived filter shows it), and it is read-only until restored.",
                "success",
            )
            return redirect(url_for("portfolio.index")), 303
    return render_template("cases/archive.html", case=case, form=form, tab=""), 400


@bp.post("/<int:case_id>/restore")
@login_required
def restore(case_id: int) -> ResponseReturnValue:
    """Restore an archived case as it was (its state, versions and links unchanged)."""
    case = services.get_case(case_id)
    permissions.require_archive(user(), case)
    form = ArchiveForm()
    if not form.validate_on_submit():
        flash("The form had expired: nothing was restored. Please try again.", "error")
        return redirect(url_for("cases.show", case_id=case_id)), 303
    try:
        restored = archive_service.restore_case(user(), case_id, form.reason.data, form.lock())
    except InputError as exc:
        flash(f"Nothing was restored: {exc.message}", "error")
        return redirect(url_for("cases.show", case_id=case_id)), 303
    flash(
        f"“{restored.title}” is restored: the portfolio lists and counts it again "
        f"({restored.status_label.lower()}).",
        "success",
    )
    return redirect(url_for("cases.show", case_id=case_id)), 303


from cxroi.cases import grid, parts_views  # noqa: E402,F401  (routes on the same blueprint)
