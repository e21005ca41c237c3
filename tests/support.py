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


def reference_names() -> list[str]:
    """Names of the reference cases in tests/data/reference-cases (e.g. 'field-expenses')."""
    return sorted(
        p.name.removesuffix(".expected.json") for p in REFERENCE_DIR.glob("*.expected.json")
    )


def reference_case_path(name: str) -> Path:
    return REFERENCE_DIR / f"{name}.json"


def reference_expected(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE_DIR / f"{name}.expected.json").read_text())


def rate_reference_names() -> list[str]:
    """Names of the reference cases whose discount rate is an assumption."""
    return sorted(
        p.name.removesuffix(".expected.json") for p in RATE_REFERENCE_DIR.glob("*.expected.json")
    )


def rate_reference_path(name: str) -> Path:
    return RATE_REFERENCE_DIR / f"{name}.json"


def rate_reference_expected(name: str) -> dict[str, Any]:
    return json.loads((RATE_REFERENCE_DIR / f"{name}.expected.json").read_text())
