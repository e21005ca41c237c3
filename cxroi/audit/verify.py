"""``cxroi verify-audit``: does the database still say what the keyed chain sealed?

In one streaming pass over the chain (in batches of ``seq``), then one over each sealed
table (in batches of ``id``), it checks:

- the chain: each entry follows the one before, and its keyed hash matches its content
  and its columns (a chain re-sealed without the key fails here);
- the anchor outside the database: the chain reaches the anchored entry, unchanged (a cut
  tail fails here);
- every row of every sealed table (:mod:`cxroi.audit.registry`) against its last seal:
  a changed column, a row deleted, a row written outside the app;
- each version's documents against their hashes, each case's document against its hash;
- each case's status and current version against the chain's workflow entries, each
  decision against its approval entry, each link's revocation against its link entries.

Only a digest per sealed row is kept in memory; the sealed values are read back from the
chain for the rows that disagree, to name the columns.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Table, select

from cxroi.approvals.chain import GENESIS, json_ready, seal
from cxroi.approvals.ledger import ROW
from cxroi.approvals.versions import sha256_text
from cxroi.audit.anchor import read_anchor
from cxroi.audit.keys import current_key
from cxroi.audit.registry import SEALED, SealedTable
from cxroi.audit.sealing import row_digest, sealed_row
from cxroi.extensions import db
from models.approval import ChainEntry

BATCH = 1000
#: Problems listed in full; a database with more is summarised after these.
MAX_PROBLEMS = 200


@dataclass(frozen=True, slots=True)
class Problem:
    """One disagreement: where (table, row id, column) and what."""

    table: str
    row: int | None
    column: str | None
    what: str

    def __str__(self) -> str:
        where = self.table if self.row is None else f"{self.table} row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.what}"


@dataclass
class AuditReport:
    entries: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.intact:
            return (
                f"audit chain intact: {self.entries} entries checked; "
                f"{self.rows} sealed rows agree with it"
            )
        lines = [f"audit record NOT intact: {len(self.problems)} problem(s); the first:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass
class _CaseTrail:
    """What the chain's workflow entries say about one case."""

    status: str | None = None
    status_seq: int = 0
    current_version: int | None = None


@dataclass
class _Sealed:
    """What the chain holds, gathered in one pass."""

    rows: dict[tuple[str, int], tuple[int, str | None]] = field(default_factory=dict)
    cases: dict[int, _CaseTrail] = field(default_factory=dict)
    decisions: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    revoked: dict[int, int] = field(default_factory=dict)
    hashes_at: dict[int, str] = field(default_factory=dict)
    tail: int = 0


class _Collector:
    def __init__(self, report: AuditReport) -> None:
        self.report = report

    def add(self, table: str, row: int | None, column: str | None, what: str) -> None:
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(Problem(table, row, column, what))


def verify_audit(
    key: bytes | None = None, anchor_path: Path | None = None, batch: int = BATCH
) -> AuditReport:
    """Check the whole audit record; the report's problems are in the order found."""
    key = current_key() if key is None else key
    anchor_path = Path(anchor_path or current_app.config["AUDIT_ANCHOR_PATH"])
    report = AuditReport()
    out = _Collector(report)
    anchor = read_anchor(anchor_path)
    sealed = _walk_chain(key, out, batch, anchor.seq if anchor else None)
    if report.problems:  # the chain itself is not to be trusted: stop at what is wrong
        return report
    if anchor is None:
        if sealed.tail:
            out.add(
                "audit_chain", None, None,
                f"no anchor at {anchor_path}: cannot tell whether newest entries were cut off",
            )  # fmt: skip
    elif anchor.seq > sealed.tail:
        out.add(
            "audit_chain", anchor.seq, None,
            f"the chain ends at entry {sealed.tail} but entry {anchor.seq} was anchored "
            f"outside the database: its newest entries were deleted",
        )  # fmt: skip
    elif not hmac.compare_digest(sealed.hashes_at.get(anchor.seq, ""), anchor.hash):
        out.add(
            "audit_chain", anchor.seq, "hash",
            "differs from the hash anchored outside the database (the chain was rewritten)",
        )  # fmt: skip
    if report.problems:  # the chain itself is not to be trusted: stop at what is wrong
        return report
    for table in SEALED:
        report.rows += _check_table(table, sealed, out, batch)
    for (name, row_id), (seq, digest) in sorted(sealed.rows.items()):
        if digest is not None:
            out.add(name, row_id, None, f"is missing (sealed in chain entry {seq}): deleted")
    _check_versions(out, batch)
    _check_cases(sealed, out, batch)
    _check_decisions(sealed, out, batch)
    _check_links(sealed, out, batch)
    _check_settings(out)
    return report


# -- the chain ---------------------------------------------------------------------------


def _entries(batch: int) -> Iterator[Any]:
    last = 0
    while True:
        rows = db.session.execute(
            select(
                ChainEntry.seq, ChainEntry.prev_hash, ChainEntry.hash, ChainEntry.kind,
                ChainEntry.case_id, ChainEntry.at, ChainEntry.payload,
            )
            .where(ChainEntry.seq > last)
            .order_by(ChainEntry.seq)
            .limit(batch)
        ).all()  # fmt: skip
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def _entry_problem(entry: Any, data: Any, expected_seq: int, prev: str, key: bytes) -> str | None:
    if entry.seq != expected_seq:
        return f"entry {expected_seq} is missing (deleted)"
    if entry.prev_hash != prev:
        return "its prev_hash is not the hash of the entry before it"
    if not isinstance(data, dict):
        return "its payload is not a sealed JSON object"
    if not hmac.compare_digest(seal(entry.prev_hash, data, key), entry.hash):
        return (
            "its payload does not match its keyed hash (altered, or sealed without the key; "
            "or CXROI_AUDIT_KEY is not the key the chain was sealed with)"
        )
    for column, value in (
        ("seq", entry.seq), ("kind", entry.kind), ("case_id", entry.case_id),
        ("at", json_ready(entry.at)),
    ):  # fmt: skip
        if data.get(column) != value:
            return f"its {column} column ({value!r}) is not the sealed {data.get(column)!r}"
    return None


def _walk_chain(key: bytes, out: _Collector, batch: int, anchor_seq: int | None) -> _Sealed:
    sealed = _Sealed()
    prev, expected = GENESIS, 1
    for entry in _entries(batch):
        try:
            data = json.loads(entry.payload)
        except ValueError:
            data = None
        problem = _entry_problem(entry, data, expected, prev, key)
        if problem is not None:
            column = "hash" if "keyed hash" in problem else None
            out.add("audit_chain", entry.seq, column, problem)
            return sealed
        if entry.seq == anchor_seq:
            sealed.hashes_at[entry.seq] = entry.hash
        _interpret(entry.seq, data, sealed)
        sealed.tail, prev, expected = entry.seq, entry.hash, entry.seq + 1
        out.report.entries += 1
    return sealed


def _interpret(seq: int, data: dict[str, Any], sealed: _Sealed) -> None:
    kind, case_id = data.get("kind"), data.get("case_id")
    if kind == ROW:
        row = data.get("row")
        sealed.rows[(str(data["table"]), int(data["id"]))] = (
            seq,
            row_digest(row) if row is not None else None,
        )
    elif kind in ("state", "approval") and isinstance(case_id, int):
        trail = sealed.cases.setdefault(case_id, _CaseTrail())
        trail.status, trail.status_seq = data.get("to"), seq
        if data.get("superseded_version") == trail.current_version:
            trail.current_version = None
        if "version" in data and kind == "state":
            trail.current_version = data["version"]
        if kind == "approval" and "decision_id" in data:
            sealed.decisions[int(data["decision_id"])] = (seq, data)
    elif kind == "link" and data.get("action") == "revoke":
        sealed.revoked[int(data["link_id"])] = seq


# -- the sealed rows ---------------------------------------------------------------------


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _batches(table: Table, columns: list[Any], batch: int) -> Iterator[Any]:
    last: int | None = None
    while True:
        query = select(*columns).order_by(table.c.id).limit(batch)
        if last is not None:
            query = query.where(table.c.id > last)
        rows = db.session.execute(query).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _check_table(spec: SealedTable, sealed: _Sealed, out: _Collector, batch: int) -> int:
    table = _table(spec.name)
    count = 0
    for row in _batches(table, [table.c[c] for c in spec.columns], batch):
        count += 1
        values = sealed_row(spec, row._mapping.__getitem__)
        seal_of = sealed.rows.pop((spec.name, row.id), None)
        if seal_of is None:
            out.add(spec.name, row.id, None, "is not in the audit chain (written outside the app)")
        elif seal_of[1] is None:
            out.add(spec.name, row.id, None, f"was deleted in chain entry {seal_of[0]}, yet exists")
        elif row_digest(values) != seal_of[1]:
            then = _sealed_values(seal_of[0])
            changed = [c for c in spec.columns if then.get(c) != values.get(c)]
            out.add(
                spec.name, row.id, ", ".join(changed),
                "; ".join(f"{c} is {values.get(c)!r}, sealed {then.get(c)!r}" for c in changed)
                + f" (chain entry {seal_of[0]})",
            )  # fmt: skip
    return count


def _sealed_values(seq: int) -> dict[str, Any]:
    payload = db.session.scalar(select(ChainEntry.payload).where(ChainEntry.seq == seq))
    row = json.loads(payload or "{}").get("row")
    return row if isinstance(row, dict) else {}


# -- what the rows mean ------------------------------------------------------------------


def _sha256(text: str | None) -> str:
    return sha256_text(text or "")


def _check_versions(out: _Collector, batch: int) -> None:
    t = _table("case_versions")
    columns = [t.c.id, t.c.case_json, t.c.case_hash, t.c.result_json, t.c.result_hash]
    for v in _batches(t, columns, batch):
        if _sha256(v.case_json) != v.case_hash:
            out.add("case_versions", v.id, "case_json", "does not match its hash (case_hash)")
        if _sha256(v.result_json) != v.result_hash:
            out.add("case_versions", v.id, "result_json", "does not match its hash (result_hash)")


def _same_setting(stored: str, recorded: str | None) -> bool:
    """Whether the stored JSON value is the one the audit record says was set."""
    if recorded is None:
        return False
    try:
        value = json.loads(stored)
    except ValueError:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(recorded) == float(value)
        except ValueError:
            return False
    return str(value) == recorded or json.dumps(value, sort_keys=True) == recorded


def _check_settings(out: _Collector) -> None:
    """The organisation's settings (the default discount rate) are the values their
    newest (sealed) audit events set: a value edited or deleted by SQL disagrees."""
    settings, events = _table("org_settings"), _table("audit_events")
    newest: dict[str, str | None] = {}
    rows = db.session.execute(
        select(events.c.field, events.c.new)
        .where(events.c.entity == "setting")
        .order_by(events.c.id)
    )
    for name, new in rows:
        newest[name] = new
    stored = dict(db.session.execute(select(settings.c.key, settings.c.value)).all())
    for name, value in sorted(stored.items()):
        if name not in newest:
            out.add("org_settings", None, name, "holds a value no audit event ever set")
        elif not _same_setting(value, newest[name]):
            out.add(
                "org_settings", None, name,
                f"is {value}, but its newest audit event set {newest[name]}",
            )  # fmt: skip
    for name in sorted(set(newest) - set(stored)):
        out.add("org_settings", None, name, "was set (audit trail) but its row is missing")


def _current_versions() -> dict[int, int | None]:
    """Each case's current version number (None: its newest version is superseded)."""
    t = _table("case_versions")
    newest: dict[int, tuple[int, bool]] = {}
    for case_id, number, superseded in db.session.execute(
        select(t.c.case_id, t.c.number, t.c.superseded_at.is_not(None))
    ):
        if case_id not in newest or number > newest[case_id][0]:
            newest[case_id] = (number, bool(superseded))
    return {c: (None if s else n) for c, (n, s) in newest.items()}


def _check_cases(sealed: _Sealed, out: _Collector, batch: int) -> None:
    t = _table("cases")
    current = _current_versions()
    for case in _batches(t, [t.c.id, t.c.status, t.c.case_hash, t.c.document], batch):
        if case.case_hash is not None and _sha256(case.document) != case.case_hash:
            out.add("cases", case.id, "document", "does not match its hash (case_hash)")
        trail = sealed.cases.get(case.id)
        if trail is None:  # no workflow step yet (or from before the chain): the row seal holds
            continue
        if case.status != trail.status:
            out.add(
                "cases", case.id, "status",
                f"is {case.status!r} but the chain says {trail.status!r} "
                f"(chain entry {trail.status_seq})",
            )  # fmt: skip
        if current.get(case.id) != trail.current_version:
            out.add(
                "cases", case.id, "current version",
                f"is {current.get(case.id)!r} in case_versions but the chain says "
                f"{trail.current_version!r}",
            )  # fmt: skip


#: A decision's column and the name of the same fact in its approval entry.
DECISION_FIELDS = (
    ("case_id", "case_id"), ("link_id", "link_id"), ("decision", "decision"),
    ("version_hash", "version_hash"), ("name", "name"), ("comment", "comment"),
    ("at", "decided_at"), ("ip", "ip"), ("user_agent", "user_agent"),
)  # fmt: skip


def _check_decisions(sealed: _Sealed, out: _Collector, batch: int) -> None:
    t = _table("decisions")
    for d in _batches(t, [t.c[c] for c, _ in DECISION_FIELDS] + [t.c.id], batch):
        entry = sealed.decisions.pop(d.id, None)
        if entry is None:
            out.add("decisions", d.id, None, "has no approval entry in the audit chain")
            continue
        seq, data = entry
        for column, name in DECISION_FIELDS:
            now = json_ready(getattr(d, column))
            if now != data.get(name):
                out.add(
                    "decisions", d.id, column,
                    f"is {now!r}, the approval entry {seq} says {data.get(name)!r}",
                )  # fmt: skip
    for decision_id, (seq, _) in sorted(sealed.decisions.items()):
        out.add("decisions", decision_id, None, f"is missing (approval entry {seq})")


def _check_links(sealed: _Sealed, out: _Collector, batch: int) -> None:
    t = _table("shared_links")
    for link in _batches(t, [t.c.id, t.c.revoked_at], batch):
        seq = sealed.revoked.get(link.id)
        if seq is not None and link.revoked_at is None:
            out.add(
                "shared_links", link.id, "revoked_at",
                f"is empty, but the link was revoked (chain entry {seq})",
            )  # fmt: skip
        elif seq is None and link.revoked_at is not None:
            out.add("shared_links", link.id, "revoked_at", "is set, but no revocation is sealed")
