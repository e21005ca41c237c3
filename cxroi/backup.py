"""``cxroi backup FILE`` and ``cxroi restore FILE``: the whole database, in one file.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists`` in one
transaction (PostgreSQL's client programs must be installed: ``postgresql-client``).
SQLite: the sqlite3 online backup API, page by page, in both directions.

The password of a PostgreSQL URL goes to the client programs in ``PGPASSWORD``, never on
their command line (which other users of the machine can read). Stop the app's servers
before a restore: it replaces every table.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

#: The first bytes of each kind of backup file.
PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


#: How messages name each kind of database.
NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Contents:
    """What a database holds: rows per table (tables with at least one row)."""

    rows: dict[str, int]

    @property
    def empty(self) -> bool:
        return not self.rows

    def describe(self) -> str:
        shown = [f"{n:,} {t}" for t, n in sorted(self.rows.items()) if t != "alembic_version"]
        return ", ".join(shown) or "a schema version only"


def shown_url(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def contents(engine: sa.Engine) -> Contents:
    """Rows per table of the database (every table, the app's or not)."""
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        counts = {}
        for name in names:
            table = sa.table(name)
            n = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            if n:
                counts[name] = n
    # alembic_version alone is an initialised but empty database
    rows = {} if set(counts) <= {"alembic_version"} else counts
    return Contents(rows)


# -- PostgreSQL ---------------------------------------------------------------------------


def _pg_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; it comes with PostgreSQL's client programs "
            "(Debian/Ubuntu: apt-get install postgresql-client)."
        )
    return path


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """The libpq connection string of ``url`` (no password) and the environment to run in."""
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        raise BackupError(f"{what} failed (exit {done.returncode}): {detail}")


def _pg_backup(url: sa.URL, target: Path) -> None:
    conninfo, env = _libpq(url)
    _run(
        [_pg_program("pg_dump"), "--format=custom", f"--file={target}", f"--dbname={conninfo}"],
        env,
        "pg_dump",
    )


def _pg_restore(url: sa.URL, source: Path) -> None:
    conninfo, env = _libpq(url)
    _run(
        [
            _pg_program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",  # all or nothing: a failed restore changes nothing
            f"--dbname={conninfo}",
            str(source),
        ],
        env,
        "pg_restore",
    )


# -- SQLite -------------------------------------------------------------------------------


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _sqlite_backup(url: sa.URL, target: Path) -> None:
    source = _sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    target.unlink(missing_ok=True)  # the backup API writes into the file's database
    _sqlite_copy(source, target)


def _sqlite_restore(url: sa.URL, source: Path) -> None:
    _sqlite_copy(source, _sqlite_path(url))


# -- the commands' work --------------------------------------------------------------------


def _dialect(url: sa.URL) -> str:
    name = url.get_backend_name()
    if name not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups of {name} databases are not supported (PostgreSQL, SQLite).")
    return name


def backup(url: sa.URL, target: Path) -> None:
    """Write the whole database at ``url`` to ``target`` (replaced if it exists)."""
    if target.is_dir():
        raise BackupError(f"{target} is a directory; name the backup file to write.")
    if not target.parent.is_dir():
        raise BackupError(f"The directory {target.parent} does not exist.")
    if _dialect(url) == "postgresql":
        _pg_backup(url, target)
    else:
        _sqlite_backup(url, target)


def kind_of_file(source: Path) -> str:
    """``postgresql`` or ``sqlite``: which kind of backup ``source`` is."""
    try:
        with source.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"There is no file {source}.") from None
    except OSError as exc:
        raise BackupError(f"{source}: cannot read: {exc.strerror}") from None
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(
        f"{source} is not a cxroi backup (neither a pg_dump custom-format archive nor a "
        "SQLite database)."
    )


def restore(url: sa.URL, source: Path, *, force: bool, engine: Callable[[], sa.Engine]) -> None:
    """Replace the database at ``url`` with the backup ``source``.

    A database with rows is only overwritten with ``force``; ``engine`` opens it to look.
    """
    dialect = _dialect(url)
    kind = kind_of_file(source)
    if kind != dialect:
        raise BackupError(
            f"{source} is a {NAMES[kind]} backup, but the database ({shown_url(url)}) is "
            f"{NAMES[dialect]}; "
            "restore it into a database of the same kind."
        )
    if not force:
        found = contents(engine())
        if not found.empty:
            raise BackupError(
                f"The database {shown_url(url)} is not empty ({found.describe()}). Restoring "
                f"{source} would replace all of it. Nothing was changed; to overwrite it, run "
                "the command again with --force."
            )
    if dialect == "postgresql":
        _pg_restore(url, source)
    else:
        _sqlite_restore(url, source)
