"""The tamper-evident, keyed hash chain of audit events.

Each entry's hash is HMAC-SHA256, under the audit key (kept outside the database, see
:mod:`cxroi.audit.keys`), of the previous entry's hash and the entry's own canonical
serialisation; the first entry follows :data:`GENESIS`. Change, delete or reorder any
row and :func:`verify_chain` names the first row that no longer fits; without the key
nobody can seal a changed row again.

>>> key = b"k"
>>> e1 = seal(GENESIS, {"seq": 1, "kind": "state", "case_id": 7, "to": "in_review"}, key)
>>> e2 = seal(e1, {"seq": 2, "kind": "approval", "case_id": 7, "version_hash": "ab"}, key)
>>> rows = [(1, GENESIS, e1, {"seq": 1, "kind": "state", "case_id": 7, "to": "in_review"}),
...         (2, e1, e2, {"seq": 2, "kind": "approval", "case_id": 7, "version_hash": "ab"})]
>>> verify_chain(rows, key)
ChainReport(intact=True, checked=2, broken_seq=None, reason=None)
>>> verify_chain(rows, b"another key").broken_seq
1
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "0" * 64


def json_ready(value: Any) -> Any:
    """JSON-ready form: datetimes as UTC ISO text, dates as ISO text (``2026-04-30``),
    integral floats as ints, tuples as lists."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):  # a calendar date (a council action's due date), as ISO
        return value.isoformat()
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def canonical_event(payload: Mapping[str, Any]) -> str:
    """One spelling per event: keys sorted, no spaces, UTF-8, datetimes in UTC."""
    return json.dumps(
        json_ready(payload),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def seal(prev_hash: str, payload: Mapping[str, Any], key: bytes) -> str:
    """The keyed hash of an entry that follows ``prev_hash`` and holds ``payload``."""
    digest = hmac.new(key, digestmod=hashlib.sha256)
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_event(payload).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ChainReport:
    intact: bool
    checked: int
    broken_seq: int | None
    reason: str | None

    def __str__(self) -> str:
        if self.intact:
            return f"audit chain intact: {self.checked} entries checked"
        return f"audit chain broken at entry {self.broken_seq}: {self.reason}"


def verify_chain(
    entries: Iterable[tuple[int, str, str, Mapping[str, Any]]], key: bytes
) -> ChainReport:
    """Check ``(seq, prev_hash, hash, payload)`` rows given in seq order.

    Reports the first row whose sequence number skips, whose ``prev_hash`` is not the
    previous row's hash, or whose hash does not match its content.
    """
    expected_prev = GENESIS
    expected_seq: int | None = None
    checked = 0
    for seq, prev_hash, stored_hash, payload in entries:
        if expected_seq is not None and seq != expected_seq:
            return ChainReport(
                False, checked, seq, f"expected entry {expected_seq} next (a row is missing)"
            )
        if prev_hash != expected_prev:
            return ChainReport(
                False, checked, seq, "its previous-hash does not match the entry before it"
            )
        if not hmac.compare_digest(seal(prev_hash, payload, key), stored_hash):
            return ChainReport(
                False,
                checked,
                seq,
                "its content does not match its stored hash (altered, or sealed without the key)",
            )
        checked += 1
        expected_prev = stored_hash
        expected_seq = seq + 1
    return ChainReport(True, checked, None, None)
