"""Domain errors raised by services, and the HTTP pages they become."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g, has_request_context, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """Base of the errors a service raises; views let them through to the handlers."""

    status = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(DomainError):
    """The signed-in user's role or relation to the case does not allow the action."""

    status = 403


class NotFound(DomainError):
    status = 404


class StaleEdit(DomainError):
    """Someone saved the case after this form was opened (optimistic locking)."""

    status = 409

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "This case was changed by someone else since you opened it. Nothing was saved: "
            "your input is below. Review the latest version and enter your change again."
        )


#: The last resort when even the error template cannot render (no CSS or menu needed).
_BARE_PAGE = (
    '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Something went wrong · cxroi</title></head><body><main>"
    "<h1>Something went wrong</h1><p>{message}</p>"
    '<p><a href="/">Back to the portfolio</a></p></main></body></html>'
)


@event.listens_for(Session, "after_commit")
def _note_commit(_session: Any) -> None:
    """Remember that this request has committed: its error page must not deny it."""
    if has_request_context() and not g.get("cxroi_bookkeeping"):
        g.cxroi_committed = True


@contextmanager
def bookkeeping() -> Iterator[None]:
    """Commits inside are the app's own records (a link's use, a token's last use), not
    what the user asked for: a later failure still says that nothing was saved."""
    if not has_request_context():
        yield
        return
    before = g.get("cxroi_bookkeeping", False)
    g.cxroi_bookkeeping = True
    try:
        yield
    finally:
        g.cxroi_bookkeeping = before


def committed_in_request() -> bool:
    """Whether the request being answered has committed a transaction."""
    return has_request_context() and bool(g.get("cxroi_committed"))


#: What a 500 says, by whether the request had committed (never "nothing was saved" then).
NOT_SAVED = (
    "Something went wrong on our side and nothing was saved. "
    "Please try again; if it happens again, tell the cxroi team what you were doing."
)
SAVED = (
    "Something went wrong on our side after your change was saved: it is stored, but "
    "this page could not be shown. Do not send it again; open the page anew to see it."
)


def unexpected_error_message() -> str:
    return SAVED if committed_in_request() else NOT_SAVED


def _roll_back(app: Flask) -> None:
    from cxroi.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: nothing to roll back
        app.logger.warning("could not roll back the session after an error", exc_info=True)


def _page_without_database(status: int, message: str) -> ResponseReturnValue:
    """The app's own error page, rendered without asking the database who is signed in."""
    if "_login_user" not in g:  # Flask-Login would load the user (a query) to render
        from cxroi.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
    try:
        return render_template("errors/error.html", status=status, message=message, bare=True), (
            status
        )
    except Exception:
        current_app.logger.exception("the error page could not render; sending a bare one")
        return _BARE_PAGE.format(message=escape(message)), status


def register_error_handlers(app: Flask) -> None:
    from cxroi import fragments
    from cxroi.api.problems import for_app_error  # under /api/v1: problem+json, never HTML

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> ResponseReturnValue:
        if (problem := for_app_error(exc)) is not None:
            return problem
        if fragments.wanted():  # a page's script: the message, beside the field it names
            return fragments.error(exc.message, exc.status, getattr(exc, "field", None))
        return render_template("errors/error.html", status=exc.status, message=exc.message), (
            exc.status
        )

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> ResponseReturnValue:
        message = (
            "The form had expired or did not come from this site, so nothing was saved. "
            "Go back, reload the page and try again."
        )
        if fragments.wanted():
            return fragments.error(
                "The page had expired, so nothing was saved. Reload the page and try again.", 400
            )
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception) -> ResponseReturnValue:
        _roll_back(app)  # a failed transaction must not break the error page too
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if (problem := for_app_error(exc)) is not None:
            return problem
        app.logger.exception("unexpected error")
        if isinstance(exc, SQLAlchemyError) and not committed_in_request():
            message = (
                "The database could not be reached or refused the request, so this could "
                "not be done. Please try again in a minute."
            )
        else:
            message = unexpected_error_message()
        if fragments.wanted():
            return fragments.error(message, 500)
        return _page_without_database(500, message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        if (problem := for_app_error(exc)) is not None:
            return problem
        if fragments.wanted():
            return fragments.error(exc.description or exc.name, exc.code or 500)
        return (
            render_template(
                "errors/error.html", status=exc.code, message=exc.description, title=exc.name
            ),
            exc.code or 500,
        )
