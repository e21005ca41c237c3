"""Administrators list users, add them, change their role or switch them off; keep the
approver directory; read the mail outbox (where mail goes without an SMTP server).
Finance or an administrator sets the organisation's defaults (the default discount rate)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from cxroi import formatting, mail, orgsettings
from cxroi.approvals import approvers
from cxroi.approvals.errors import InputError, PermissionDenied
from cxroi.approvals.forms import ApproverForm, StepForm
from cxroi.auth import services
from cxroi.auth.forms import NewUserForm, UserAccessForm
from cxroi.cases.fields import NumberField
from cxroi.cases.presenters import percent_text
from cxroi.formatting import pct
from cxroi.workflow import READ_OUTBOX, has_right, may_set_org_settings
from models._types import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users() -> ResponseReturnValue:
    people = services.list_users(current_user)  # raises PermissionDenied for non-admins
    form = NewUserForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data or "",
                form.role.data or "",
                form.password.data or "",
                name=form.name.data or "",
                actor=current_user,
            )
        except services.UserError as exc:
            error = exc.message
        else:
            flash(f"Account created for {user.email}.", "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors or error else 200
    return render_template(
        "admin/users.html", people=people, form=form, error=error, access_form=UserAccessForm
    ), status


@bp.route("/users/<int:user_id>", methods=["POST"])
@login_required
def update_user(user_id: int) -> ResponseReturnValue:
    services.require_admin(current_user)
    form = UserAccessForm()
    if form.validate_on_submit():
        try:
            user = services.set_role_and_active(
                current_user, user_id, form.role.data or "", bool(form.active.data)
            )
        except services.UserError as exc:
            flash(exc.message, "error")
        else:
            flash(f"{user.email}: saved.", "success")
    else:
        flash("The change could not be saved; please try again.", "error")
    return redirect(url_for("admin.users"))


# -- the organisation's settings (finance or an admin) -------------------------------------


class SettingsForm(FlaskForm):
    discount_rate = NumberField(
        "Default discount rate (% a year)",
        allow_percent=False,
        minimum=-99.99,
        description="Every new case created by a CX user (form, import or API) gets this "
        "rate. 10 means 10% a year.",
    )


class RagRulesForm(FlaskForm):
    amber_share = NumberField(
        "Amber below (% of planned benefit)", allow_percent=False, minimum=0, maximum=100
    )
    amber_months = NumberField("Amber after (months running)", integer=True, minimum=1, maximum=12)
    red_share = NumberField(
        "Red below (% of planned benefit)", allow_percent=False, minimum=0, maximum=100
    )
    red_months = NumberField("Red after (months running)", integer=True, minimum=1, maximum=12)


class ReportingCurrencyForm(FlaskForm):
    reporting_currency = SelectField(
        "Reporting currency",
        choices=[],
        validate_choice=False,  # the service names an unknown code (one rule, one message)
        description="Portfolio totals in other currencies are converted to this one.",
    )


class FxRateForm(FlaskForm):
    currency = SelectField("Currency", choices=[], validate_choice=False)
    rate = NumberField(
        "Rate (one unit in the reporting currency)",
        description="What one unit of the currency is worth in the reporting currency: "
        "0.86 means one unit buys 0.86 of the reporting currency.",
    )
    as_of = StringField("As of (YYYY-MM-DD)", description="The date the rate is quoted for.")


def _fx_forms(
    reporting: ReportingCurrencyForm | None = None, rate: FxRateForm | None = None
) -> dict[str, Any]:
    """The exchange-rate forms and table of the settings page."""
    fx = orgsettings.fx_rates()
    known = orgsettings.known_currencies()
    reporting = reporting or ReportingCurrencyForm(formdata=None)
    reporting.reporting_currency.choices = [(c, c) for c in known]
    if reporting.reporting_currency.data is None:
        reporting.reporting_currency.data = fx.reporting if fx else "GBP"
    rate = rate or FxRateForm(formdata=None)
    rate.currency.choices = [(c, c) for c in known if fx is None or c != fx.reporting]
    if rate.as_of.data is None:
        rate.as_of.data = utcnow().date().isoformat()
    return {"fx": fx, "reporting_form": reporting, "fx_form": rate}


def _settings_page(status: int, **forms: Any) -> ResponseReturnValue:
    return render_template(
        "admin/settings.html",
        form=forms.get("form") or _settings_form(),
        rag_form=forms.get("rag_form") or _rag_form(),
        **_fx_forms(forms.get("reporting_form"), forms.get("fx_form")),
    ), status


@bp.post("/settings/reporting-currency")
@login_required
def reporting_currency() -> ResponseReturnValue:
    """The currency portfolio totals are converted to (finance or an admin)."""
    if not may_set_org_settings(current_user.role):
        raise PermissionDenied("Only finance or an administrator sets the reporting currency.")
    form = ReportingCurrencyForm()
    if form.validate_on_submit():
        try:
            fx = orgsettings.set_reporting_currency(current_user, form.reporting_currency.data)
        except orgsettings.SettingInvalid as exc:
            form.reporting_currency.errors = [exc.message]
        else:
            flash(f"Portfolio totals are converted to {fx.reporting}.", "success")
            return redirect(url_for("admin.settings") + "#fx-h")
    return _settings_page(400, reporting_form=form)


@bp.post("/settings/fx-rates")
@login_required
def fx_rate() -> ResponseReturnValue:
    """Set one currency's rate to the reporting currency, as of a date (finance or an admin)."""
    if not may_set_org_settings(current_user.role):
        raise PermissionDenied("Only finance or an administrator sets exchange rates.")
    form = FxRateForm()
    if form.validate_on_submit():
        try:
            rate = orgsettings.set_fx_rate(
                current_user, form.currency.data, form.rate.number, form.as_of.data
            )
        except orgsettings.SettingInvalid as exc:
            field = getattr(form, exc.field, None)
            if field is None:  # no reporting currency yet: said beside its own form
                reporting = ReportingCurrencyForm(formdata=None)
                reporting.reporting_currency.errors = [exc.message]
                return _settings_page(400, reporting_form=reporting, fx_form=form)
            field.errors = [exc.message]
        else:
            fx = orgsettings.fx_rates()
            flash(
                f"{formatting.fx_rate(rate.rate, rate.currency, fx.reporting if fx else '')} "
                f"as of {formatting.day(rate.as_of)}.",
                "success",
            )
            return redirect(url_for("admin.settings") + "#fx-h")
    return _settings_page(400, fx_form=form)


def _rag_form() -> RagRulesForm:
    form = RagRulesForm(formdata=None)
    by_colour = {r.colour: r for r in orgsettings.rag_rules()}
    for colour in ("amber", "red"):
        rule = by_colour.get(colour)
        if rule is not None:
            getattr(form, f"{colour}_share").data = f"{rule.below_share * 100:g}"
            getattr(form, f"{colour}_months").data = str(rule.months_running)
    return form


@bp.post("/settings/status-rules")
@login_required
def status_rules() -> ResponseReturnValue:
    """When an approved case's realisation turns amber or red (finance or an admin)."""
    if not may_set_org_settings(current_user.role):
        raise PermissionDenied("Only finance or an administrator sets the status rules.")
    form = RagRulesForm()
    if form.validate_on_submit():
        try:
            orgsettings.set_rag_rules(
                current_user,
                ((form.amber_share.number or 0) / 100, int(form.amber_months.number or 0)),
                ((form.red_share.number or 0) / 100, int(form.red_months.number or 0)),
            )
        except orgsettings.SettingInvalid as exc:
            getattr(form, exc.field).errors = [exc.message]
        else:
            flash("The status rules are saved: every realisation page uses them now.", "success")
            return redirect(url_for("admin.settings"))
    return _settings_page(400, rag_form=form)


def _settings_form() -> SettingsForm:
    form = SettingsForm(formdata=None)
    form.discount_rate.data = percent_text(orgsettings.default_discount_rate())
    return form


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    if not may_set_org_settings(current_user.role):
        raise PermissionDenied("Only finance or an administrator sets the organisation's defaults.")
    form = SettingsForm()
    if request.method == "GET":
        form.discount_rate.data = percent_text(orgsettings.default_discount_rate())
    status = 200
    if form.validate_on_submit():
        rate = form.discount_rate.number
        try:
            orgsettings.set_default_discount_rate(current_user, round((rate or 0.0) / 100, 12))
        except orgsettings.SettingInvalid as exc:
            form.discount_rate.errors = [exc.message]
            status = 400
        else:
            flash(
                f"The default discount rate is now {pct(orgsettings.default_discount_rate())}.",
                "success",
            )
            return redirect(url_for("admin.settings"))
    elif request.method == "POST":
        status = 400
    return _settings_page(status, form=form)


# -- the approver directory ------------------------------------------------------------------


def _approvers_page(
    form: ApproverForm, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "admin/approvers.html",
        approvers=approvers.list_approvers(current_user),
        form=form,
        edit_form=ApproverForm,
        toggle_form=StepForm(),
        error=error,
    ), status


@bp.route("/approvers", methods=["GET", "POST"])
@login_required
def approver_directory() -> ResponseReturnValue:
    approvers.require_manager(current_user)
    form = ApproverForm()
    if request.method == "GET":
        return _approvers_page(form)
    if not form.validate_on_submit():
        return _approvers_page(form, status=400)
    try:
        added = approvers.add_approver(
            current_user,
            name=form.name.data or "",
            email=form.email.data or "",
            limit_amount=(form.limit_amount.data or "").replace(",", ""),
            currency=form.currency.data or "",
        )
    except InputError as exc:
        field = getattr(form, exc.field, None)
        if field is None:
            return _approvers_page(form, exc.message, 400)
        field.errors = [*field.errors, exc.message]
        return _approvers_page(form, status=400)
    flash(f"{added.address} added to the approver directory.", "success")
    return redirect(url_for("admin.approver_directory"))


@bp.post("/approvers/<int:approver_id>")
@login_required
def edit_approver(approver_id: int) -> ResponseReturnValue:
    approvers.require_manager(current_user)
    form = ApproverForm(prefix=f"a{approver_id}")
    if not form.validate_on_submit():
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("admin.approver_directory"))
    current = next((a for a in approvers.list_approvers(current_user) if a.id == approver_id), None)
    try:
        changed = approvers.update_approver(
            current_user,
            approver_id,
            name=form.name.data or "",
            limit_amount=(form.limit_amount.data or "").replace(",", ""),
            currency=form.currency.data or "",
            active=current.active if current is not None else False,
        )
    except InputError as exc:
        flash(exc.message, "error")
    else:
        flash(f"{changed.address}: saved.", "success")
    return redirect(url_for("admin.approver_directory"))


@bp.post("/approvers/<int:approver_id>/active")
@login_required
def switch_approver(approver_id: int) -> ResponseReturnValue:
    """Switch an approver off (their open links can no longer decide) or on again."""
    approvers.require_manager(current_user)
    form = StepForm()
    if not form.validate_on_submit():
        flash("The change could not be saved; please try again.", "error")
        return redirect(url_for("admin.approver_directory"))
    approver = next(
        (a for a in approvers.list_approvers(current_user) if a.id == approver_id), None
    )
    if approver is None:
        abort(404, description=f"There is no approver {approver_id}.")
    changed = approvers.update_approver(
        current_user,
        approver_id,
        name=approver.name,
        limit_amount=approver.limit_amount,
        currency=approver.currency,
        active=request.form.get("active") == "1",
    )
    state = "switched on" if changed.active else "switched off"
    flash(f"{changed.address}: {state}.", "success")
    return redirect(url_for("admin.approver_directory"))


# -- the outbox ------------------------------------------------------------------------------


def _require_outbox_reader() -> None:
    if not has_right(current_user.role, READ_OUTBOX):
        raise PermissionDenied("Only an administrator can read the outbox.")


@bp.get("/outbox")
@login_required
def outbox() -> ResponseReturnValue:
    _require_outbox_reader()
    return render_template(
        "admin/outbox.html",
        messages=mail.outbox(),
        folder=mail.outbox_dir(),
        uses_outbox=mail.uses_outbox(),
    )


@bp.get("/outbox/<name>")
@login_required
def outbox_message(name: str) -> ResponseReturnValue:
    _require_outbox_reader()
    message = mail.outbox_message(name)
    if message is None:
        abort(404, description=f"The outbox has no message {name!r}.")
    return render_template("admin/outbox_message.html", message=message)
