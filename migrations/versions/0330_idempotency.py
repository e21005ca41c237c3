"""idempotency: a shared link remembers the form that made it (a retry finds it)

A unique index, not a constraint: SQLite adds it without copying the table, which
other tables reference.

Revision ID: 0330_idempotency
Revises: 0201_api_tokens
"""

import sqlalchemy as sa
from alembic import op

revision = "0330_idempotency"
down_revision = "0310_approvers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "shared_links", sa.Column("idempotency_hash", sa.String(length=64), nullable=True)
    )
    op.create_index(
        op.f("ix_shared_links_idempotency_hash"),
        "shared_links",
        ["idempotency_hash"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_shared_links_idempotency_hash"), table_name="shared_links")
    op.drop_column("shared_links", "idempotency_hash")  # SQLite >= 3.35 drops in place
