"""Passwords (Argon2id), users and server-side login sessions.

The session cookie carries a random token whose SHA-256 is a ``LoginSession`` row;
logout deletes the row, so a cookie copied before logout no longer signs anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import joinedload

from cxroi.audit.services import record_change
from cxroi.errors import DomainError, PermissionDenied
from cxroi.extensions import db
from models import ROLES, LoginSession, User
from models._types import utcnow


class UserError(DomainError):
    """A user cannot be created or changed as asked; the message says why."""


def _hasher() -> PasswordHasher:
    return PasswordHasher(**current_app.config.get("PASSWORD_HASH", {}))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


MIN_PASSWORD_LENGTH = 10


def check_new_user(email: str, role: str, password: str) -> None:
    if role not in ROLES:
        raise UserError(f'Role must be one of {", ".join(ROLES)}, not "{role}".')
    if "@" not in email or len(email) > 254:
        raise UserError(f'"{email}" is not an email address.')
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(f"There is already an account for {email}.")


def create_user(
    email: str, role: str, password: str, *, name: str = "", actor: User | str | None = None
) -> User:
    """Create an account (commits). Raises :class:`UserError` with a readable message."""
    email = normalise_email(email)
    check_new_user(email, role, password)
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record_change(actor=actor, entity="user", entity_id=user.id, action="create", new=role)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same answer for both failures)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        _hasher().hash(password)  # spend the same time whether or not the account exists
        return None
    if not user.active or not verify_password(user, password):
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new login session for ``user``; returns the token for the cookie (commits)."""
    token = secrets.token_urlsafe(32)
    hours = current_app.config["SESSION_LIFETIME_HOURS"]
    db.session.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    record_change(actor=user, entity="user", entity_id=user.id, action="login")
    db.session.commit()
    user.current_token = token
    return token


#: The login session of a token's hash, with its user: built once (every signed-in
#: request runs it, and building the statement cost about as much as running it).
_SESSION_OF_HASH = (
    select(LoginSession)
    .where(LoginSession.token_hash == bindparam("token_hash"))
    .options(joinedload(LoginSession.user))
)


def user_for_token(token: str) -> User | None:
    """The user of a live login session, or None when it ended or expired."""
    row = db.session.scalar(_SESSION_OF_HASH, {"token_hash": _token_hash(token)})
    if row is None:
        return None
    expires = row.expires_at
    if expires.tzinfo is None:  # SQLite hands back naive datetimes
        expires = expires.replace(tzinfo=utcnow().tzinfo)
    if expires < utcnow() or not row.user.active:
        return None
    row.user.current_token = token
    return row.user


def end_session(user: User) -> None:
    """Delete the login session behind the current cookie (commits)."""
    if user.current_token:
        db.session.execute(
            delete(LoginSession).where(LoginSession.token_hash == _token_hash(user.current_token))
        )
        record_change(actor=user, entity="user", entity_id=user.id, action="logout")
        db.session.commit()


# -- administration ------------------------------------------------------------------


def require_admin(actor: User) -> None:
    if actor.role != "admin":
        raise PermissionDenied("Only an administrator can manage users.")


def list_users(actor: User) -> list[User]:
    require_admin(actor)
    return list(db.session.scalars(select(User).order_by(User.email)))


def set_role_and_active(actor: User, user_id: int, role: str, active: bool) -> User:
    """Change a user's role or switch the account off (ends its sessions)."""
    require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise UserError("No such user.")
    if role not in ROLES:
        raise UserError(f"Role must be one of {', '.join(ROLES)}.")
    if user.id == actor.id and (role != "admin" or not active):
        raise UserError("You cannot remove your own administrator access.")
    for field, old, new in (("role", user.role, role), ("active", user.active, active)):
        if old != new:
            record_change(
                actor=actor,
                entity="user",
                entity_id=user.id,
                action="update",
                field=field,
                old=old,
                new=new,
            )
    user.role, user.active = role, active
    if not active:
        db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.commit()
    return user


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
