"""Domain errors raised by services, and the HTTP pages they become."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
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


def register_error_handlers(app: Flask) -> None:
    from cxroi.api.problems import for_app_error  # under /api/v1: problem+json, never HTML

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> ResponseReturnValue:
        if (problem := for_app_error(exc)) is not None:
            return problem
        return render_template("errors/error.html", status=exc.status, message=exc.message), (
            exc.status
        )

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> ResponseReturnValue:
        message = (
            "The form had expired or did not come from this site, so nothing was saved. "
            "Go back, reload the page and try again."
        )
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception) -> ResponseReturnValue:
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if (problem := for_app_error(exc)) is not None:
            return problem
        app.logger.exception("unexpected error")
        message = (
            "Something went wrong on our side and nothing was saved. "
            "Please try again; if it happens again, tell the cxroi team what you were doing."
        )
        return render_template("errors/error.html", status=500, message=message), 500

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        if (problem := for_app_error(exc)) is not None:
            return problem
        return (
            render_template(
                "errors/error.html", status=exc.code, message=exc.description, title=exc.name
            ),
            exc.code or 500,
        )
