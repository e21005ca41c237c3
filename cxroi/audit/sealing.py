"""Seal every row of a sealed table into the audit chain as it is flushed.

A listener on every ORM session sees the rows inserted, updated and deleted by a flush;
for each row of a table in :data:`cxroi.audit.registry.SEALED` it appends one ``row``
entry to the chain holding all the row's sealed columns (see :func:`sealed_row`), in the
same transaction. So the chain holds each row as it was written and each legitimate
change after, and ``cxroi verify-audit`` can name any column changed behind the app's
back. After a commit that appended, the chain's head is anchored outside the database
(:mod:`cxroi.audit.anchor`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from flask import has_app_context
from sqlalchemy import Connection, Engine, MetaData, Table, event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from cxroi.approvals.chain import canonical_event, json_ready
from cxroi.audit.anchor import Anchor, write_anchor
from cxroi.audit.registry import BY_NAME, SEALED, SealedTable

log = logging.getLogger("cxroi.audit")

#: Text longer than this is sealed as its SHA-256 (a version's documents, long comments).
LONG_TEXT = 256


def sealed_value(value: Any) -> Any:
    """A column's value as the chain holds it: JSON-ready, long text as its SHA-256.

    Read back from SQLite (naive datetimes) or PostgreSQL (aware), a value seals the same.
    """
    if isinstance(value, str) and len(value) > LONG_TEXT:
        return {"sha256": hashlib.sha256(value.encode("utf-8")).hexdigest()}
    return json_ready(value)


def sealed_row(table: SealedTable, get: Callable[[str], Any]) -> dict[str, Any]:
    """The sealed columns of one row, ``get(column)`` giving each value.

    NULLs are left out: a row sealed before a nullable column was added to the table (and
    to the registry) still agrees with its seal while the new column is empty.
    """
    values = {name: sealed_value(get(name)) for name in table.columns}
    return {name: value for name, value in values.items() if value is not None}


def row_digest(values: Mapping[str, Any]) -> str:
    """One short fingerprint of a sealed row (what verification keeps in memory)."""
    return hashlib.sha256(canonical_event(values).encode("utf-8")).hexdigest()


def case_of(table: SealedTable, values: Mapping[str, Any]) -> int | None:
    """The case a row belongs to (the chain entry's ``case_id``)."""
    case_id = values.get("id") if table.name == "cases" else values.get("case_id")
    return case_id if isinstance(case_id, int) else None


def _sealed_changes(session: Session) -> list[tuple[SealedTable, str, dict[str, Any]]]:
    """(table, insert/update/delete, sealed values) of each sealed row the flush wrote."""
    out: list[tuple[SealedTable, str, dict[str, Any]]] = []
    for op, objects in (
        ("insert", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            state = inspect(obj)
            mapper = state.mapper
            table = BY_NAME.get(mapper.local_table.name)
            if table is None:
                continue
            keys = {
                name: mapper.get_property_by_column(mapper.local_table.c[name]).key
                for name in table.columns
            }
            if op == "update" and not any(
                state.attrs[keys[name]].history.has_changes() for name in table.columns
            ):
                continue
            values = sealed_row(table, lambda name: getattr(obj, keys[name]))  # noqa: B023
            out.append((table, op, values))
    return out


def seal_existing_rows(
    connection: Connection,
    key: bytes,
    batch: int = 1000,
    only: Collection[str] | None = None,
) -> int:
    """Append a ``baseline`` seal of every row of every sealed table present (of the tables
    named in ``only``, when given); returns how many.

    For a migration: the first sealing of rows written before sealing began (a table newly
    added to the registry: ``only`` it, so that rows sealed already are not re-sealed as
    they are now), and again after a migration that gives a sealed table a column with
    values in it.
    """
    from cxroi.approvals.ledger import ROW, insert_entry, lock_chain

    lock_chain(connection)
    present = set(inspect(connection).get_table_names())
    count = 0
    for spec in SEALED:
        if spec.name not in present or (only is not None and spec.name not in only):
            continue
        table = Table(spec.name, MetaData(), autoload_with=connection)
        columns = [table.c[c] for c in spec.columns if c in table.c]
        last: Any = None
        while True:
            query = select(*columns).order_by(table.c.id).limit(batch)
            if last is not None:
                query = query.where(table.c.id > last)
            rows = connection.execute(query).all()
            if not rows:
                break
            for row in rows:
                values = sealed_row(spec, lambda name: row._mapping.get(name))  # noqa: B023
                data = {"table": spec.name, "id": row.id, "op": "baseline", "row": values}
                insert_entry(connection, ROW, case_of(spec, values), data, key)
                count += 1
            last = rows[-1].id
    return count


def _is_sealed(obj: Any) -> bool:
    return inspect(obj).mapper.local_table.name in BY_NAME


@event.listens_for(Session, "before_flush")
def _take_the_chains_turn(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    """Take the chain's lock before the flush writes a sealed row, not after: a writer never
    holds a sealed row's lock while it waits for the chain (no deadlock on PostgreSQL)."""
    if not has_app_context():
        return
    if any(_is_sealed(o) for o in (*session.new, *session.dirty, *session.deleted)):
        from cxroi.approvals.ledger import lock_chain

        lock_chain(session.connection())


@event.listens_for(Session, "after_flush")
def _seal_flushed_rows(session: Session, _flush: UOWTransaction) -> None:
    if not has_app_context():  # a script's own session, outside the app: nothing to seal
        return
    changes = _sealed_changes(session)
    if not changes:
        return
    from cxroi.approvals.ledger import ROW, insert_entry, lock_chain, mark_appended
    from cxroi.audit.keys import current_key

    key = current_key()
    connection = session.connection()
    lock_chain(connection)
    order = {"insert": 0, "update": 1, "delete": 2}
    for table, op, values in sorted(
        changes, key=lambda c: (order[c[1]], c[0].name, c[2]["id"] or 0)
    ):
        row = None if op == "delete" else values
        data = {"table": table.name, "id": values["id"], "op": op, "row": row}
        insert_entry(connection, ROW, case_of(table, values), data, key)
    mark_appended(session)


@event.listens_for(Session, "after_commit")
def _anchor_head(session: Session) -> None:
    from cxroi.approvals.ledger import APPENDED

    pending = session.info.pop(APPENDED, None)
    if pending is None:
        return
    engine, path = pending
    anchor_head(engine, Path(path))


def anchor_head(engine: Engine, path: Path) -> None:
    """Write the committed chain's head to the anchor file (never backwards)."""
    from cxroi.approvals.ledger import chain_tail

    try:
        with engine.connect() as connection:
            seq, digest = chain_tail(connection)
        if seq:
            write_anchor(path, Anchor(seq, digest))
    except Exception:  # the change is committed; a lost anchor shows in verify-audit
        log.exception("could not anchor the audit chain's head in %s", path)


@event.listens_for(Session, "after_rollback")
def _forget_head(session: Session) -> None:
    from cxroi.approvals.ledger import APPENDED

    session.info.pop(APPENDED, None)
