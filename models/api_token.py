"""Personal API tokens: a user's bearer credentials for ``/api/v1``.

Only the SHA-256 of a token is stored; the token itself is shown once, when made.
A token acts as its user (same role, same rules) and carries a scope: ``read`` lets
it read, ``write`` lets it read and change. Revoking a token ends it for good.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxroi.extensions import Base
from models._types import utcnow
from models.user import User

#: What a token may do: ``read`` (GET) or ``write`` (GET and changes).
TOKEN_SCOPES = ("read", "write")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The owner's label for it ("CI export", "Power BI").
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def can_write(self) -> bool:
        return self.scope == "write"

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.scope} user={self.user_id}>"
