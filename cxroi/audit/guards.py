"""On PostgreSQL the database itself keeps the guarded sealed tables append-only.

One trigger function refuses every DELETE, and every UPDATE that changes a column other
than the table's ``mutable`` ones (:data:`cxroi.audit.registry.SEALED`), whoever sends it:
the ORM, a script or a psql session of the app's role. It is installed by the migration
``0320_audit_seal`` (and by the tests' schema). It is not the seal: an owner of the tables
can still disable a trigger, and the keyed chain is what then tells (``cxroi
verify-audit``). TRUNCATE is not refused, so that tests and restores can empty tables.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from cxroi.audit.registry import SEALED

FUNCTION = "cxroi_append_only"

_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'cxroi: % rows are append-only (DELETE refused)', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (to_jsonb(OLD) - TG_ARGV) IS DISTINCT FROM (to_jsonb(NEW) - TG_ARGV) THEN
        RAISE EXCEPTION 'cxroi: % rows are append-only (only % may change)',
            TG_TABLE_NAME, array_to_string(TG_ARGV, ', ')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$
"""


def trigger_name(table: str) -> str:
    return f"{table}_append_only"


def install_guards(connection: Connection) -> None:
    """Create (or replace) the trigger on every guarded table; nothing on SQLite."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(text(_FUNCTION_SQL))
    for table in SEALED:
        if not table.guarded:
            continue
        args = ", ".join(f"'{c}'" for c in table.mutable)
        connection.execute(text(f'DROP TRIGGER IF EXISTS {trigger_name(table.name)} ON "{table.name}"'))
        connection.execute(
            text(
                f"CREATE TRIGGER {trigger_name(table.name)} BEFORE UPDATE OR DELETE "
                f'ON "{table.name}" FOR EACH ROW EXECUTE FUNCTION {FUNCTION}({args})'
            )
        )


def remove_guards(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in SEALED:
        connection.execute(text(f'DROP TRIGGER IF EXISTS {trigger_name(table.name)} ON "{table.name}"'))
    connection.execute(text(f"DROP FUNCTION IF EXISTS {FUNCTION}()"))
