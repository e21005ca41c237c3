"""audit seal: key the chain (HMAC), seal every existing row, guard append-only tables

The chain was plain SHA-256 over workflow events. This revision

1. checks the existing chain as it was sealed (plain SHA-256) and refuses to go on if it
   is already broken (re-sealing it would launder the tampering);
2. re-seals every entry with HMAC-SHA256 under the audit key;
3. appends a ``baseline`` seal of every row of every sealed table
   (cxroi/audit/registry.py), so that rows written before sealing began are covered;
4. on PostgreSQL, installs the triggers that refuse UPDATE and DELETE on the append-only
   tables (cxroi/audit/guards.py);
5. anchors the chain's new head outside the database (CXROI_AUDIT_ANCHOR).

**It needs the audit key** when the database holds anything to seal: set
``CXROI_AUDIT_KEY`` (the key the app will run with) before ``cxroi init-db``; in debug
or test mode the development key in instance/audit.key is used instead.

Downgrade removes the triggers only: the chain stays keyed, which the code before this
revision cannot verify.

Revision ID: 0340_audit_seal
Revises: 0201_api_tokens
"""

import hashlib
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0340_audit_seal"
down_revision = "0330_idempotency"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _config():  # type: ignore[no-untyped-def]
    from flask import current_app, has_app_context

    from cxroi.config import settings

    return current_app.config if has_app_context() else settings()


def _plain_seal(prev_hash: str, payload_text: str) -> str:
    """How 0100_approvals sealed an entry (the canonical payload is stored as written)."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(payload_text.encode("utf-8"))
    return digest.hexdigest()


def _reseal_chain(conn: sa.Connection, key: bytes) -> None:
    """Re-seal a plain chain with the key; a chain keyed already (this revision downgraded
    and upgraded again) is left as it is, once it verifies under the key."""
    from cxroi.approvals.chain import seal
    from cxroi.approvals.ledger import _rows_on
    from cxroi.approvals.chain import verify_chain

    first = conn.execute(
        sa.text("SELECT prev_hash, hash, payload FROM audit_chain WHERE seq = 1")
    ).first()
    if first is not None and seal(first[0], json.loads(first[2]), key) == first[1]:
        report = verify_chain(_rows_on(conn), key)
        if not report.intact:
            raise RuntimeError(f"{report}: investigate before migrating")
        return

    chain = sa.table(
        "audit_chain",
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
        sa.column("payload", sa.Text),
    )
    old_prev, new_prev, expected, last = GENESIS, GENESIS, 1, 0
    while True:
        rows = conn.execute(
            sa.select(chain.c.seq, chain.c.prev_hash, chain.c.hash, chain.c.payload)
            .where(chain.c.seq > last)
            .order_by(chain.c.seq)
            .limit(1000)
        ).all()
        if not rows:
            return
        for seq, prev_hash, stored, payload in rows:
            if (
                seq != expected
                or prev_hash != old_prev
                or _plain_seal(prev_hash, payload) != stored
            ):
                raise RuntimeError(
                    f"audit chain entry {seq} does not verify as it was sealed: the chain was "
                    "tampered with before this migration. Investigate (cxroi verify-audit on "
                    "the previous release) before sealing it with the key."
                )
            new_hash = seal(new_prev, json.loads(payload), key)
            conn.execute(
                chain.update()
                .where(chain.c.seq == seq)
                .values(prev_hash=new_prev, hash=new_hash)
            )
            old_prev, new_prev, expected = stored, new_hash, seq + 1
        last = rows[-1][0]


def upgrade() -> None:
    from cxroi.audit.anchor import Anchor, write_anchor
    from cxroi.audit.guards import install_guards
    from cxroi.audit.keys import key_from_config
    from cxroi.audit.registry import SEALED
    from cxroi.audit.sealing import seal_existing_rows

    conn = op.get_bind()
    present = set(sa.inspect(conn).get_table_names())
    anything = any(
        conn.execute(sa.text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None
        for name in ["audit_chain", *(t.name for t in SEALED)]
        if name in present
    )
    if anything:
        config = _config()
        key = key_from_config(config)
        _reseal_chain(conn, key)
        seal_existing_rows(conn, key)
        seq, digest = conn.execute(
            sa.text("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
        ).one()
        write_anchor(Path(config["AUDIT_ANCHOR_PATH"]), Anchor(seq, digest), force=True)
    install_guards(conn)


def downgrade() -> None:
    from cxroi.audit.guards import remove_guards

    remove_guards(op.get_bind())
