"""Faults under traffic: the server killed outright, the database's connections cut."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.reliability.conftest import Servers, report
from tests.reliability.load import Recorder, missing_writes, run_load, start_load
from tests.reliability.seed import seed, verify_audit

pytestmark = pytest.mark.reliability

USERS = 20
#: What the app's own error page says (templates/errors/error.html and its bare fallback).
APP_PAGE = "Back to the portfolio"


def wait_for_writes(recorder: Recorder, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(recorder.acks) < count:
        assert time.monotonic() < deadline, f"only {len(recorder.acks)} writes in {timeout} s"
        time.sleep(0.1)


def assert_serves_again(base_url: str, servers: Servers, seeded: object) -> Recorder:
    """A short round of reads and writes, all answered, none lost."""
    after = run_load(base_url, seeded, 5, 5)  # type: ignore[arg-type]
    assert after.failures == [] and after.refused == [], (after.failures + after.refused)[:3]
    assert not after.connection_errors, after.connection_errors
    assert after.acks, "no write was acknowledged after the fault"
    return after


def assert_audit_intact(servers: Servers) -> None:
    audit = verify_audit(servers.database_url, servers.redis_url)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "intact" in audit.stdout


def test_kill_9_mid_burst_loses_no_acknowledged_write(servers: Servers) -> None:
    seeded = seed(servers.database_url, users=USERS, accounts=5)
    server = servers.start()
    load = start_load(server.base_url, seeded, USERS, think=(0.0, 0.1))
    wait_for_writes(load.recorder, 20)

    server.kill9()  # the master and its workers, mid-request
    time.sleep(1)
    load.stop()
    burst = load.recorder
    # The kill was felt: requests in flight or sent after it got no answer.
    assert burst.connection_errors
    assert burst.failures == [], burst.failures[:3]

    restarted = servers.start()
    assert missing_writes(servers.database_url, burst.acks) == []
    assert_audit_intact(servers)
    after = assert_serves_again(restarted.base_url, servers, seeded)
    assert missing_writes(servers.database_url, after.acks) == []
    report(
        "kill_9",
        {
            "users": USERS,
            "acknowledged_before_kill": len(burst.acks),
            "unanswered_at_kill": dict(burst.connection_errors),
            "acknowledged_after_restart": len(after.acks),
        },
    )


TERMINATE = sa.text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def test_killed_database_connections_are_survived_without_a_restart(servers: Servers) -> None:
    seeded = seed(servers.database_url, users=USERS, accounts=5)
    server = servers.start()
    load = start_load(server.base_url, seeded, USERS, think=(0.0, 0.2))
    wait_for_writes(load.recorder, 10)

    killer = sa.create_engine(servers.database_url, isolation_level="AUTOCOMMIT")
    terminated = 0
    try:
        with killer.connect() as conn:
            outage_ends = time.monotonic() + 3
            while time.monotonic() < outage_ends:  # every backend of the app's database
                terminated += conn.execute(TERMINATE).scalar_one()
                time.sleep(0.1)
    finally:
        killer.dispose()
    time.sleep(2)
    load.stop()
    during = load.recorder
    assert terminated > 0

    # A request that failed got the app's own page (or the API's problem document).
    for failure in during.failures:
        if failure.path.startswith("/api/"):
            assert failure.content_type.startswith("application/problem+json"), failure
        else:
            assert failure.content_type.startswith("text/html"), failure
            assert APP_PAGE in failure.body, failure
            assert "Internal Server Error" not in failure.body, failure
    assert not during.connection_errors  # the workers never died
    assert server.process.poll() is None, server.log_tail()

    after = assert_serves_again(server.base_url, servers, seeded)  # same server, no restart
    assert missing_writes(servers.database_url, during.acks + after.acks) == []
    assert_audit_intact(servers)
    report(
        "database_connections_killed",
        {
            "users": USERS,
            "backends_terminated": terminated,
            "failed_requests": len(during.failures),
            "failed_by_status": sorted({f.status for f in during.failures}),
            "refused_4xx": len(during.refused),
            "acknowledged_during": len(during.acks),
            "acknowledged_after": len(after.acks),
        },
    )
