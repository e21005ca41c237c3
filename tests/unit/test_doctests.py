"""The doctests of the whole ``cxroi`` package run with the suite, not only the engine's.

``pytest`` with no arguments collects ``testpaths`` with ``--doctest-modules`` (both in
pyproject.toml). These tests fail if ``cxroi`` drops out of ``testpaths``, if doctest
collection is switched off, if any module under ``cxroi`` no longer imports cleanly at
collection, or if the approvals doctests stop being collected.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support import ROOT

PYTEST = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]

#: Modules whose docstrings carry examples that must run (a sample, one per package).
MUST_COLLECT = (
    "cxroi/workflow.py::cxroi.workflow",
    "cxroi/casework/__init__.py::cxroi.casework",
    "cxroi/approvals/chain.py::cxroi.approvals.chain",
    "cxroi/engine/metrics.py::cxroi.engine.metrics.npv",
)


def test_the_default_run_covers_the_whole_package() -> None:
    roots = [ROOT / p for p in PYTEST["testpaths"]]
    for module in ("cxroi/workflow.py", "cxroi/cases/views.py", "cxroi/factory.py"):
        assert any((ROOT / module).is_relative_to(r) for r in roots), (module, roots)
    assert "--doctest-modules" in PYTEST["addopts"].split()


def test_every_cxroi_module_imports_and_the_approvals_doctests_are_collected() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "cxroi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # A module that fails to import is a collection error: pytest exits 2 and names it.
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    items = set(done.stdout.split())
    missing = [item for item in MUST_COLLECT if item not in items]
    assert not missing, f"not collected: {missing}\n{done.stdout}"
    modules = {Path(item.split("::")[0]).parent.as_posix() for item in items if "::" in item}
    assert "cxroi/approvals" in modules and "cxroi/engine" in modules, sorted(modules)
