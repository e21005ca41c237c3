"""council: the CX council's meetings (agenda notes), actions log and decisions log

Revision ID: 0710_council
Revises: 0700_notifications
"""

import sqlalchemy as sa
from alembic import op

revision = "0710_council"
down_revision = "0700_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_meetings")),
        sa.UniqueConstraint("month", name=op.f("uq_council_meetings_month")),
    )
    op.create_table(
        "council_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=30), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meetings.id"],
            name=op.f("fk_council_notes_meeting_id_council_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_notes")),
        sa.UniqueConstraint("meeting_id", "item", name=op.f("uq_council_notes_meeting_id")),
    )
    op.create_index(op.f("ix_council_notes_meeting_id"), "council_notes", ["meeting_id"])
    for table, columns in (
        (
            "council_actions",
            [
                sa.Column("action", sa.Text(), nullable=False),
                sa.Column("owner", sa.String(length=200), nullable=False),
                sa.Column("due_date", sa.Date(), nullable=False),
                sa.Column("status", sa.String(length=20), nullable=False),
            ],
        ),
        (
            "council_decisions",
            [
                sa.Column("what", sa.Text(), nullable=False),
                sa.Column("decided_on", sa.Date(), nullable=False),
                sa.Column("decided_by", sa.String(length=200), nullable=False),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("meeting_id", sa.Integer(), nullable=True),
            *columns,
            sa.Column("case_id", sa.Integer(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["meeting_id"],
                ["council_meetings.id"],
                name=op.f(f"fk_{table}_meeting_id_council_meetings"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["case_id"],
                ["cases.id"],
                name=op.f(f"fk_{table}_case_id_cases"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_meeting_id"), table, ["meeting_id"])
        op.create_index(op.f(f"ix_{table}_case_id"), table, ["case_id"])


def downgrade() -> None:
    for table in ("council_decisions", "council_actions"):
        op.drop_index(op.f(f"ix_{table}_case_id"), table_name=table)
        op.drop_index(op.f(f"ix_{table}_meeting_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_council_notes_meeting_id"), table_name="council_notes")
    op.drop_table("council_notes")
    op.drop_table("council_meetings")
