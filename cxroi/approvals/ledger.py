"""The audit chain in the database: append sealed entries, verify the whole chain.

State changes and approval events are written here (and to the ordinary audit trail);
every row of a sealed table is sealed here too, as it is flushed
(:mod:`cxroi.audit.sealing`). :func:`cxroi.audit.verify.verify_audit` is what
``cxroi verify-audit`` runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from flask import current_app
from sqlalchemy import Connection, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxroi.approvals.chain import GENESIS, ChainReport, canonical_event, seal, verify_chain
from cxroi.audit.keys import current_key
from cxroi.extensions import db
from models._types import utcnow
from models.approval import ChainEntry

ATTEMPTS = 5
#: The advisory lock that orders appends to the chain on PostgreSQL (any fixed number).
CHAIN_LOCK_KEY = 0x637872_6F69
#: ``Session.info`` key: this transaction appended to the chain (anchor after commit).
APPENDED = "cxroi_chain_appended"
#: The kind of the entries that seal a row of a sealed table (cxroi.audit.registry).
ROW = "row"


def lock_chain(connection: Connection) -> None:
    """Take the chain's turn for this transaction (PostgreSQL; SQLite serialises writers)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


def chain_tail(connection: Connection) -> tuple[int, str]:
    """The newest entry's (seq, hash), or (0, GENESIS) for an empty chain."""
    tail = connection.execute(
        select(ChainEntry.seq, ChainEntry.hash).order_by(ChainEntry.seq.desc()).limit(1)
    ).first()
    return (tail[0], tail[1]) if tail else (0, GENESIS)


def insert_entry(
    connection: Connection, kind: str, case_id: int | None, data: Mapping[str, Any], key: bytes
) -> tuple[int, str]:
    """Seal ``data`` after the current tail, on ``connection`` (the caller holds the turn)."""
    last, prev = chain_tail(connection)
    seq, at = last + 1, utcnow()
    payload = {"seq": seq, "kind": kind, "case_id": case_id, "at": at, **data}
    digest = seal(prev, payload, key)
    connection.execute(
        insert(ChainEntry).values(
            seq=seq,
            prev_hash=prev,
            hash=digest,
            kind=kind,
            case_id=case_id,
            payload=canonical_event(payload),
            at=at,
        )
    )
    return seq, digest


def mark_appended(session: Session) -> None:
    """Have the anchor written after this session's transaction commits."""
    session.info[APPENDED] = (session.get_bind(), current_app.config["AUDIT_ANCHOR_PATH"])


def append_entry(kind: str, case_id: int | None, data: Mapping[str, Any]) -> ChainEntry:
    """Seal ``data`` onto the end of the chain, in the caller's transaction.

    On PostgreSQL a transaction-scoped advisory lock makes appenders take turns (SQLite
    serialises writers by itself). As a backstop ``seq`` and ``prev_hash`` are unique:
    an insert that lost a race fails inside a savepoint and is retried on the new tail.
    """
    key = current_key()
    lock_chain(db.session.connection())
    for _ in range(ATTEMPTS):
        db.session.flush()  # rows still pending are sealed first, in flush order
        last, prev = chain_tail(db.session.connection())
        seq, at = last + 1, utcnow()
        payload = {"seq": seq, "kind": kind, "case_id": case_id, "at": at, **data}
        entry = ChainEntry(
            seq=seq,
            prev_hash=prev,
            hash=seal(prev, payload, key),
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
        mark_appended(db.session())
        return entry
    raise RuntimeError("could not append to the audit chain: too many concurrent writers")


def _rows(batch: int = 1000) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    return _rows_on(db.session.connection(), batch)


def _rows_on(
    connection: Connection, batch: int = 1000
) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    last = 0
    while True:
        rows = connection.execute(
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


def verify_ledger(key: bytes | None = None) -> ChainReport:
    """Walk the chain in order; name the first entry that does not fit."""
    return verify_chain(_rows(), current_key() if key is None else key)


def entries_for_case(case_id: int) -> list[tuple[ChainEntry, dict[str, Any]]]:
    """The case's workflow, link and approval entries (not its row seals), oldest first."""
    rows = db.session.scalars(
        select(ChainEntry)
        .where(ChainEntry.case_id == case_id, ChainEntry.kind != ROW)
        .order_by(ChainEntry.seq)
    )
    return [(row, json.loads(row.payload)) for row in rows]
