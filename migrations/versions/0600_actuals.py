"""actuals: monthly actuals per case line, and CX and business metric series

Revision ID: 0600_actuals
Revises: 0310_approvers
"""

import sqlalchemy as sa
from alembic import op

revision = "0600_actuals"
down_revision = "0500_portfolio_keyset"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actuals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=24), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("benefit", sa.Float(), nullable=True),
        sa.Column("drivers", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_actuals_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_actuals_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actuals")),
        sa.UniqueConstraint(
            "case_id", "line_id", "month", name=op.f("uq_actuals_case_id")
        ),
    )
    op.create_index(op.f("ix_actuals_case_id"), "actuals", ["case_id"], unique=False)
    op.create_table(
        "metric_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_metric_values_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_metric_values_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_values")),
        sa.UniqueConstraint(
            "case_id", "name", "month", name=op.f("uq_metric_values_case_id")
        ),
    )
    op.create_index(op.f("ix_metric_values_case_id"), "metric_values", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_metric_values_case_id"), table_name="metric_values")
    op.drop_table("metric_values")
    op.drop_index(op.f("ix_actuals_case_id"), table_name="actuals")
    op.drop_table("actuals")
