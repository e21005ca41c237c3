"""notification topic: what a notification is about, so "told once" checks (a driver's
drift per line, driver and month) do not depend on its subject's wording

Revision ID: 0740_notification_topic
Revises: 0730_archive_fx

Rows written before it have no topic (their line cannot be read back from the subject),
so a drift told before the upgrade may be told once more after it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0740_notification_topic"
down_revision = "0730_archive_fx"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("topic", sa.String(length=200), nullable=True))
        batch.create_index("ix_notifications_topic", ["case_id", "kind", "topic"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_topic")
        batch.drop_column("topic")
