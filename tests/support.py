"""Helpers shared by the test packages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The reference cases the engine must reproduce; the tests own this copy (tests/data/README.md).
REFERENCE_DIR = ROOT / "tests" / "data" / "reference-cases"
EXAMPLES_DIR = ROOT / "examples"
#: Reference cases whose discount rate is an assumption (issue 13 item 5): kept apart from
#: REFERENCE_DIR, whose cases the frozen Monte Carlo oracle (numeric rates) also prices.
RATE_REFERENCE_DIR = ROOT / "tests" / "data" / "rate-reference"


def reference_names(folder: Path = REFERENCE_DIR) -> list[str]:
    """Names of the reference cases in ``folder`` (tests/data/reference-cases, or
    RATE_REFERENCE_DIR), e.g. 'field-expenses'."""
    return sorted(p.name.removesuffix(".expected.json") for p in folder.glob("*.expected.json"))


def reference_case_path(name: str, folder: Path = REFERENCE_DIR) -> Path:
    return folder / f"{name}.json"


def reference_expected(name: str, folder: Path = REFERENCE_DIR) -> dict[str, Any]:
    return json.loads((folder / f"{name}.expected.json").read_text())
