"""The reliability suite: the app as production runs it, under load and faults.

Needs PostgreSQL (``CXROI_TEST_DATABASE_URL`` when it is PostgreSQL, else
``CXROI_TEST_POSTGRES_URL``; the suite creates and drops its own databases beside it,
``<name>_reliability...``), Redis (``CXROI_TEST_REDIS_URL``, for the rate limits the
workers share) and gunicorn; each test skips with the reason when one is missing (a
failure under ``CXROI_REQUIRE_ALL=1``).

It runs once in CI, in the PostgreSQL pass: ``CXROI_RELIABILITY=off`` (set by
``.ci/run`` for the SQLite pass) leaves it out of a run. Load size:
``CXROI_LOAD_USERS`` (default 50) simulated users for ``CXROI_LOAD_SECONDS`` (default 60).
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.appsupport import anchor_for
from tests.reliability.server import Server, start_server
from tests.support import ROOT

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CXROI_RELIABILITY", "").lower() == "off":
        left_out = [i for i in items if HERE in Path(str(i.path)).parents]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [i for i in items if i not in left_out]


def postgres_base() -> sa.URL:
    """The configured PostgreSQL URL (skips, naming what to set, when there is none)."""
    for name in ("CXROI_TEST_DATABASE_URL", "CXROI_TEST_POSTGRES_URL"):
        value = os.environ.get(name, "")
        if value.startswith("postgresql"):
            return sa.make_url(value)
    pytest.skip(
        "the reliability suite needs PostgreSQL: set CXROI_TEST_POSTGRES_URL (or "
        "CXROI_TEST_DATABASE_URL) to postgresql+psycopg://user:password@host/name; it "
        "creates and drops its own databases <name>_reliability* beside it"
    )


def _server_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def recreate_database(url: sa.URL) -> None:
    anchor_for(url).unlink(missing_ok=True)  # a new database: a new chain, a new head
    server = _server_engine(url)
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"cannot create the PostgreSQL database {url.database}: {exc.orig}")
    finally:
        server.dispose()


def drop_database(url: sa.URL) -> None:
    anchor_for(url).unlink(missing_ok=True)
    server = _server_engine(url)
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        server.dispose()


@pytest.fixture
def pg_database() -> Iterator[sa.URL]:
    """An empty PostgreSQL database of the suite's own, dropped afterwards."""
    base = postgres_base()
    url = base.set(database=f"{base.database}_reliability")
    recreate_database(url)
    yield url
    drop_database(url)


@pytest.fixture
def pg_restore_database(pg_database: sa.URL) -> Iterator[sa.URL]:
    """A second empty PostgreSQL database, to restore a backup into."""
    url = pg_database.set(database=f"{pg_database.database}_restore")
    recreate_database(url)
    yield url
    drop_database(url)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("CXROI_TEST_REDIS_URL", "")
    if not url:
        pytest.skip(
            "the reliability suite needs Redis (the workers share their rate limits there): "
            "set CXROI_TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/15"
        )
    try:
        import redis
    except ModuleNotFoundError:
        pytest.skip("the Python package redis is not installed (pip install -e '.[test]')")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis does not answer at {url}: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture
def gunicorn() -> None:
    if importlib.util.find_spec("gunicorn") is None:
        pytest.skip("gunicorn is not installed (pip install -e .)")


class Servers:
    """Starts servers on one database; stops whichever are still running afterwards."""

    def __init__(self, database_url: str, redis_url: str, log_dir: Path) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.log_dir = log_dir
        self.started: list[Server] = []

    def start(self) -> Server:
        self.started.append(start_server(self.database_url, self.redis_url, self.log_dir))
        return self.started[-1]

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def servers(
    pg_database: sa.URL, redis_url: str, gunicorn: None, tmp_path: Path
) -> Iterator[Servers]:
    made = Servers(pg_database.render_as_string(hide_password=False), redis_url, tmp_path)
    yield made
    made.stop_all()


def load_users() -> int:
    return int(os.environ.get("CXROI_LOAD_USERS", "50"))


def load_seconds() -> float:
    return float(os.environ.get("CXROI_LOAD_SECONDS", "60"))


ARTIFACT = ROOT / "test-artifacts" / "reliability.json"
#: The figures reported in this run, printed again at the end of pytest's output.
_REPORTED: dict[str, dict[str, Any]] = {}


def report(section: str, figures: dict[str, Any]) -> None:
    """Print ``figures`` and keep them in test-artifacts/reliability.json under ``section``."""
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    try:
        kept = json.loads(ARTIFACT.read_text())
    except (FileNotFoundError, ValueError):
        kept = {}
    kept[section] = figures
    _REPORTED[section] = figures
    ARTIFACT.write_text(json.dumps(kept, indent=1) + "\n")
    print(f"\n{section}: {json.dumps(figures, indent=1)}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The load's p50/p95 per request type, and the faults' counts, for the notes."""
    if not _REPORTED:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"reliability figures (also in {ARTIFACT.relative_to(ROOT)})")
    load = _REPORTED.get("load")
    if load is not None:
        write(
            f"load: {load['users']} users, {load['seconds']:g} s, {load['workers']} workers: "
            f"{load['requests']} requests, {load['5xx']} 5xx"
        )
        write(f"  {'request':14}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}")
        for kind, t in load["by_kind"].items():
            write(f"  {kind:14}{t['count']:>8}{t['p50_ms']:>10.0f}{t['p95_ms']:>10.0f}")
    for section, figures in _REPORTED.items():
        if section != "load":
            write(f"{section}: {json.dumps(figures)}")
