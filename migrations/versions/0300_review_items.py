"""review items: a verdict keeps the fields it accepted; the organisation's settings

Every number of a case is reviewed now (assumptions, lines, finance settings); the
verdicts stay in ``assumption_reviews`` (keyed by item id) and keep what they accepted,
so that a change since reads as "changed since accepted" with what changed. The
organisation's default discount rate, set by finance or an admin, lives in
``org_settings``.

Revision ID: 0300_review_items
Revises: 0201_api_tokens
"""

import sqlalchemy as sa
from alembic import op

revision = "0300_review_items"
down_revision = "0201_api_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assumption_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_fields", sa.Text(), nullable=True))
    op.create_table(
        "org_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_org_settings_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_org_settings")),
    )


def downgrade() -> None:
    op.drop_table("org_settings")
    with op.batch_alter_table("assumption_reviews", schema=None) as batch_op:
        batch_op.drop_column("reviewed_fields")
