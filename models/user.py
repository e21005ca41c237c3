"""Accounts: a user with one role, and the server-side login sessions that logout ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxroi.extensions import Base
from models._types import utcnow

#: cx drafts and edits cases; finance reviews and owns the finance inputs; admin manages users.
ROLES = ("cx", "finance", "admin")
ROLE_LABELS = {"cx": "CX", "finance": "Finance", "admin": "Admin"}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login: the id kept in the signed cookie is the login session's token, so that
    # deleting the LoginSession row (logout) makes a copied cookie worthless.
    @property
    def current_token(self) -> str | None:
        """This request's login-session token (set by the user loader), else None.

        Not a column: kept in the instance's ``__dict__`` like any plain attribute,
        because a typed declarative model maps every annotated class attribute.
        """
        token: str | None = self.__dict__.get("_current_token")
        return token

    @current_token.setter
    def current_token(self, token: str | None) -> None:
        self.__dict__["_current_token"] = token

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.current_token

    @property
    def display_name(self) -> str:
        return self.shown_name(self.name, self.email)

    @staticmethod
    def shown_name(name: str | None, email: str) -> str:
        """The name a user is shown by: theirs, else their email address."""
        return name or email

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginSession(Base):
    """One signed-in browser; logout deletes it."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="sessions")
