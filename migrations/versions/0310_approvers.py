"""approvers: the approver directory, one-time decision codes, mailed approve links

Revision ID: 0310_approvers
Revises: 0201_api_tokens
"""

import sqlalchemy as sa
from alembic import op

revision = "0310_approvers"
down_revision = "0300_review_items"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approvers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("limit_amount", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvers")),
        sa.UniqueConstraint("email", name=op.f("uq_approvers_email")),
    )
    op.create_table(
        "decision_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["shared_links.id"],
            name=op.f("fk_decision_codes_link_id_shared_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_codes")),
    )
    with op.batch_alter_table("decision_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_codes_link_id"), ["link_id"], unique=False)
    # Plain ADD COLUMN (no table rebuild: on SQLite a rebuilt shared_links would break the
    # foreign keys of link_uses and decisions). approver_id has no database foreign key:
    # approvers are never deleted.
    op.add_column("shared_links", sa.Column("approver_id", sa.Integer(), nullable=True))
    op.add_column("shared_links", sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("shared_links", sa.Column("mail_error", sa.String(length=300), nullable=True))
    op.add_column("decisions", sa.Column("verified_email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    op.drop_column("decisions", "verified_email")
    op.drop_column("shared_links", "mail_error")
    op.drop_column("shared_links", "mailed_at")
    op.drop_column("shared_links", "approver_id")
    with op.batch_alter_table("decision_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_codes_link_id"))
    op.drop_table("decision_codes")
    op.drop_table("approvers")
