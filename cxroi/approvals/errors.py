"""Errors of the approval services, each carrying the HTTP status it becomes."""

from __future__ import annotations

from cxroi.errors import DomainError, NotFound, PermissionDenied

__all__ = ["Conflict", "DomainError", "InputError", "LinkGone", "NotFound", "PermissionDenied"]


class Conflict(DomainError):
    """The case moved on (another state, a newer version): 409, saying what happened."""

    status = 409


class LinkGone(DomainError):
    """An expired or revoked link: 410."""

    status = 410

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # expired or revoked


class InputError(DomainError):
    """Bad input for a field; ``field`` names it so the form can show the message beside it."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
