"""Errors of the approval services, each carrying the HTTP status it becomes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cxroi.errors import DomainError, NotFound, PermissionDenied

__all__ = [
    "CodeRefused",
    "Conflict",
    "DomainError",
    "InputError",
    "LinkGone",
    "MailFailed",
    "NotFound",
    "PermissionDenied",
    "TooMany",
    "conflict_if_stale",
]


class Conflict(DomainError):
    """The case moved on (another state, a newer version): 409, saying what happened."""

    status = 409


class LinkGone(DomainError):
    """An expired or revoked link: 410."""

    status = 410

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # expired or revoked


class CodeRefused(DomainError):
    """No usable one-time code for a decision (none asked for, expired, out of tries): 403."""

    status = 403

    def __init__(self, message: str, *, heading: str) -> None:
        super().__init__(message)
        self.heading = heading


class TooMany(DomainError):
    """Too many requests of one kind (codes asked for on one link): 429."""

    status = 429


class MailFailed(DomainError):
    """The mail server or outbox did not take a message: 503, saying what to do next."""

    status = 503


class InputError(DomainError):
    """Bad input for a field; ``field`` names it so the form can show the message beside it."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@contextmanager
def conflict_if_stale(message: str) -> Iterator[None]:
    """Around a change of a case: if someone changed the case meanwhile (its lock version
    moved), roll back and raise :class:`Conflict` with ``message`` instead of a 500."""
    from sqlalchemy.orm.exc import StaleDataError

    from cxroi.extensions import db

    try:
        yield
    except StaleDataError:
        db.session.rollback()
        raise Conflict(message) from None
