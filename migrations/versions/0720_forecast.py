"""forecast: finance's adjusted forecast of an approved case, per line and month left

Revision ID: 0720_forecast
Revises: 0710_council
"""

import sqlalchemy as sa
from alembic import op

revision = "0720_forecast"
down_revision = "0710_council"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=24), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_forecast_values_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_forecast_values_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_values")),
        sa.UniqueConstraint(
            "case_id", "line_id", "month", name=op.f("uq_forecast_values_case_id")
        ),
    )
    op.create_index(
        op.f("ix_forecast_values_case_id"), "forecast_values", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_forecast_values_case_id"), table_name="forecast_values")
    op.drop_table("forecast_values")
