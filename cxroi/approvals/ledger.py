"""The audit chain in the database: append sealed entries, verify the whole chain.

State changes and approval events are written here (and to the ordinary audit
trail); :func:`verify_ledger` is what ``cxroi verify-audit`` runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from cxroi.approvals.chain import GENESIS, ChainReport, canonical_event, seal, verify_chain
from cxroi.extensions import db
from models._types import utcnow
from models.approval import ChainEntry

ATTEMPTS = 5
#: The advisory lock that orders appends to the chain on PostgreSQL (any fixed number).
CHAIN_LOCK_KEY = 0x637872_6F69


def append_entry(kind: str, case_id: int | None, data: Mapping[str, Any]) -> ChainEntry:
    """Seal ``data`` onto the end of the chain, in the caller's transaction.

    On PostgreSQL a transaction-scoped advisory lock makes appenders take turns (SQLite
    serialises writers by itself). As a backstop ``seq`` and ``prev_hash`` are unique:
    an insert that lost a race fails inside a savepoint and is retried on the new tail.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    for _ in range(ATTEMPTS):
        tail = db.session.execute(
            select(ChainEntry.seq, ChainEntry.hash).order_by(ChainEntry.seq.desc()).limit(1)
        ).first()
        seq, prev = (tail[0] + 1, tail[1]) if tail else (1, GENESIS)
        at = utcnow()
        payload = {"seq": seq, "kind": kind, "case_id": case_id, "at": at, **data}
        entry = ChainEntry(
            seq=seq,
            prev_hash=prev,
            hash=seal(prev, payload),
            kind=kind,
            case_id=case_id,
            payload=canonical_event(payload),
            at=at,
        )
        try:
            with db.session.begin_nested():
                db.session.add(entry)
        except IntegrityError:
            continue
        return entry
    raise RuntimeError("could not append to the audit chain: too many concurrent writers")


def _rows(batch: int = 1000) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    last = 0
    while True:
        rows = db.session.execute(
            select(ChainEntry.seq, ChainEntry.prev_hash, ChainEntry.hash, ChainEntry.payload)
            .where(ChainEntry.seq > last)
            .order_by(ChainEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        for seq, prev, h, payload in rows:
            try:
                data = json.loads(payload)
            except ValueError:
                data = {"unreadable": payload}
            yield seq, prev, h, data
        last = rows[-1][0]


def verify_ledger() -> ChainReport:
    """Walk the chain in order; name the first entry that does not fit."""
    return verify_chain(_rows())


def entries_for_case(case_id: int) -> list[tuple[ChainEntry, dict[str, Any]]]:
    rows = db.session.scalars(
        select(ChainEntry).where(ChainEntry.case_id == case_id).order_by(ChainEntry.seq)
    )
    return [(row, json.loads(row.payload)) for row in rows]


def cross_check() -> list[str]:
    """Rows that no longer agree with what the chain sealed about them.

    The chain holds each decision's version hash, verdict and name; a decision row
    edited afterwards, or a version whose stored documents no longer match their
    hashes, is named here.
    """
    from cxroi.approvals.versions import integrity_problems
    from models.approval import CaseVersion, Decision

    problems: list[str] = []
    sealed: dict[int, tuple[int, dict[str, Any]]] = {}
    for seq, _prev, _hash, data in _rows():
        if data.get("kind") == "approval" and "decision_id" in data:
            sealed[int(data["decision_id"])] = (seq, data)
    for decision in db.session.scalars(select(Decision).order_by(Decision.id)):
        entry = sealed.get(decision.id)
        if entry is None:
            problems.append(f"decision {decision.id} has no entry in the audit chain")
            continue
        seq, data = entry
        for field in ("decision", "version_hash", "name"):
            if getattr(decision, field) != data.get(field):
                problems.append(
                    f"decision {decision.id}: {field} differs from chain entry {seq} "
                    f"({getattr(decision, field)!r} now, {data.get(field)!r} sealed)"
                )
    for version in db.session.scalars(select(CaseVersion).order_by(CaseVersion.id)):
        problems += [f"case {version.case_id} {p}" for p in integrity_problems(version)]
    return problems
