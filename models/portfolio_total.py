"""Portfolio totals per (currency, status, owner), kept by the database as cases change.

The portfolio shows, per currency, how many cases the filter selects and the sums of
their NPV, PV of costs and PV of benefits. Aggregating every case on every request grows
with the portfolio; instead each row here holds those sums for one (currency, status,
owner) and triggers on ``cases`` add each change as a delta, in the transaction that
writes the case: ``store()``, a workflow step, a delete, a bulk insert, anything.
A filter on status, owner or currency then sums a handful of rows.

Same semantics as the aggregate it replaces: every case counts; a NULL figure adds
nothing to its sum (``SUM`` ignores NULL). Sums are floating point, so they can differ
from a fresh ``SUM`` by rounding; :func:`rebuild_totals` recomputes them exactly.

Concurrent writers (PostgreSQL): every change is ``INSERT … ON CONFLICT DO UPDATE SET
x = x + delta``, never read-modify-write, so no increment is lost; a case moving between
two rows touches them in a fixed order (the smaller key first) so that two such moves
cannot deadlock each other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Float, Integer, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from cxroi.extensions import Base

#: The columns a trigger reacts to: the key and the summed figures.
KEY = ("currency", "status", "owner_id")
SUMMED = ("npv", "pv_costs", "pv_benefits")


class PortfolioTotal(Base):
    __tablename__ = "portfolio_totals"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    status: Mapped[str] = mapped_column(String(30), primary_key=True)
    # No foreign key: a row left at zero cases must never stop a user being removed.
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    npv: Mapped[float] = mapped_column(Float, default=0.0)
    pv_costs: Mapped[float] = mapped_column(Float, default=0.0)
    pv_benefits: Mapped[float] = mapped_column(Float, default=0.0)


def _upsert(prefix: str, sign: str, table: str = "portfolio_totals") -> str:
    """Add (sign '+') or remove (sign '-') the row ``prefix`` (NEW or OLD) from its totals."""
    figures = ", ".join(f"{sign}COALESCE({prefix}.{c}, 0.0)" for c in SUMMED)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in ("cases", *SUMMED))
    return (
        f"INSERT INTO {table} (currency, status, owner_id, cases, {', '.join(SUMMED)}) "
        f"VALUES ({prefix}.currency, {prefix}.status, {prefix}.owner_id, {sign}1, {figures}) "
        f"ON CONFLICT (currency, status, owner_id) DO UPDATE SET {updates}"
    )


def _same_key_delta(table: str = "portfolio_totals") -> str:
    """One upsert with NEW - OLD when the key did not change (one rounding, not two)."""
    figures = ", ".join(f"COALESCE(NEW.{c}, 0.0) - COALESCE(OLD.{c}, 0.0)" for c in SUMMED)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in SUMMED)
    return (
        f"INSERT INTO {table} (currency, status, owner_id, cases, {', '.join(SUMMED)}) "
        f"VALUES (NEW.currency, NEW.status, NEW.owner_id, 0, {figures}) "
        f"ON CONFLICT (currency, status, owner_id) DO UPDATE SET {updates}"
    )


_KEY_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in KEY)
_ANY_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in (*KEY, *SUMMED))
_PG_KEY_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in KEY)
_PG_ANY_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in (*KEY, *SUMMED))
_PG_OLD_FIRST = (
    "(OLD.currency, OLD.status, OLD.owner_id) < (NEW.currency, NEW.status, NEW.owner_id)"
)

SQLITE_TRIGGERS = {
    "cases_totals_insert": f"""
CREATE TRIGGER cases_totals_insert AFTER INSERT ON cases
BEGIN {_upsert("NEW", "+")}; END""",
    "cases_totals_delete": f"""
CREATE TRIGGER cases_totals_delete AFTER DELETE ON cases
BEGIN {_upsert("OLD", "-")}; END""",
    "cases_totals_update_figures": f"""
CREATE TRIGGER cases_totals_update_figures AFTER UPDATE ON cases
WHEN NOT ({_KEY_CHANGED}) AND ({_ANY_CHANGED})
BEGIN {_same_key_delta()}; END""",
    "cases_totals_update_key": f"""
CREATE TRIGGER cases_totals_update_key AFTER UPDATE ON cases
WHEN {_KEY_CHANGED}
BEGIN {_upsert("OLD", "-")}; {_upsert("NEW", "+")}; END""",
}

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION cxroi_portfolio_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_upsert("NEW", "+")};
  ELSIF TG_OP = 'DELETE' THEN
    {_upsert("OLD", "-")};
  ELSIF {_PG_KEY_CHANGED} THEN
    IF {_PG_OLD_FIRST} THEN
      {_upsert("OLD", "-")};
      {_upsert("NEW", "+")};
    ELSE
      {_upsert("NEW", "+")};
      {_upsert("OLD", "-")};
    END IF;
  ELSIF {_PG_ANY_CHANGED} THEN
    {_same_key_delta()};
  END IF;
  RETURN NULL;
END $$"""

PG_TRIGGER = (
    "CREATE TRIGGER cases_portfolio_totals AFTER INSERT OR UPDATE OR DELETE ON cases "
    "FOR EACH ROW EXECUTE FUNCTION cxroi_portfolio_totals()"
)

#: Recompute every row from ``cases`` (the migration's first fill, and a repair).
REBUILD = [
    "DELETE FROM portfolio_totals",
    "INSERT INTO portfolio_totals (currency, status, owner_id, cases, npv, pv_costs, "
    "pv_benefits) SELECT currency, status, owner_id, COUNT(*), COALESCE(SUM(npv), 0.0), "
    "COALESCE(SUM(pv_costs), 0.0), COALESCE(SUM(pv_benefits), 0.0) FROM cases "
    "GROUP BY currency, status, owner_id",
]


def create_triggers(conn: Connection) -> None:
    """Install the triggers that keep ``portfolio_totals`` (SQLite or PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(PG_FUNCTION))
        conn.execute(text("DROP TRIGGER IF EXISTS cases_portfolio_totals ON cases"))
        conn.execute(text(PG_TRIGGER))
    else:
        for name, ddl in SQLITE_TRIGGERS.items():
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            conn.execute(text(ddl))


def drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER IF EXISTS cases_portfolio_totals ON cases"))
        conn.execute(text("DROP FUNCTION IF EXISTS cxroi_portfolio_totals()"))
    else:
        for name in SQLITE_TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild_totals(conn: Connection) -> None:
    for statement in REBUILD:
        conn.execute(text(statement))


def _both_tables(conn: Connection) -> bool:
    return all(conn.dialect.has_table(conn, t) for t in ("cases", "portfolio_totals"))


def ensure_portfolio_totals(conn: Connection) -> None:
    """Triggers installed and totals recomputed, if the tables exist (idempotent).

    Run after ``create_all`` and after every migration run: SQLite drops a table's
    triggers when a batch migration rebuilds ``cases``.
    """
    if _both_tables(conn):
        create_triggers(conn)
        rebuild_totals(conn)


@event.listens_for(Base.metadata, "after_create")
def _after_create(_metadata: Any, conn: Connection, **_kw: Any) -> None:
    """``create_all`` (tests, benchmarks) gets the same triggers as the migration."""
    ensure_portfolio_totals(conn)


@event.listens_for(Base.metadata, "before_drop")
def _before_drop(_metadata: Any, conn: Connection, **_kw: Any) -> None:
    if _both_tables(conn):
        drop_triggers(conn)
