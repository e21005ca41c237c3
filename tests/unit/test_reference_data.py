"""The reference cases are the tests' own data: in the repo, all there, each with its answer.

The engine's reference tests are parametrised over :func:`tests.support.reference_names`;
if the data went missing they would collect nothing and vanish without a failure. These
tests fail instead.
"""

from __future__ import annotations

import json

from tests.support import REFERENCE_DIR, ROOT, reference_expected, reference_names

#: How many reference cases the repo ships (tests/data/README.md); more is fine.
AT_LEAST = 3


def test_the_reference_cases_live_in_the_repo() -> None:
    assert REFERENCE_DIR.resolve().is_relative_to(ROOT), REFERENCE_DIR
    assert REFERENCE_DIR.is_dir(), f"{REFERENCE_DIR} is missing: see tests/data/README.md"


def test_there_are_at_least_three_reference_cases() -> None:
    names = reference_names()
    assert len(names) >= AT_LEAST, f"reference cases found in {REFERENCE_DIR}: {names}"


def test_every_case_has_its_expected_result_and_every_result_its_case() -> None:
    files = {p.name for p in REFERENCE_DIR.glob("*.json")}
    expected = {n.removesuffix(".expected.json") for n in files if n.endswith(".expected.json")}
    cases = {n.removesuffix(".json") for n in files if not n.endswith(".expected.json")}
    assert cases == expected, f"unpaired: {sorted(cases ^ expected)}"
    assert sorted(cases) == reference_names()


def test_each_reference_case_and_answer_is_a_whole_document() -> None:
    for name in reference_names():
        case = json.loads((REFERENCE_DIR / f"{name}.json").read_text())
        assert case["format"].startswith("cxroi-case/"), name
        assert case["costs"] and case["benefits"], name
        answer = reference_expected(name)
        for key in ("metrics", "unadjusted", "cashflow", "tornado"):
            assert answer.get(key), f"{name}.expected.json has no {key}"
        assert isinstance(answer.get("scenarios"), list), name  # a case may have none
