"""Shared-link tokens: made with :mod:`secrets`, stored only as their SHA-256.

A token is 32 random bytes (256 bits) in URL-safe base64. The database keeps
``hash_token(token)``; the token itself exists only in the link handed to the
recipient, so a copy of the database cannot be turned into working links.

>>> token = new_token()
>>> len(token) >= 43 and hash_token(token) != token
True
>>> parse_recipient("Dana Reyes <dana@example.com>")
('Dana Reyes', 'dana@example.com')

A decision also needs a one-time code mailed to the link's address; it is kept only as
an HMAC keyed with the app's secret (6 digits are too few for a plain hash: a copy of
the database could try all million):

>>> code = new_code()
>>> len(code) == CODE_DIGITS and code.isdigit()
True
>>> hash_code("key", 7, code) == hash_code("key", 7, code) != hash_code("key", 8, code)
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from email.utils import parseaddr

TOKEN_BYTES = 32
DEFAULT_EXPIRY_DAYS = 14
MAX_EXPIRY_DAYS = 90
SCOPES = ("view", "approve")

#: One-time decision codes: 6 digits, valid 10 minutes, 5 tries each.
CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
CODE_TRIES = 5
#: Codes one link may ask for within CODE_WINDOW (a cap on mail sent to one address).
CODES_PER_WINDOW = 5
CODE_WINDOW = timedelta(hours=1)
_CODE = re.compile(r"^[0-9]{6}$")

VALID = "valid"
EXPIRED = "expired"
REVOKED = "revoked"
SUPERSEDED = "superseded"

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


class LinkInputError(ValueError):
    """Bad input for a new link; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def new_token() -> str:
    """A fresh unguessable token (256 bits from ``secrets``)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


#: The shape of an idempotency key a form carries (made by :func:`new_idempotency_key`).
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_idempotency_key() -> str:
    """A nonce for one form: sending the form again with it repeats nothing."""
    return secrets.token_urlsafe(18)


def token_for_key(secret: str, key: str) -> str:
    """The token of the link a form with ``key`` creates, the same on every retry.

    An HMAC under the app's secret: the key alone (in the page) does not give it, and the
    database keeps neither (only the token's and the key's hashes).

    >>> token_for_key("s", "k" * 16) == token_for_key("s", "k" * 16) != token_for_key("t", "k" * 16)
    True
    >>> looks_like_token(token_for_key("s", "k" * 16))
    True
    """
    mac = hmac.new(secret.encode(), f"link:{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def hash_key(key: str) -> str:
    """What is stored of an idempotency key."""
    return hashlib.sha256(f"idempotency:{key}".encode()).hexdigest()


def hash_token(token: str) -> str:
    """SHA-256 hex of the token: the only form in which it is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_code() -> str:
    """A fresh one-time code: CODE_DIGITS digits from ``secrets``."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(key: str | bytes, link_id: int, code: str) -> str:
    """HMAC-SHA-256 of the code, bound to its link: the only form in which it is stored."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    message = f"decision-code:{link_id}:{code}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def clean_code(text: str) -> str | None:
    """The code as typed, without spaces; None when it is not 6 digits."""
    code = "".join((text or "").split())
    return code if _CODE.match(code) else None


def looks_like_token(token: str) -> bool:
    """A cheap shape check before touching the database."""
    return bool(_TOKEN.match(token))


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise LinkInputError("scope", f"scope must be 'view' or 'approve', not {scope!r}")
    return scope


def expiry_after(now: datetime, days: int | None = None) -> datetime:
    """When a link made at ``now`` expires: default 14 days, 1 to 90 allowed."""
    if days is None:
        days = DEFAULT_EXPIRY_DAYS
    if isinstance(days, bool) or not isinstance(days, int):
        raise LinkInputError("expires_in_days", "expiry must be a whole number of days")
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise LinkInputError(
            "expires_in_days", f"expiry must be between 1 and {MAX_EXPIRY_DAYS} days, not {days}"
        )
    return now + timedelta(days=days)


def check_recipient(name: str, email: str) -> tuple[str, str]:
    """Trimmed name and lower-cased email, or LinkInputError naming the field."""
    name = (name or "").strip()
    email = (email or "").strip()
    if not name:
        raise LinkInputError("recipient_name", "enter the recipient's name")
    if len(name) > 120:
        raise LinkInputError(
            "recipient_name", "the recipient's name must be 120 characters or fewer"
        )
    if not _EMAIL.match(email) or len(email) > 254:
        raise LinkInputError(
            "recipient_email",
            f"enter the recipient's email address, like name@example.com (got {email!r})",
        )
    return name, email.lower()


def parse_recipient(text: str) -> tuple[str, str]:
    """``"Name <email>"`` → (name, email), as the ``cxroi share --to`` option takes it."""
    name, email = parseaddr(text or "")
    if not name and email and "<" not in text:
        raise LinkInputError("to", f'give the recipient as "Name <email>", not {text!r}')
    return check_recipient(name, email)


def link_state(
    *,
    now: datetime,
    expires_at: datetime,
    revoked_at: datetime | None,
    version_is_current: bool,
) -> str:
    """valid, revoked, expired or superseded: revocation first, then expiry, then supersession."""
    if revoked_at is not None:
        return REVOKED
    if now >= expires_at:
        return EXPIRED
    if not version_is_current:
        return SUPERSEDED
    return VALID
