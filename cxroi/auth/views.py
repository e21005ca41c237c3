"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from cxroi.auth import services
from cxroi.auth.forms import LoginForm
from cxroi.extensions import limiter, login_manager
from models import User

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    return services.user_for_token(token)


def _safe_next(target: str | None) -> str:
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("portfolio.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("portfolio.index"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            # A fresh session and CSRF token at login: nothing obtained before it
            # (a planted or leaked pre-login token) stays valid after it.
            session.clear()
            services.start_session(user)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        failed = True
    status = 200 if not (form.errors or failed) else 400
    return render_template("auth/login.html", form=form, failed=failed), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    services.end_session(current_user._get_current_object())
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
