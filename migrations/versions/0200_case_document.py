"""case document: a case is stored as its cxroi-case/2 document

Each case's rows (the ``cases`` header columns and the ``assumptions``, ``cost_lines``,
``benefit_lines`` and ``scenarios`` tables) become one document in ``cases.document``:

- the ``cxroi-case/1`` document is built from the rows exactly as the old
  ``Case.to_case_document()`` did (parts in ``position`` order), upgraded to ``/2``
  (ids a1, a2 ... c1 ... b1 ... s1 ... in that order) and given the narrative the
  rows held beside it: ``customer_problem`` and ``evidence`` when not empty, each
  assumption's ``confidence`` when it is low, medium or high (any other value, which
  the forms never wrote, is dropped with a warning);
- ``cases.document`` is ``canonical_json(load_case(doc))`` and ``cases.case_hash`` its
  SHA-256. ``result``, the headline metrics, ``computed_at``, ``updated_at`` and
  ``lock_version`` are kept: the format change moves no number. ``result`` stays the
  last column of ``cases``.

Every document is built and validated before anything is changed; if one fails, the
migration stops with every failing case and problem named, and the database is as it
was.

Reviews and comment threads refer to an assumption by its id (``item_id``), no longer
by key. A key is resolved, per case, to:

1. the assumption that has the key now;
2. else the assumption that last gave the key up by a rename, found in the audit
   trail (``entity='assumption'``, ``field='key'``, ``old=<key>``): the old app left a
   review or thread behind on the old key when an assumption was renamed, and the
   new model keeps them with the assumption;
3. else (the assumption was deleted, or no record says where it went) a placeholder
   ``gone:<key>`` (``gone:<first 10 characters>~<8 hex of the key's SHA-256>`` for a
   key longer than 19 characters). A placeholder is stable (the same key always gives
   the same one), fits ``String(24)``, is unique per case, and can never be the id of
   an item (ids have no ``:``): the app shows such a thread with the case's own
   threads and ignores such a review. Nothing is deleted.

A review whose key resolves (by rule 2) to an assumption that already has a review
under its current key keeps its row with the placeholder of its key (one verdict per
assumption; the one finance gave under the current key wins). A reply follows its
thread's root.

A verdict is bound to the content finance reviewed by a fingerprint. The old
fingerprint covered the key; the new one does not (a rename keeps the verdict). A
verdict that still applied to the assumption's content (its old fingerprint, taken
with the key it was given under, matches) gets the new fingerprint of that content,
so it reads as before; any other verdict keeps its old fingerprint and stays stale.
Both formulas are frozen copies below, as they were at this revision.

``audit_events`` gains ``item_id`` (the app now audits items by document id); it is
filled for the old rows of assumptions, lines, scenarios, reviews and comments whose
item still exists. No other audit column changes. Frozen versions (``case_versions``),
shared links, link uses, decisions and the audit chain are not touched: a frozen
version keeps its ``cxroi-case/1`` text and the hash sealed into the chain.

On SQLite the app turns foreign keys on for every connection and Alembic runs inside a
transaction, where they cannot be turned off; a batch "move and copy" of ``cases`` or
``comments`` would drop the old table, and SQLite's implicit ``DELETE`` would cascade
to every version, link, decision and review (and set the chain's ``case_id`` to null).
So those two tables are changed in place with ``ALTER TABLE ... ADD / RENAME / DROP
COLUMN`` (SQLite 3.35 or later; checked). Only ``assumption_reviews``, which no table
refers to, is rebuilt in batch mode. On SQLite ``cases.document`` therefore carries a
``DEFAULT ''`` (a ``NOT NULL`` column added in place needs one); the app always writes
it. The whole step is one transaction on both databases.

Downgrade works, with losses: the parts go back to rows (ids dropped), the narrative
and confidence back to their columns (a recurring cost's open end comes back as the
horizon, which means the same); line notes, which ``/1`` has no place for, are
lost; ``case_hash`` becomes null (the old app reprices at the next save or sign-off);
a review or thread on a placeholder gets its key back when the placeholder holds it
whole (keys up to 19 characters, not taken meanwhile), else keeps the placeholder as
its key; a verdict that applies to the current content gets the old fingerprint. A
document that uses what ``/1`` cannot say (a benefit kind added since) is copied into
the rows as it is, and the old app will refuse to open that case.

Revision ID: 0200_case_document
Revises: 0100_approvals
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

from cxroi.engine import CaseValidationError, canonical_json, case_hash, load_case
from cxroi.engine.loader import upgrade as upgrade_document

revision = "0200_case_document"
down_revision = "0100_approvals"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.0200_case_document")

CONFIDENCE_LEVELS = ("low", "medium", "high")
PLACEHOLDER = "gone:"
MOVED_COLUMNS = ("customer_problem", "evidence", "start_month", "horizon_months", "discount_rate")
PART_TABLES = ("assumptions", "cost_lines", "benefit_lines", "scenarios")
#: What the new fingerprint covers (cxroi.approvals.review.REVIEWED_FIELDS at this revision).
REVIEWED_FIELDS = ("label", "value", "unit", "low", "high", "source", "owner")
#: The audit trail's entity of each section's items, and each section's table.
SECTIONS = {
    "assumptions": ("assumption", "assumptions"),
    "costs": ("cost", "cost_lines"),
    "benefits": ("benefit", "benefit_lines"),
    "scenarios": ("scenario", "scenarios"),
}

# -- the tables as 0100_approvals left them (only what this migration reads) -----------

cases_0100 = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("description", sa.Text),
    sa.column("customer_problem", sa.Text),
    sa.column("evidence", sa.Text),
    sa.column("currency", sa.String),
    sa.column("start_month", sa.String),
    sa.column("horizon_months", sa.Integer),
    sa.column("discount_rate", sa.Float),
)
assumptions_0100 = sa.table(
    "assumptions",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("key", sa.String),
    sa.column("label", sa.String),
    sa.column("value", sa.Float),
    sa.column("unit", sa.Text),
    sa.column("low", sa.Float),
    sa.column("high", sa.Float),
    sa.column("source", sa.Text),
    sa.column("owner", sa.Text),
    sa.column("confidence", sa.String),
    sa.column("notes", sa.Text),
)
cost_lines_0100 = sa.table(
    "cost_lines",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("name", sa.String),
    sa.column("category", sa.Text),
    sa.column("department", sa.Text),
    sa.column("recurrence", sa.String),
    sa.column("month", sa.Integer),
    sa.column("start_month", sa.Integer),
    sa.column("end_month", sa.Integer),
    sa.column("params", sa.JSON),
)
benefit_lines_0100 = sa.table(
    "benefit_lines",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("ramp_start", sa.Integer),
    sa.column("ramp_months", sa.Integer),
    sa.column("params", sa.JSON),
)
scenarios_0100 = sa.table(
    "scenarios",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("name", sa.String),
    sa.column("overrides", sa.JSON),
)
PART_SOURCES = {
    "assumptions": assumptions_0100,
    "costs": cost_lines_0100,
    "benefits": benefit_lines_0100,
    "scenarios": scenarios_0100,
}


# -- the old row-to-document mapping (models/case.py at 0100, frozen) --------------------


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _assumption_doc(row: Any) -> dict[str, Any]:
    return _drop_none(
        {
            "key": row.key,
            "label": row.label,
            "value": row.value,
            "unit": row.unit,
            "low": row.low,
            "high": row.high,
            "source": row.source or None,
            "owner": row.owner or None,
            "notes": row.notes or None,
        }
    )


def _cost_doc(row: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": row.name,
        "category": row.category,
        "department": row.department or None,
        "recurrence": row.recurrence,
        **(row.params or {}),
    }
    if row.recurrence == "once":
        doc["month"] = row.month
    else:
        doc["start_month"] = row.start_month
        doc["end_month"] = row.end_month
    return _drop_none(doc)


def _benefit_doc(row: Any) -> dict[str, Any]:
    return _drop_none(
        {
            "name": row.name,
            "kind": row.kind,
            **(row.params or {}),
            "ramp_start": row.ramp_start,
            "ramp_months": row.ramp_months,
        }
    )


def _scenario_doc(row: Any) -> dict[str, Any]:
    return {"name": row.name, "overrides": dict(row.overrides or {})}


PART_DOCS = {
    "assumptions": _assumption_doc,
    "costs": _cost_doc,
    "benefits": _benefit_doc,
    "scenarios": _scenario_doc,
}


def _v1_document(case: Any, parts: dict[str, list[Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "cxroi-case/1",
        "title": case.title,
        "currency": case.currency,
        "start_month": case.start_month,
        "horizon_months": case.horizon_months,
        "discount_rate": case.discount_rate,
        **{section: [PART_DOCS[section](r) for r in parts[section]] for section in PART_DOCS},
    }
    if case.description:
        doc["description"] = case.description
    return doc


# -- the review fingerprints, before and after (frozen copies) ---------------------------


def _sha256_json(doc: dict[str, Any]) -> str:
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _old_fingerprint(fields: dict[str, Any], key: str) -> str:
    """0100: the assumption as the case file had it, without its notes, key included."""
    doc = _drop_none(
        {
            "key": key,
            "label": fields.get("label"),
            "value": fields.get("value"),
            "unit": fields.get("unit"),
            "low": fields.get("low"),
            "high": fields.get("high"),
            "source": fields.get("source") or None,
            "owner": fields.get("owner") or None,
        }
    )
    return _sha256_json(doc)


def _new_fingerprint(assumption: Any) -> str:
    """0200: label, value, unit, range and provenance; not the key, notes or confidence."""
    return _sha256_json(
        _drop_none({name: getattr(assumption, name) for name in REVIEWED_FIELDS})
    )


def placeholder(key: str) -> str:
    """The stable stand-in id of an assumption key that no longer resolves."""
    if len(key) <= 24 - len(PLACEHOLDER):
        return PLACEHOLDER + key
    return f"{PLACEHOLDER}{key[:10]}~{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _key_of_placeholder(item_id: str) -> str | None:
    rest = item_id[len(PLACEHOLDER) :]
    return rest if item_id.startswith(PLACEHOLDER) and "~" not in rest else None


# -- helpers for both directions ------------------------------------------------------


def _quote(name: str) -> str:
    return op.get_bind().dialect.identifier_preparer.quote(name)


def _begin(bind: sa.Connection) -> None:
    """Make the whole step one transaction on SQLite too.

    pysqlite opens its transaction at the first write, so DDL run before it commits on
    its own; a harmless write first makes every later statement part of the
    transaction that Alembic commits or rolls back.
    """
    if bind.dialect.name != "sqlite":
        return
    version = bind.dialect.dbapi.sqlite_version_info
    if version < (3, 35, 0):
        raise RuntimeError(
            "0200_case_document needs SQLite 3.35 or later (ALTER TABLE ... DROP COLUMN); "
            f"this Python uses SQLite {'.'.join(map(str, version))}"
        )
    bind.execute(sa.text("UPDATE cases SET id = id WHERE 1 = 0"))


def _add_filled_column(bind: sa.Connection, table: str, column: sa.Column[Any]) -> None:
    """Add a column that is filled next and is NOT NULL afterwards (see :func:`_not_null`)."""
    if bind.dialect.name == "sqlite":
        # Added in place, a NOT NULL column needs a default; SQLite cannot add the
        # constraint later without rebuilding the table (see the module's docstring).
        column.nullable = False
        default = "''" if isinstance(column.type, sa.String) else "0"
        column.server_default = sa.DefaultClause(sa.text(default))
    op.add_column(table, column)


def _not_null(bind: sa.Connection, table: str, name: str, type_: Any) -> None:
    if bind.dialect.name != "sqlite":
        op.alter_column(table, name, existing_type=type_, nullable=False)


def _result_last(bind: sa.Connection) -> None:
    """Move ``cases.result`` behind the columns just added: it must stay the last column
    (large values; see models/case.py). Rename, add again, copy, drop the old one."""
    bind.execute(sa.text(f"ALTER TABLE cases RENAME COLUMN {_quote('result')} TO result_moved"))
    op.add_column("cases", sa.Column("result", sa.JSON(), nullable=True))
    bind.execute(sa.text(f"UPDATE cases SET {_quote('result')} = result_moved"))
    op.drop_column("cases", "result_moved")


# -- upgrade ----------------------------------------------------------------------------


def _read_parts(bind: sa.Connection) -> dict[int, dict[str, list[Any]]]:
    parts: dict[int, dict[str, list[Any]]] = defaultdict(lambda: {s: [] for s in PART_DOCS})
    for section, table in PART_SOURCES.items():
        query = sa.select(table).order_by(table.c.case_id, table.c.position, table.c.id)
        for row in bind.execute(query):
            parts[row.case_id][section].append(row)
    return parts


def _released_keys(bind: sa.Connection) -> dict[int, dict[str, int]]:
    """Per case, each key an assumption gave up (renamed or deleted): the row id that
    last held it, from the audit trail (later events win)."""
    events = bind.execute(
        sa.text(
            "SELECT id, case_id, entity_id, action, field, old FROM audit_events "
            "WHERE entity = 'assumption' AND case_id IS NOT NULL AND entity_id IS NOT NULL "
            "AND ((action = 'update' AND field = 'key') OR action = 'delete') ORDER BY id"
        )
    )
    released: dict[int, dict[str, int]] = defaultdict(dict)
    for event in events:
        key = event.old
        if event.action == "delete":
            try:
                key = json.loads(event.old or "").get("key")
            except (ValueError, AttributeError):
                continue
        if isinstance(key, str) and key:
            released[event.case_id][key] = event.entity_id
    return released


class _Case:
    """One case on its way: its document and where its old rows went."""

    def __init__(self, row: Any, parts: dict[str, list[Any]]) -> None:
        self.id = row.id
        doc = upgrade_document(_v1_document(row, parts))
        for name in ("customer_problem", "evidence"):
            if getattr(row, name):
                doc[name] = getattr(row, name)
        for item, old in zip(doc["assumptions"], parts["assumptions"], strict=True):
            confidence = (old.confidence or "").strip().lower()
            if confidence in CONFIDENCE_LEVELS:
                item["confidence"] = confidence
            elif old.confidence:
                log.warning(
                    "case %s: assumption %r had confidence %r, not one of %s: dropped",
                    row.id,
                    old.key,
                    old.confidence,
                    ", ".join(CONFIDENCE_LEVELS),
                )
        self.case_file = load_case(doc)
        self.document = canonical_json(self.case_file)
        self.hash = case_hash(self.case_file)
        #: (audit entity, old row id) -> item id
        self.items: dict[tuple[str, int], str] = {}
        for section, (entity, _table) in SECTIONS.items():
            for old, item in zip(parts[section], getattr(self.case_file, section), strict=True):
                self.items[(entity, old.id)] = item.id
        self.assumption_rows = {
            a.id: r for a, r in zip(self.case_file.assumptions, parts["assumptions"], strict=True)
        }
        self.by_key = {a.key: a for a in self.case_file.assumptions}
        self.by_id = {a.id: a for a in self.case_file.assumptions}

    def resolve(self, key: str, released: dict[str, int]) -> tuple[str, str]:
        """``(item id, how)``: how is ``current``, ``renamed`` or ``gone``."""
        if key in self.by_key:
            return self.by_key[key].id, "current"
        row_id = released.get(key)
        item_id = self.items.get(("assumption", row_id)) if row_id is not None else None
        if item_id is not None:
            return item_id, "renamed"
        return placeholder(key), "gone"

    def fingerprint(self, item_id: str, key: str, stored: str) -> str:
        """The new fingerprint when the verdict (given under ``key``) still applies."""
        row = self.assumption_rows.get(item_id)
        if row is None:
            return stored
        fields = {name: getattr(row, name) for name in REVIEWED_FIELDS}
        if stored == _old_fingerprint(fields, key):
            return _new_fingerprint(self.by_id[item_id])
        return stored


def _build_cases(bind: sa.Connection) -> dict[int, _Case]:
    parts = _read_parts(bind)
    built: dict[int, _Case] = {}
    failures: list[str] = []
    for row in bind.execute(sa.select(cases_0100).order_by(cases_0100.c.id)):
        try:
            built[row.id] = _Case(row, parts[row.id])
        except CaseValidationError as exc:
            failures += [f"case {row.id} ({row.title!r}): {issue}" for issue in exc.issues]
    if failures:
        raise RuntimeError(
            "0200_case_document changed nothing: these cases do not make a valid "
            "cxroi-case/2 document; correct them with the previous release, then migrate:\n  "
            + "\n  ".join(failures)
        )
    return built


def _map_reviews(
    bind: sa.Connection, cases: dict[int, _Case], released: dict[int, dict[str, int]]
) -> list[dict[str, Any]]:
    reviews = bind.execute(
        sa.text(
            "SELECT id, case_id, assumption_key, fingerprint FROM assumption_reviews"
        )
    ).all()
    rank = {"current": 0, "renamed": 1, "gone": 2}
    resolved = []
    for review in reviews:
        case = cases[review.case_id]
        item_id, how = case.resolve(review.assumption_key, released[review.case_id])
        resolved.append((rank[how], review, item_id, how))
    # One verdict per assumption: the one under the current key first, then the latest.
    resolved.sort(key=lambda r: (r[0], -r[1].id))
    taken: set[tuple[int, str]] = set()
    updates = []
    for _rank, review, item_id, how in resolved:
        case = cases[review.case_id]
        if (review.case_id, item_id) in taken:
            log.warning(
                "case %s: review of %r resolved to %s, which has a review already: kept as %s",
                review.case_id,
                review.assumption_key,
                item_id,
                placeholder(review.assumption_key),
            )
            item_id, how = placeholder(review.assumption_key), "gone"
        taken.add((review.case_id, item_id))
        fingerprint = (
            review.fingerprint
            if how == "gone"
            else case.fingerprint(item_id, review.assumption_key, review.fingerprint)
        )
        updates.append({"id": review.id, "item_id": item_id, "fingerprint": fingerprint})
    return updates


def _map_comments(
    bind: sa.Connection, cases: dict[int, _Case], released: dict[int, dict[str, int]]
) -> dict[int, str | None]:
    comments = bind.execute(
        sa.text("SELECT id, case_id, assumption_key, thread_id FROM comments ORDER BY id")
    ).all()
    item_of: dict[int, str | None] = {}
    for comment in comments:  # roots come before their replies (lower ids)
        if comment.thread_id is not None and comment.thread_id in item_of:
            item_of[comment.id] = item_of[comment.thread_id]
        elif comment.assumption_key is None:
            item_of[comment.id] = None
        else:
            item_of[comment.id] = cases[comment.case_id].resolve(
                comment.assumption_key, released[comment.case_id]
            )[0]
    return item_of


def _audit_items(
    bind: sa.Connection, cases: dict[int, _Case], comment_items: dict[int, str | None]
) -> list[dict[str, Any]]:
    events = bind.execute(
        sa.text(
            "SELECT id, case_id, entity, entity_id FROM audit_events WHERE case_id IS NOT NULL "
            "AND entity_id IS NOT NULL AND entity IN "
            "('assumption', 'cost', 'benefit', 'scenario', 'assumption_review', 'comment')"
        )
    )
    updates = []
    for event in events:
        case = cases.get(event.case_id)
        if case is None:
            continue
        if event.entity == "comment":
            item_id = comment_items.get(event.entity_id)
        else:
            entity = "assumption" if event.entity == "assumption_review" else event.entity
            item_id = case.items.get((entity, event.entity_id))
        if item_id is not None:
            updates.append({"id": event.id, "item_id": item_id})
    return updates


def _execute_many(bind: sa.Connection, sql: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        bind.execute(sa.text(sql), rows)


def upgrade() -> None:
    bind = op.get_bind()
    _begin(bind)

    # Everything is worked out before the first change.
    cases = _build_cases(bind)
    released = _released_keys(bind)
    review_updates = _map_reviews(bind, cases, released)
    comment_items = _map_comments(bind, cases, released)
    audit_updates = _audit_items(bind, cases, comment_items)

    # cases: the document, its hash; result stays last; the moved columns go.
    _add_filled_column(bind, "cases", sa.Column("document", sa.Text(), nullable=True))
    _execute_many(
        bind,
        "UPDATE cases SET document = :document, case_hash = :case_hash WHERE id = :id",
        [{"id": c.id, "document": c.document, "case_hash": c.hash} for c in cases.values()],
    )
    _not_null(bind, "cases", "document", sa.Text())
    _result_last(bind)
    for name in MOVED_COLUMNS:
        op.drop_column("cases", name)

    # reviews: by item id, unique per case (a leaf table: rebuilt in batch on SQLite).
    op.add_column("assumption_reviews", sa.Column("item_id", sa.String(24), nullable=True))
    _execute_many(
        bind,
        "UPDATE assumption_reviews SET item_id = :item_id, fingerprint = :fingerprint "
        "WHERE id = :id",
        review_updates,
    )
    with op.batch_alter_table(
        "assumption_reviews",
        partial_reordering=[
            ("id", "case_id", "item_id", "status", "fingerprint", "reviewer_id", "reviewed_at")
        ],
    ) as batch:
        batch.drop_constraint("uq_assumption_reviews_case_id", type_="unique")
        batch.drop_column("assumption_key")
        batch.alter_column("item_id", existing_type=sa.String(24), nullable=False)
        batch.create_unique_constraint("uq_assumption_reviews_case_id", ["case_id", "item_id"])

    # comments: by item id (changed in place: the table refers to itself).
    op.add_column("comments", sa.Column("item_id", sa.String(24), nullable=True))
    _execute_many(
        bind,
        "UPDATE comments SET item_id = :item_id WHERE id = :id",
        [{"id": i, "item_id": item} for i, item in comment_items.items() if item is not None],
    )
    op.drop_column("comments", "assumption_key")

    # audit trail: which item an old row was about, where it still exists.
    op.add_column("audit_events", sa.Column("item_id", sa.String(24), nullable=True))
    _execute_many(
        bind, "UPDATE audit_events SET item_id = :item_id WHERE id = :id", audit_updates
    )

    for table in reversed(PART_TABLES):
        op.drop_table(table)


# -- downgrade --------------------------------------------------------------------------


def _create_part_tables() -> None:
    """The part tables as 0001_baseline and 0003_free_text made them."""
    case_fk = {"ondelete": "CASCADE"}
    op.create_table(
        "assumptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("confidence", sa.String(length=10), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_assumptions_case_id_cases"), **case_fk
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assumptions")),
    )
    op.create_table(
        "benefit_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ramp_start", sa.Integer(), nullable=False),
        sa.Column("ramp_months", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_benefit_lines_case_id_cases"), **case_fk
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_lines")),
    )
    op.create_table(
        "cost_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("recurrence", sa.String(length=10), nullable=False),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("start_month", sa.Integer(), nullable=True),
        sa.Column("end_month", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_cost_lines_case_id_cases"), **case_fk
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_lines")),
    )
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_scenarios_case_id_cases"), **case_fk
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )
    for table in PART_TABLES:
        op.create_index(op.f(f"ix_{table}_case_id"), table, ["case_id"], unique=False)


def _rows_of(case_id: int, doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The part rows of a (canonical, normalised) /2 document, as the old import made them."""
    assumptions = [
        {
            "case_id": case_id,
            "position": i,
            **{
                name: a.get(name)
                for name in (
                    "key", "label", "value", "unit", "low", "high",
                    "source", "owner", "confidence", "notes",
                )
            },
        }
        for i, a in enumerate(doc["assumptions"])
    ]
    costs = []
    for i, c in enumerate(doc["costs"]):
        once = c["recurrence"] == "once"
        costs.append(
            {
                "case_id": case_id,
                "position": i,
                "name": c["name"],
                "category": c["category"],
                "department": c.get("department"),
                "recurrence": c["recurrence"],
                "month": c.get("month") if once else None,
                "start_month": None if once else c.get("start_month"),
                "end_month": None if once else c.get("end_month"),
                "params": {
                    "amount": c["amount"],
                    "escalation": c.get("escalation", 0.0),
                    "risk": c.get("risk", 0.0),
                },
            }
        )
    fixed = {"id", "name", "kind", "ramp_start", "ramp_months", "note"}
    benefits = [
        {
            "case_id": case_id,
            "position": i,
            "name": b["name"],
            "kind": b["kind"],
            "ramp_start": b.get("ramp_start", 1),
            "ramp_months": b.get("ramp_months", 0),
            "params": {k: v for k, v in b.items() if k not in fixed},
        }
        for i, b in enumerate(doc["benefits"])
    ]
    scenarios = [
        {"case_id": case_id, "position": i, "name": s["name"], "overrides": s["overrides"]}
        for i, s in enumerate(doc["scenarios"])
    ]
    return {
        "assumptions": assumptions,
        "cost_lines": costs,
        "benefit_lines": benefits,
        "scenarios": scenarios,
    }


def downgrade() -> None:
    bind = op.get_bind()
    _begin(bind)

    docs: dict[int, dict[str, Any]] = {}
    files: dict[int, Any] = {}
    for row in bind.execute(sa.text("SELECT id, document FROM cases ORDER BY id")):
        files[row.id] = load_case(row.document)
        docs[row.id] = json.loads(row.document)

    def key_back(case_id: int, item_id: str | None, taken: set[str]) -> str | None:
        if item_id is None:
            return None
        for a in docs[case_id]["assumptions"]:
            if a["id"] == item_id:
                return str(a["key"])
        key = _key_of_placeholder(item_id)
        return key if key is not None and key not in taken else item_id

    review_updates = []
    for review in bind.execute(
        sa.text("SELECT id, case_id, item_id, fingerprint FROM assumption_reviews")
    ):
        keys = {a["key"] for a in docs[review.case_id]["assumptions"]}
        key = key_back(review.case_id, review.item_id, keys)
        fingerprint = review.fingerprint
        current = next(
            (a for a in files[review.case_id].assumptions if a.id == review.item_id), None
        )
        if current is not None and fingerprint == _new_fingerprint(current):
            fields = {name: getattr(current, name) for name in REVIEWED_FIELDS}
            fingerprint = _old_fingerprint(fields, current.key)
        review_updates.append({"id": review.id, "key": key, "fingerprint": fingerprint})
    comment_updates = []
    for comment in bind.execute(sa.text("SELECT id, case_id, item_id FROM comments")):
        keys = {a["key"] for a in docs[comment.case_id]["assumptions"]}
        key = key_back(comment.case_id, comment.item_id, keys)
        if key is not None:
            comment_updates.append({"id": comment.id, "key": key})

    _create_part_tables()
    for case_id, doc in docs.items():
        for table, rows in _rows_of(case_id, doc).items():
            if rows:
                columns = [
                    sa.column(name, sa.JSON if name in ("params", "overrides") else None)
                    for name in rows[0]
                ]
                op.bulk_insert(sa.table(table, *columns), rows)

    columns = [
        sa.Column("customer_problem", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
    ]
    for column in columns:
        op.add_column("cases", column)
    required = [
        sa.Column("start_month", sa.String(length=7)),
        sa.Column("horizon_months", sa.Integer()),
        sa.Column("discount_rate", sa.Float()),
    ]
    for column in required:
        _add_filled_column(bind, "cases", column)
    _execute_many(
        bind,
        "UPDATE cases SET customer_problem = :customer_problem, evidence = :evidence, "
        "start_month = :start_month, horizon_months = :horizon_months, "
        "discount_rate = :discount_rate, case_hash = NULL WHERE id = :id",
        [
            {
                "id": case_id,
                **{
                    name: doc.get(name)
                    for name in (
                        "customer_problem", "evidence", "start_month",
                        "horizon_months", "discount_rate",
                    )
                },
            }
            for case_id, doc in docs.items()
        ],
    )
    for column in required:
        _not_null(bind, "cases", column.name, column.type)
    _result_last(bind)
    op.drop_column("cases", "document")

    op.add_column("assumption_reviews", sa.Column("assumption_key", sa.String(40), nullable=True))
    _execute_many(
        bind,
        "UPDATE assumption_reviews SET assumption_key = :key, fingerprint = :fingerprint "
        "WHERE id = :id",
        review_updates,
    )
    with op.batch_alter_table("assumption_reviews") as batch:
        batch.drop_constraint("uq_assumption_reviews_case_id", type_="unique")
        batch.drop_column("item_id")
        batch.alter_column("assumption_key", existing_type=sa.String(40), nullable=False)
        batch.create_unique_constraint(
            "uq_assumption_reviews_case_id", ["case_id", "assumption_key"]
        )

    op.add_column("comments", sa.Column("assumption_key", sa.String(40), nullable=True))
    _execute_many(
        bind, "UPDATE comments SET assumption_key = :key WHERE id = :id", comment_updates
    )
    op.drop_column("comments", "item_id")
    op.drop_column("audit_events", "item_id")
