"""``cxroi backup FILE`` then a wiped database, then ``cxroi restore FILE``: all is back."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.appsupport import TEST_AUDIT_KEY, anchor_for
from tests.reliability.conftest import recreate_database
from tests.reliability.seed import seed
from tests.support import ROOT

pytestmark = pytest.mark.reliability


def cxroi(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A ``cxroi`` command on the database at ``url``, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXROI_")}
    env["CXROI_DATABASE_URL"] = url
    env["CXROI_AUDIT_KEY"] = TEST_AUDIT_KEY  # the key and anchor the suite's app sealed with
    env["CXROI_AUDIT_ANCHOR"] = str(anchor_for(url))
    return subprocess.run(
        [sys.executable, "-m", "cxroi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def snapshot(url: str) -> dict[str, Any]:
    """Every case and version (with the hashes of their documents) and rows per table."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            cases = {
                row.id: (row.case_hash, hashlib.sha256(row.document.encode()).hexdigest())
                for row in conn.execute(sa.text("SELECT id, case_hash, document FROM cases"))
            }
            versions = {
                (row.case_id, row.number): (
                    row.case_hash,
                    hashlib.sha256(row.case_json.encode()).hexdigest(),
                    row.result_hash,
                    hashlib.sha256(row.result_json.encode()).hexdigest(),
                )
                for row in conn.execute(
                    sa.text(
                        "SELECT case_id, number, case_hash, case_json, result_hash, result_json "
                        "FROM case_versions"
                    )
                )
            }
            rows = {
                name: conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in sa.inspect(conn).get_table_names()
            }
    finally:
        engine.dispose()
    return {"cases": cases, "versions": versions, "rows": rows}


def assert_restored(url: str, before: dict[str, Any]) -> None:
    assert snapshot(url) == before
    audit = cxroi(url, "verify-audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "intact" in audit.stdout


def backup_restore_round(url: str, wipe: Any, other_url: str, tmp_path: Path) -> None:
    seed(url, users=3, accounts=2)
    before = snapshot(url)
    assert len(before["cases"]) == 5 and len(before["versions"]) == 2  # what seed() made
    assert before["rows"]["audit_chain"] > 0

    file = tmp_path / "cxroi.backup"
    made = cxroi(url, "backup", str(file))
    assert made.returncode == 0, made.stderr
    assert file.stat().st_size > 0

    # Into the non-empty database itself: refused, and nothing changes.
    refused = cxroi(url, "restore", str(file))
    assert refused.returncode == 2
    assert "is not empty" in refused.stderr and "--force" in refused.stderr
    assert "5 cases" in refused.stderr
    assert snapshot(url) == before

    wipe()
    restored = cxroi(url, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert_restored(url, before)

    # Over a database in use, with --force: it becomes the backup's.
    seed(other_url, users=1, accounts=1)
    assert cxroi(other_url, "restore", str(file)).returncode == 2
    forced = cxroi(other_url, "restore", "--force", str(file))
    assert forced.returncode == 0, forced.stderr
    assert_restored(other_url, before)


def test_sqlite_backup_wipe_restore(tmp_path: Path) -> None:
    path, other = tmp_path / "cxroi.db", tmp_path / "other.db"
    backup_restore_round(f"sqlite:///{path}", lambda: path.unlink(), f"sqlite:///{other}", tmp_path)


def test_postgresql_backup_wipe_restore(
    pg_database: sa.URL, pg_restore_database: sa.URL, tmp_path: Path
) -> None:
    for program in ("pg_dump", "pg_restore"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (apt-get install postgresql-client)")
    url = pg_database.render_as_string(hide_password=False)
    backup_restore_round(
        url,
        lambda: recreate_database(pg_database),
        pg_restore_database.render_as_string(hide_password=False),
        tmp_path,
    )


def test_a_backup_of_the_other_kind_or_no_backup_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cxroi.db'}"
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    refused = cxroi(url, "restore", str(junk))
    assert refused.returncode == 2
    assert "is not a cxroi backup" in refused.stderr
    dump = tmp_path / "pg.dump"
    dump.write_bytes(b"PGDMP\x01\x0f\x00")
    refused = cxroi(url, "restore", str(dump))
    assert refused.returncode == 2
    assert "is a PostgreSQL backup, but the database" in refused.stderr
    assert not (tmp_path / "cxroi.db").exists() or snapshot(url)["rows"] == {}
