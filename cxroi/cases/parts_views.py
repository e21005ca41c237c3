"""Pages to add, edit and delete assumptions, cost lines, benefit lines and scenarios."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from cxroi.cases import parts, permissions, services
from cxroi.cases.dynamic_forms import benefit_form_class, scenario_form_class
from cxroi.cases.forms import (
    COST_CATEGORIES,
    DEPARTMENTS,
    AssumptionForm,
    CorrelationForm,
    CostForm,
    DeleteForm,
    EditForm,
    LineForm,
)
from cxroi.cases.views import bp, run_form, saved_message, snapshot, user
from cxroi.engine import KINDS
from cxroi.errors import StaleEdit
from models import Case


def _prefill(form: EditForm, case: Case, row: Any) -> None:
    """On GET: the row's values (params flattened into their fields) and the lock."""
    form.lock_version.data = str(case.lock_version)
    if row is None:
        return
    if isinstance(form, LineForm):
        form.prefill_register(getattr(row, "register", None))
    given = {**(getattr(row, "params", None) or {}), **(getattr(row, "choices", None) or {})}
    for name, value in given.items():
        field = getattr(form, name, None)
        if field is not None:
            field.process(None, value)


def _render(
    template: str, form: EditForm, case: Case, row: Any, status: int, **ctx: Any
) -> ResponseReturnValue:
    return render_template(
        template,
        form=form,
        case=case,
        row=row,
        keys=[a.key for a in case.assumptions],
        departments=DEPARTMENTS,
        categories=COST_CATEGORIES,
        **ctx,
    ), status


def _part_page(
    case_id: int,
    section: str,
    row_id: str | None,
    form_class: type[EditForm],
    save: Any,
    template: str,
    what: str,
    **ctx: Any,
) -> ResponseReturnValue:
    case = services.get_case(case_id)
    row = parts.find_part(case, section, row_id) if row_id is not None else None
    me = user()
    if section == "assumptions":
        permissions.require_edit_assumption(me, case, parts.find_assumption(case, row_id))
    else:
        permissions.require_edit(me, case)
    form = form_class(obj=row) if request.method == "GET" else form_class()
    if request.method == "GET":
        _prefill(form, case, row)
    if isinstance(form, LineForm):
        form.set_keys([a.key for a in case.assumptions])
    redirect_to, status, errors, conflict = run_form(
        form,
        lambda: save(me, case_id, form.lock() or 0, row_id, form.values()).case,  # type: ignore[attr-defined]
        what,
        snapshot(case),
    )
    if redirect_to:
        return redirect_to
    return _render(template, form, case, row, status, errors=errors, conflict=conflict, **ctx)


@bp.route("/<int:case_id>/assumptions/new", methods=["GET", "POST"])
@bp.route("/<int:case_id>/assumptions/<row_id>", methods=["GET", "POST"])
@login_required
def assumption(case_id: int, row_id: str | None = None) -> ResponseReturnValue:
    return _part_page(
        case_id,
        "assumptions",
        row_id,
        AssumptionForm,
        parts.save_assumption,
        "cases/assumption_form.html",
        "Assumption",
    )


@bp.route("/<int:case_id>/costs/new", methods=["GET", "POST"])
@bp.route("/<int:case_id>/costs/<row_id>", methods=["GET", "POST"])
@login_required
def cost(case_id: int, row_id: str | None = None) -> ResponseReturnValue:
    return _part_page(
        case_id, "costs", row_id, CostForm, parts.save_cost, "cases/cost_form.html", "Cost line"
    )


@bp.route("/<int:case_id>/benefits/new/<kind>", methods=["GET", "POST"])
@bp.route("/<int:case_id>/benefits/<row_id>", methods=["GET", "POST"])
@login_required
def benefit(
    case_id: int, row_id: str | None = None, kind: str | None = None
) -> ResponseReturnValue:
    if row_id is not None:
        kind = parts.find_benefit(services.get_case(case_id), row_id).kind
    if kind not in KINDS:
        abort(404)
    return _part_page(
        case_id,
        "benefits",
        row_id,
        benefit_form_class(kind),
        parts.save_benefit,
        "cases/benefit_form.html",
        "Benefit line",
        kind=kind,
        kind_text=(KINDS[kind].label, KINDS[kind].summary),
    )


@bp.route("/<int:case_id>/scenarios/new", methods=["GET", "POST"])
@bp.route("/<int:case_id>/scenarios/<row_id>", methods=["GET", "POST"])
@login_required
def scenario(case_id: int, row_id: str | None = None) -> ResponseReturnValue:
    case = services.get_case(case_id)
    form_class = scenario_form_class(list(case.assumptions))
    if request.method == "GET" and row_id is not None:
        row = parts.find_scenario(case, row_id)
        # overrides are shown in their own boxes
        data = {f"ov_{k}": v for k, v in row.overrides.items()}
        form = form_class(data=data, name=row.name)
        form.lock_version.data = str(case.lock_version)
        return _render("cases/scenario_form.html", form, case, row, 200, errors=[])
    return _part_page(
        case_id,
        "scenarios",
        row_id,
        form_class,
        parts.save_scenario,
        "cases/scenario_form.html",
        "Scenario",
    )


@bp.post("/<int:case_id>/<section>/<row_id>/delete")
@login_required
def delete(case_id: int, section: str, row_id: str) -> ResponseReturnValue:
    if section not in parts.PARTS:
        abort(404)
    return _remove(
        case_id,
        lambda lock: parts.delete_part(user(), case_id, lock or 0, section, row_id),
        url_for("cases.inputs", case_id=case_id) + f"#{section}",
    )


def _remove(case_id: int, remove: Callable[[int | None], str], back: str) -> ResponseReturnValue:
    """A remove button's POST: the confirmed form, the service call (``remove`` takes the
    lock version and names what it removed), the saved-or-refused message, and back."""
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    case = services.get_case(case_id)
    before = snapshot(case)
    try:
        what = remove(form.lock())
    except (parts.PartInUse, StaleEdit) as exc:
        flash(exc.message, "error")
    else:
        flash(saved_message(what[:1].upper() + what[1:], case, before, "deleted"), "success")
    return redirect(back)


@bp.route("/<int:case_id>/correlations", methods=["GET", "POST"])
@login_required
def correlations(case_id: int) -> ResponseReturnValue:
    """The case's rank correlations: the pairs, a remove button each, and an add form."""
    case = services.get_case(case_id)
    me = user()
    can_change = permissions.can_edit_anything(me, case)
    if request.method == "POST" and not can_change:
        permissions.require_edit(me, case)
    form = CorrelationForm()
    form.set_keys([(a.key, a.label) for a in case.assumptions if a.has_range])
    if request.method == "GET":
        form.lock_version.data = str(case.lock_version)
        errors: list[str] = []
        status = 200
        conflict = None
    else:
        redirect_to, status, errors, conflict = run_form(
            form,
            lambda: parts.add_correlation(me, case_id, form.lock(), form.values()),
            "Correlation",
            snapshot(case),
        )
        if redirect_to:
            return redirect(url_for("cases.correlations", case_id=case_id))
    delete_form = DeleteForm()
    delete_form.lock_version.data = str(case.lock_version)
    return render_template(
        "cases/correlations.html",
        case=case,
        form=form,
        delete_form=delete_form,
        errors=errors,
        conflict=conflict,
        can_change=can_change,
    ), status


@bp.post("/<int:case_id>/correlations/<int:index>/delete")
@login_required
def delete_correlation(case_id: int, index: int) -> ResponseReturnValue:
    return _remove(
        case_id,
        lambda lock: parts.remove_correlation(user(), case_id, lock, index),
        url_for("cases.correlations", case_id=case_id),
    )
