"""Suite-wide settings.

Tests that need PostgreSQL, LibreOffice or Chromium skip with a reason when those
are absent; under ``CXROI_REQUIRE_ALL=1`` (set by ``.ci/run``) any skip fails.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest
from hypothesis import HealthCheck, settings

REQUIRE_ALL = os.environ.get("CXROI_REQUIRE_ALL") == "1"

# Speed is measured in benchmarks/, never asserted in a test: no hypothesis
# deadline, no too-slow health check (the machine may be busy). CI replays a
# fixed set of examples so that its verdict depends only on the code.
settings.register_profile("cxroi", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", parent=settings.get_profile("cxroi"), derandomize=True, database=None
)
settings.load_profile("ci" if os.environ.get("CI") else "cxroi")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CXROI_REQUIRE_ALL=1, which forbids skips: {reason}"
    return report
