"""Many users at once on gunicorn's worker processes: no 5xx, no acknowledged write lost."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.reliability.conftest import Servers, load_seconds, load_users, report
from tests.reliability.load import missing_writes, run_load
from tests.reliability.seed import seed

pytestmark = pytest.mark.reliability


def test_load_gives_no_5xx_and_keeps_every_acknowledged_write(servers: Servers) -> None:
    users, seconds = load_users(), load_seconds()
    seeded = seed(servers.database_url, users=users, accounts=10)
    server = servers.start()

    recorder = run_load(server.base_url, seeded, users, seconds)

    summary = recorder.summary()
    report("load", {"users": users, "seconds": seconds, "workers": 4, **summary})
    assert recorder.failures == [], recorder.failures[:3]
    assert recorder.refused == [], recorder.refused[:3]
    assert not recorder.connection_errors
    written = Counter(a.kind for a in recorder.acks)
    assert written["cost"] and written["comment"] and written["link"], written
    assert missing_writes(servers.database_url, recorder.acks) == []
    assert server.process.poll() is None, server.log_tail()
