"""portfolio totals: a covering index per currency

Revision ID: 0002_totals_index
Revises: 0001_baseline
"""

from alembic import op

revision = "0002_totals_index"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_cases_totals", "cases", ["currency", "npv", "pv_costs", "pv_benefits"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_cases_totals", table_name="cases")
