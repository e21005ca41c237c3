"""Suite-wide settings.

Tests that need PostgreSQL, LibreOffice or Chromium skip with a reason when those
are absent; under ``CXROI_REQUIRE_ALL=1`` (set by ``.ci/run``) any skip fails.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_ALL = os.environ.get("CXROI_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CXROI_REQUIRE_ALL=1, which forbids skips: {reason}"
