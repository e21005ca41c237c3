"""free-text columns: unit, owner, category and department have no length limit

The case file does not limit them, so an import must never be cut short or refused
by the database (PostgreSQL enforced the old VARCHAR lengths).

Revision ID: 0003_free_text
Revises: 0002_totals_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_free_text"
down_revision = "0002_totals_index"
branch_labels = None
depends_on = None

COLUMNS = [
    ("assumptions", "unit", 60, False),
    ("assumptions", "owner", 80, True),
    ("cost_lines", "category", 80, False),
    ("cost_lines", "department", 80, True),
]


def upgrade() -> None:
    for table, column, length, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.Text(), existing_type=sa.String(length), existing_nullable=nullable
            )


def downgrade() -> None:
    for table, column, length, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.String(length), existing_type=sa.Text(), existing_nullable=nullable
            )
