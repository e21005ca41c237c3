"""Suite-wide settings.

Tests that need PostgreSQL, LibreOffice or Chromium skip with a reason when those
are absent; under ``CXROI_REQUIRE_ALL=1`` (set by ``.ci/run``) any skip fails.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REQUIRE_ALL = os.environ.get("CXROI_REQUIRE_ALL") == "1"
ROOT = Path(__file__).resolve().parent.parent
#: Tests that never open a database: the engine's, the workbook's, the doctests.
DATABASE_FREE = (ROOT / "tests" / "unit", ROOT / "cxroi")

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``CXROI_DATABASE_FREE_TESTS=off`` leaves out the tests that never open a database:
    ``.ci/run`` sets it for its PostgreSQL pass, as they ran in the SQLite pass already."""
    if os.environ.get("CXROI_DATABASE_FREE_TESTS", "").lower() != "off":
        return
    left_out = [i for i in items if any(d in Path(str(i.path)).parents for d in DATABASE_FREE)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        gone = {id(i) for i in left_out}
        items[:] = [i for i in items if id(i) not in gone]
