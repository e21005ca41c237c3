"""Suite-wide settings.

Tests that need PostgreSQL, LibreOffice or Chromium skip with a reason when those
are absent; under ``CXROI_REQUIRE_ALL=1`` (set by ``.ci/run``) any skip fails.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

REQUIRE_ALL = os.environ.get("CXROI_REQUIRE_ALL") == "1"


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
