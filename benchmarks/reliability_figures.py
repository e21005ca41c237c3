"""The reliability suite's load figures, for the side-by-side table.

The 50-user load runs in the suite (``tests/reliability``, the PostgreSQL pass of
``.ci/run``), not here: it needs gunicorn, PostgreSQL and Redis. It keeps its figures
in ``test-artifacts/reliability.json``; this reads the newest of them, says when and
how large the run was, and compares a save's p95 with a page read's in the same load.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from timing import side_by_side

ARTIFACT = Path(__file__).resolve().parent.parent / "test-artifacts" / "reliability.json"


def reliability_rows() -> None:
    if not ARTIFACT.exists():
        print(
            "\n(no reliability load figures: run `CXROI_REQUIRE_ALL=1 python -m pytest "
            "tests/reliability -m reliability` with PostgreSQL and Redis, or `.ci/run`)"
        )
        return
    load = json.loads(ARTIFACT.read_text()).get("load")
    if not load:
        return
    kinds = load["by_kind"]
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(ARTIFACT.stat().st_mtime))
    print(
        f"\nreliability load of {when}: {load['users']} users for {load['seconds']:.0f} s on "
        f"{load['workers']} workers, {load['requests']:,} requests, {load['5xx']} 5xx"
    )
    save, read = kinds["form_save"], kinds["form_get"]
    side_by_side(
        f"save p95 under {load['users']}-user load",
        save["p95_ms"] / 1000,
        read["p95_ms"] / 1000,
        "form read p95, same load",
        f"<= 300 ms: {'met' if save['p95_ms'] <= 300 else 'MISSED'}",
    )
