from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from cxroi.approvals.tokens import (
    EXPIRED,
    REVOKED,
    SUPERSEDED,
    VALID,
    LinkInputError,
    check_recipient,
    check_scope,
    expiry_after,
    hash_token,
    link_state,
    looks_like_token,
    new_token,
    parse_recipient,
)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_a_token_carries_at_least_128_bits_and_is_never_repeated():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    # 32 bytes of base64url is 43 characters of 6 bits each: 256 bits.
    assert all(len(t) >= 43 and looks_like_token(t) for t in tokens)


def test_only_the_sha256_of_a_token_is_kept():
    token = new_token()
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in hash_token(token)


def test_expiry_defaults_to_14_days_and_allows_at_most_90():
    assert expiry_after(NOW) == NOW + timedelta(days=14)
    assert expiry_after(NOW, 90) == NOW + timedelta(days=90)
    for bad in (0, 91, -3):
        with pytest.raises(LinkInputError, match="between 1 and 90 days") as exc:
            expiry_after(NOW, bad)
        assert exc.value.field == "expires_in_days"


def test_scope_must_be_view_or_approve():
    assert check_scope("approve") == "approve"
    with pytest.raises(LinkInputError) as exc:
        check_scope("admin")
    assert exc.value.field == "scope"


def test_recipient_is_parsed_from_name_and_angle_brackets():
    assert parse_recipient('"Dana Reyes" <Dana@Example.com>') == ("Dana Reyes", "dana@example.com")
    with pytest.raises(LinkInputError, match="Name <email>"):
        parse_recipient("dana@example.com")
    with pytest.raises(LinkInputError) as exc:
        check_recipient("Dana", "not-an-email")
    assert exc.value.field == "recipient_email"
    with pytest.raises(LinkInputError) as exc:
        check_recipient("  ", "dana@example.com")
    assert exc.value.field == "recipient_name"


@pytest.mark.parametrize(
    ("revoked", "expires_in", "current", "state"),
    [
        (False, 1, True, VALID),
        (False, 1, False, SUPERSEDED),
        (False, 0, True, EXPIRED),
        (True, 1, True, REVOKED),
        (True, -1, False, REVOKED),
        (False, -1, False, EXPIRED),
    ],
)
def test_link_state_orders_revoked_then_expired_then_superseded(
    revoked, expires_in, current, state
):
    assert (
        link_state(
            now=NOW,
            expires_at=NOW + timedelta(days=expires_in),
            revoked_at=NOW if revoked else None,
            version_is_current=current,
        )
        == state
    )
