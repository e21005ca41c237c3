"""The database itself keeps the chain and the guarded sealed tables append-only.

On PostgreSQL one trigger function refuses every DELETE, and every UPDATE that changes a
column other than the table's ``mutable`` ones (:data:`cxroi.audit.registry.SEALED`),
whoever sends it: the ORM, a script or a psql session of the app's role. SQLite gets the
same rule as two triggers per table (``UPDATE OF`` the other columns; DELETE). They are
installed by the migration ``0340_audit_seal`` (and by the tests' schema).

They are not the seal: an owner of the tables can still drop or disable a trigger, and
the keyed chain is what then tells (``cxroi verify-audit``). TRUNCATE is not refused on
PostgreSQL, so that tests and restores can empty tables.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from cxroi.audit.registry import SEALED

FUNCTION = "cxroi_append_only"


def guarded_tables() -> dict[str, tuple[str, ...]]:
    """Each append-only table and the columns the app may change: the chain itself, and
    the guarded sealed tables."""
    return {"audit_chain": ()} | {t.name: t.mutable for t in SEALED if t.guarded}


_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'cxroi: % rows are append-only (DELETE refused)', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- TG_ARGV (the columns that may change) is NULL, not empty, when there are none.
    IF (to_jsonb(OLD) - COALESCE(TG_ARGV, '{{}}'::text[]))
            IS DISTINCT FROM (to_jsonb(NEW) - COALESCE(TG_ARGV, '{{}}'::text[])) THEN
        RAISE EXCEPTION 'cxroi: % rows are append-only (UPDATE refused%)', TG_TABLE_NAME,
            COALESCE('; only ' || array_to_string(TG_ARGV, ', ') || ' may change', '')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$
"""


def trigger_name(table: str) -> str:
    return f"{table}_append_only"


def _sqlite_triggers(name: str, mutable: tuple[str, ...], columns: list[str]) -> list[str]:
    frozen = ", ".join(f'"{c}"' for c in columns if c not in mutable)
    refuse = "SELECT RAISE(ABORT, 'cxroi: {} rows are append-only ({} refused)')"
    return [
        f'CREATE TRIGGER {trigger_name(name)}_update BEFORE UPDATE OF {frozen} ON "{name}" '
        f"BEGIN {refuse.format(name, 'UPDATE')}; END",
        f'CREATE TRIGGER {trigger_name(name)}_delete BEFORE DELETE ON "{name}" '
        f"BEGIN {refuse.format(name, 'DELETE')}; END",
    ]


def install_guards(connection: Connection) -> None:
    """Create (or replace) the triggers on every guarded table."""
    if connection.dialect.name == "sqlite":
        remove_guards(connection)
        present = set(inspect(connection).get_table_names())
        for name, mutable in guarded_tables().items():
            if name in present:
                columns = [c["name"] for c in inspect(connection).get_columns(name)]
                for statement in _sqlite_triggers(name, mutable, columns):
                    connection.execute(text(statement))
        return
    if connection.dialect.name != "postgresql":
        return
    connection.execute(text(_FUNCTION_SQL))
    for name, mutable in guarded_tables().items():
        args = ", ".join(f"'{c}'" for c in mutable)
        connection.execute(text(f'DROP TRIGGER IF EXISTS {trigger_name(name)} ON "{name}"'))
        connection.execute(
            text(
                f"CREATE TRIGGER {trigger_name(name)} BEFORE UPDATE OR DELETE "
                f'ON "{name}" FOR EACH ROW EXECUTE FUNCTION {FUNCTION}({args})'
            )
        )


def remove_guards(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in guarded_tables():
            for suffix in ("_update", "_delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger_name(name)}{suffix}"))
        return
    if connection.dialect.name != "postgresql":
        return
    for name in guarded_tables():
        connection.execute(text(f'DROP TRIGGER IF EXISTS {trigger_name(name)} ON "{name}"'))
    connection.execute(text(f"DROP FUNCTION IF EXISTS {FUNCTION}()"))
