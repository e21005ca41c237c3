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

from sqlalchemy import Connection, Float, Integer, String, event, inspect, text
from sqlalchemy.orm import Mapped, mapped_column

from cxroi.extensions import Base
from cxroi.workflow import ARCHIVED

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


def _bucket(prefix: str, archived: bool) -> str:
    """The ``status`` a row is kept under: its state, or ``archived`` once archived (the
    portfolio's list and totals leave it out unless its "Archived" filter asks for it).

    ``archived=False``: the definition before cases had ``archived_at`` (migration 0500)."""
    if not archived:
        return f"{prefix}.status"
    return f"CASE WHEN {prefix}.archived_at IS NULL THEN {prefix}.status ELSE '{ARCHIVED}' END"


def _upsert(prefix: str, sign: str, archived: bool = True, table: str = "portfolio_totals") -> str:
    """Add (sign '+') or remove (sign '-') the row ``prefix`` (NEW or OLD) from its totals."""
    figures = ", ".join(f"{sign}COALESCE({prefix}.{c}, 0.0)" for c in SUMMED)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in ("cases", *SUMMED))
    return (
        f"INSERT INTO {table} (currency, status, owner_id, cases, {', '.join(SUMMED)}) "
        f"VALUES ({prefix}.currency, {_bucket(prefix, archived)}, {prefix}.owner_id, {sign}1, "
        f"{figures}) ON CONFLICT (currency, status, owner_id) DO UPDATE SET {updates}"
    )


def _same_key_delta(archived: bool = True, table: str = "portfolio_totals") -> str:
    """One upsert with NEW - OLD when the key did not change (one rounding, not two)."""
    figures = ", ".join(f"COALESCE(NEW.{c}, 0.0) - COALESCE(OLD.{c}, 0.0)" for c in SUMMED)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in SUMMED)
    return (
        f"INSERT INTO {table} (currency, status, owner_id, cases, {', '.join(SUMMED)}) "
        f"VALUES (NEW.currency, {_bucket('NEW', archived)}, NEW.owner_id, 0, {figures}) "
        f"ON CONFLICT (currency, status, owner_id) DO UPDATE SET {updates}"
    )


def _changed(columns: tuple[str, ...], archived: bool, pg: bool) -> str:
    """SQL true when any of ``columns`` (or, with ``archived``, being archived) changed."""
    differs = "IS DISTINCT FROM" if pg else "IS NOT"
    parts = [f"OLD.{c} {differs} NEW.{c}" for c in columns]
    if archived:
        parts.append(f"(OLD.archived_at IS NULL) {differs} (NEW.archived_at IS NULL)")
    return " OR ".join(parts)


def sqlite_triggers(archived: bool = True) -> dict[str, str]:
    key_changed = _changed(KEY, archived, pg=False)
    any_changed = _changed((*KEY, *SUMMED), archived, pg=False)
    return {
        "cases_totals_insert": f"""
CREATE TRIGGER cases_totals_insert AFTER INSERT ON cases
BEGIN {_upsert("NEW", "+", archived)}; END""",
        "cases_totals_delete": f"""
CREATE TRIGGER cases_totals_delete AFTER DELETE ON cases
BEGIN {_upsert("OLD", "-", archived)}; END""",
        "cases_totals_update_figures": f"""
CREATE TRIGGER cases_totals_update_figures AFTER UPDATE ON cases
WHEN NOT ({key_changed}) AND ({any_changed})
BEGIN {_same_key_delta(archived)}; END""",
        "cases_totals_update_key": f"""
CREATE TRIGGER cases_totals_update_key AFTER UPDATE ON cases
WHEN {key_changed}
BEGIN {_upsert("OLD", "-", archived)}; {_upsert("NEW", "+", archived)}; END""",
    }


SQLITE_TRIGGERS = sqlite_triggers()


def pg_function(archived: bool = True) -> str:
    old_first = (
        f"(OLD.currency, {_bucket('OLD', archived)}, OLD.owner_id) < "
        f"(NEW.currency, {_bucket('NEW', archived)}, NEW.owner_id)"
    )
    return f"""
CREATE OR REPLACE FUNCTION cxroi_portfolio_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_upsert("NEW", "+", archived)};
  ELSIF TG_OP = 'DELETE' THEN
    {_upsert("OLD", "-", archived)};
  ELSIF {_changed(KEY, archived, pg=True)} THEN
    IF {old_first} THEN
      {_upsert("OLD", "-", archived)};
      {_upsert("NEW", "+", archived)};
    ELSE
      {_upsert("NEW", "+", archived)};
      {_upsert("OLD", "-", archived)};
    END IF;
  ELSIF {_changed((*KEY, *SUMMED), archived, pg=True)} THEN
    {_same_key_delta(archived)};
  END IF;
  RETURN NULL;
END $$"""


PG_FUNCTION = pg_function()

PG_TRIGGER = (
    "CREATE TRIGGER cases_portfolio_totals AFTER INSERT OR UPDATE OR DELETE ON cases "
    "FOR EACH ROW EXECUTE FUNCTION cxroi_portfolio_totals()"
)


def rebuild_statements(archived: bool = True) -> list[str]:
    bucket = _bucket("cases", archived)
    return [
        "DELETE FROM portfolio_totals",
        "INSERT INTO portfolio_totals (currency, status, owner_id, cases, npv, pv_costs, "
        f"pv_benefits) SELECT currency, {bucket}, owner_id, COUNT(*), "
        "COALESCE(SUM(npv), 0.0), COALESCE(SUM(pv_costs), 0.0), "
        f"COALESCE(SUM(pv_benefits), 0.0) FROM cases GROUP BY currency, {bucket}, owner_id",
    ]


#: Recompute every row from ``cases`` (the migration's first fill, and a repair).
REBUILD = rebuild_statements()


def _has_archived(conn: Connection) -> bool:
    """Whether ``cases`` has ``archived_at`` yet (a migration may run before 0730)."""
    return any(c["name"] == "archived_at" for c in inspect(conn).get_columns("cases"))


def create_triggers(conn: Connection, archived: bool | None = None) -> None:
    """Install the triggers that keep ``portfolio_totals`` (SQLite or PostgreSQL).

    ``archived`` (default: whether ``cases`` has the column): keep archived cases apart."""
    if archived is None:
        archived = _has_archived(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(text(pg_function(archived)))
        conn.execute(text("DROP TRIGGER IF EXISTS cases_portfolio_totals ON cases"))
        conn.execute(text(PG_TRIGGER))
    else:
        for name, ddl in sqlite_triggers(archived).items():
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            conn.execute(text(ddl))


def drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER IF EXISTS cases_portfolio_totals ON cases"))
        conn.execute(text("DROP FUNCTION IF EXISTS cxroi_portfolio_totals()"))
    else:
        for name in SQLITE_TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild_totals(conn: Connection, archived: bool | None = None) -> None:
    if archived is None:
        archived = _has_archived(conn)
    for statement in rebuild_statements(archived):
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
