"""Personal API tokens: make one (shown once), list, revoke, and find the token of a request.

A token is ``cxroi_`` and 256 random bits (``secrets``); only its SHA-256 is kept, so
the database cannot give a token back. A token acts as its user, with the user's role;
its scope says whether it may change anything. Revoked tokens, and tokens of switched
off accounts, sign nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cxroi.audit.services import record_change
from cxroi.engine.schema import text_problem
from cxroi.errors import DomainError, NotFound, bookkeeping
from cxroi.extensions import db
from models import TOKEN_SCOPES, ApiToken, User
from models._types import utcnow

PREFIX = "cxroi_"
NAME_MAX = 80
#: ``last_used_at`` is written at most this often per token (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(DomainError):
    """A token cannot be made as asked; the message says why."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(
    user: User, name: str, scope: str, *, actor: User | str | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` (commits); returns the row and the token, shown only now."""
    name = " ".join(name.split())
    if scope not in TOKEN_SCOPES:
        raise TokenError(f'The scope must be "read" or "write", not "{scope}".')
    if not name:
        raise TokenError("Give the token a name, so you know later what uses it.")
    if (problem := text_problem(name)) is not None:
        raise TokenError(f"The name {problem}.")
    if len(name) > NAME_MAX:
        raise TokenError(f"The name must be at most {NAME_MAX} characters.")
    if not user.active:
        raise TokenError(f"The account {user.email} is switched off.")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, scope=scope, token_hash=digest(token))
    db.session.add(row)
    db.session.flush()
    record_change(
        actor=actor if actor is not None else user,
        entity="api_token",
        entity_id=row.id,
        action="create",
        new=f"{scope}: {name} (for {user.email})",
    )
    db.session.commit()
    return row, token


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(actor: User | str, token_id: int, *, owner: User | None = None) -> ApiToken:
    """Revoke a token for good (commits; revoking twice changes nothing).

    With ``owner``, only a token of that user is found (the profile page); the command
    line passes none.
    """
    row: ApiToken | None = db.session.get(ApiToken, token_id)
    if row is None or (owner is not None and row.user_id != owner.id):
        raise NotFound("There is no such token.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_change(
            actor=actor, entity="api_token", entity_id=row.id, action="revoke", old=row.name
        )
        db.session.commit()
    return row


def token_for(presented: str) -> ApiToken | None:
    """The live token behind a bearer credential, or None (unknown, revoked, account off)."""
    if not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    row: ApiToken | None = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == digest(presented))
        .options(joinedload(ApiToken.user))
    )
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite hands back naive datetimes
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last >= TOUCH_EVERY:
        row.last_used_at = now
        with bookkeeping():  # not the request's own write
            db.session.commit()
    return row
