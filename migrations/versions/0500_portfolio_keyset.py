"""portfolio keyset: an index per sort, kept totals, owners and trigram search

The portfolio's first page grew with the number of cases (issue 11). This revision:

- replaces the single-column sort indexes (``ix_cases_npv``, ``ix_cases_npv_per_pv_cost``,
  ``ix_cases_updated_at``) by one ``(column, id)`` index per sort the page offers (npv,
  npv_per_pv_cost, roi, payback_months, updated_at, title), which keyset pages read;
- adds ``ix_cases_currency`` (a filter) and drops ``ix_cases_totals`` (0002), which only
  served the per-request aggregate this revision retires;
- creates ``portfolio_totals`` (per currency, status and owner: cases and the sums of
  NPV, PV costs and PV benefits), fills it from ``cases`` and installs the triggers that
  keep it (:mod:`models.portfolio_total`, the one definition ``create_all`` uses too);
- on PostgreSQL, ``CREATE EXTENSION IF NOT EXISTS pg_trgm`` and GIN trigram indexes on
  ``title`` and ``description`` for search. If the extension cannot be created (no
  right to), a warning says so and search scans with ILIKE, as SQLite's LIKE does
  (SQLite gets the same index names as empty partial indexes, as the models say).

Revision ID: 0500_portfolio_keyset
Revises: 0201_api_tokens
"""

import logging

import sqlalchemy as sa
from alembic import op

from models.case import SEARCHED_COLUMNS, SORT_COLUMNS, create_trigram_extension
from models.portfolio_total import create_triggers, drop_triggers, rebuild_totals

revision = "0500_portfolio_keyset"
down_revision = "0340_audit_seal"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

OLD_SORT_INDEXES = {
    "ix_cases_npv": ["npv"],
    "ix_cases_npv_per_pv_cost": ["npv_per_pv_cost"],
    "ix_cases_updated_at": ["updated_at"],
}


def upgrade() -> None:
    conn = op.get_bind()
    for name in OLD_SORT_INDEXES:
        op.drop_index(name, table_name="cases")
    op.drop_index("ix_cases_totals", table_name="cases")
    for column in SORT_COLUMNS:
        op.create_index(f"ix_cases_{column}_id", "cases", [column, "id"], unique=False)
    op.create_index("ix_cases_currency", "cases", ["currency"], unique=False)

    op.create_table(
        "portfolio_totals",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("npv", sa.Float(), nullable=False),
        sa.Column("pv_costs", sa.Float(), nullable=False),
        sa.Column("pv_benefits", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("currency", "status", "owner_id", name=op.f("pk_portfolio_totals")),
    )
    create_triggers(conn)
    rebuild_totals(conn)

    if conn.dialect.name == "postgresql" and not create_trigram_extension(conn):
        log.warning(
            "pg_trgm is not available: portfolio search has no trigram index and scans "
            "the cases (ask a superuser for CREATE EXTENSION pg_trgm, then run init-db)"
        )
        return
    for column in SEARCHED_COLUMNS:  # SQLite: empty (WHERE 0), as the models say
        op.create_index(
            f"ix_cases_{column}_trgm",
            "cases",
            [column],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
            sqlite_where=sa.text("0"),
        )


def downgrade() -> None:
    conn = op.get_bind()
    for column in SEARCHED_COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_cases_{column}_trgm")
    drop_triggers(conn)
    op.drop_table("portfolio_totals")
    op.drop_index("ix_cases_currency", table_name="cases")
    for column in SORT_COLUMNS:
        op.drop_index(f"ix_cases_{column}_id", table_name="cases")
    op.create_index(
        "ix_cases_totals", "cases", ["currency", "npv", "pv_costs", "pv_benefits"], unique=False
    )
    for name, columns in OLD_SORT_INDEXES.items():
        op.create_index(name, "cases", columns, unique=False)
