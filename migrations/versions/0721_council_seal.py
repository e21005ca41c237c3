"""council seal: seal the CX council's records that were written before they were sealed

The council's meetings, agenda notes, actions and decisions (0710_council) join the
sealed tables (cxroi/audit/registry.py), as does finance's adjusted forecast
(0720_forecast, sealed from its first row). From now on every change to them is sealed
as it is flushed; this revision appends a ``baseline`` seal of the council rows already
there, so that ``cxroi verify-audit`` checks them too, and anchors the chain's new head.
Like 0340_audit_seal, it needs the audit key (CXROI_AUDIT_KEY) when there is a row to
seal. The tables are not append-only (a note is rewritten, an action's status moves):
no trigger is added.

Downgrade does nothing: the baseline entries stay in the chain (it is append-only).

Revision ID: 0721_council_seal
Revises: 0720_forecast
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0721_council_seal"
down_revision = "0720_forecast"
branch_labels = None
depends_on = None

COUNCIL = ("council_meetings", "council_notes", "council_actions", "council_decisions")


def _config():  # type: ignore[no-untyped-def]
    from flask import current_app, has_app_context

    from cxroi.config import settings

    return current_app.config if has_app_context() else settings()


def upgrade() -> None:
    from cxroi.audit.anchor import Anchor, write_anchor
    from cxroi.audit.keys import key_from_config
    from cxroi.audit.sealing import seal_existing_rows

    conn = op.get_bind()
    present = set(sa.inspect(conn).get_table_names())
    rows = any(
        conn.execute(sa.text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None
        for name in COUNCIL
        if name in present
    )
    if not rows:
        return
    config = _config()
    if seal_existing_rows(conn, key_from_config(config), only=COUNCIL):
        seq, digest = conn.execute(
            sa.text("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
        ).one()
        write_anchor(Path(config["AUDIT_ANCHOR_PATH"]), Anchor(seq, digest))


def downgrade() -> None:
    pass
