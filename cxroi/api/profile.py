"""The signed-in user's profile page: the account, and personal API tokens.

A new token is shown once, in the answer to the form that made it (never in a
flash message: those travel in the session cookie). Revoking asks first.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from cxroi import notify
from cxroi.api import tokens
from cxroi.cases.fields import choices
from models import ApiToken, User

bp = Blueprint("profile", __name__, url_prefix="/profile")


SCOPE_CHOICES = choices(
    [
        ("read", "Read: list and read cases, versions and workbooks"),
        ("write", "Write: also create and change cases, as your role allows"),
    ]
)


class ApiTokenForm(FlaskForm):
    name = StringField(
        "Name",
        description="What will use it, e.g. “Power BI refresh”.",
        validators=[
            DataRequired("Give the token a name."),
            Length(max=tokens.NAME_MAX, message="At most 80 characters."),
        ],
    )
    scope = RadioField("Scope", choices=SCOPE_CHOICES, default="read")


class NotifyForm(FlaskForm):
    mode = RadioField(
        "Mail me about reviews, challenges, answers, decisions and drift",
        choices=choices(list(notify.MODES.items())),
        default=notify.IMMEDIATE,
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token."""


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _page(form: ApiTokenForm, new: tuple[ApiToken, str] | None = None, status: int = 200) -> Any:
    notify_form = NotifyForm(formdata=None)
    notify_form.mode.data = notify.mode_of(_me())
    return render_template(
        "auth/profile.html",
        user=_me(),
        form=form,
        notify_form=notify_form,
        revoke_form=RevokeForm(),
        api_tokens=tokens.tokens_of(_me()),
        new_token=new,
    ), status


@bp.get("")
@login_required
def index() -> Any:
    return _page(ApiTokenForm())


@bp.post("/notifications")
@login_required
def notifications() -> Any:
    form = NotifyForm()
    if not form.validate_on_submit():
        flash("Notifications (mode): choose each mail or a daily digest.", "error")
        return redirect(url_for("profile.index")), 303
    notify.set_mode(_me(), form.mode.data or "")
    flash(f"Saved: {notify.MODES[form.mode.data or ''].lower()}.", "success")
    return redirect(url_for("profile.index"))


@bp.post("/tokens")
@login_required
def create_token() -> Any:
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        row, token = tokens.create_token(_me(), form.name.data or "", form.scope.data or "")
    except tokens.TokenError as exc:
        form.name.errors = [*form.name.errors, exc.message]
        return _page(form, status=400)
    return _page(ApiTokenForm(formdata=None), new=(row, token), status=201)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    if RevokeForm().validate_on_submit():
        row = tokens.revoke_token(_me(), token_id, owner=_me())
        flash(f"Token “{row.name}” revoked: it no longer works.", "success")
    else:
        flash("The token was not revoked: the form had expired. Please try again.", "error")
    return redirect(url_for("profile.index"))
