"""Administrators list users, add them, change their role or switch them off."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from cxroi.auth import services
from cxroi.auth.forms import NewUserForm, UserAccessForm

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
