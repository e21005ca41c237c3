"""idempotency: a shared link remembers the form that made it (a retry finds it)

Revision ID: 0330_idempotency
Revises: 0201_api_tokens
"""

import sqlalchemy as sa
from alembic import op

revision = "0330_idempotency"
down_revision = "0201_api_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shared_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_shared_links_idempotency_hash"), ["idempotency_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("shared_links", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_shared_links_idempotency_hash"), type_="unique")
        batch_op.drop_column("idempotency_hash")
