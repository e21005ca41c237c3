"""Administrators list users, add them, change their role or switch them off; finance or
an administrator sets the organisation's defaults (the default discount rate)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from cxroi import orgsettings
from cxroi.auth import services
from cxroi.auth.forms import NewUserForm, UserAccessForm
from cxroi.cases.fields import NumberField
from cxroi.cases.presenters import percent_text
from cxroi.errors import PermissionDenied
from cxroi.formatting import pct
from cxroi.workflow import may_set_org_settings

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
    return render_template("admin/settings.html", form=form), status
