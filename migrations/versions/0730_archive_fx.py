"""archive and FX: a case can be archived (when, by whom), and the portfolio keeps archived
cases' figures apart

- ``cases.archived_at`` and ``cases.archived_by_id`` (both empty: no case is archived). Plain
  ADD COLUMN, no table rebuild (a rebuilt ``cases`` on SQLite would break the foreign keys
  of the tables that point at it); ``archived_by_id`` has no database foreign key.
  ``document`` and ``result`` are then moved behind them: they stay the last columns. Both are sealed with the row (cxroi.audit.registry);
  being empty, they leave every existing row's seal as it is.
- the triggers that keep ``portfolio_totals`` put an archived case under the ``archived``
  bucket instead of its state, and the totals are recomputed.

The organisation's FX rates are an organisation setting (``org_settings``): no schema.

Revision ID: 0730_archive_fx
Revises: 0721_council_seal
"""

import sqlalchemy as sa
from alembic import op

from models.portfolio_total import create_triggers, rebuild_totals

revision = "0730_archive_fx"
down_revision = "0721_council_seal"
branch_labels = None
depends_on = None


def _to_the_end(bind: sa.Connection, name: str, type_: sa.types.TypeEngine, null: bool) -> None:
    """Move ``cases.<name>`` behind the columns just added, as 0200 did: ``document`` and
    ``result`` stay the last columns (large values; see models/case.py). Rename, add again,
    copy, drop the old one."""
    quote = bind.dialect.identifier_preparer.quote
    bind.execute(sa.text(f"ALTER TABLE cases RENAME COLUMN {quote(name)} TO {name}_moved"))
    sqlite = bind.dialect.name == "sqlite"
    if null or not sqlite:
        op.add_column("cases", sa.Column(name, type_, nullable=True))
    else:  # SQLite adds a NOT NULL column only with a default (no table rebuild)
        op.add_column(
            "cases", sa.Column(name, type_, nullable=False, server_default=sa.text("''"))
        )
    bind.execute(sa.text(f"UPDATE cases SET {quote(name)} = {name}_moved"))
    if not null and not sqlite:
        op.alter_column("cases", name, existing_type=type_, nullable=False)
    op.drop_column("cases", f"{name}_moved")


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column("cases", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    # No foreign key (as shared_links.approver_id): accounts are never deleted.
    op.add_column("cases", sa.Column("archived_by_id", sa.Integer(), nullable=True))
    _to_the_end(conn, "document", sa.Text(), null=False)
    _to_the_end(conn, "result", sa.JSON(), null=True)
    create_triggers(conn, archived=True)
    rebuild_totals(conn, archived=True)


def downgrade() -> None:
    conn = op.get_bind()
    create_triggers(conn, archived=False)
    op.drop_column("cases", "archived_by_id")
    op.drop_column("cases", "archived_at")
    rebuild_totals(conn, archived=False)
