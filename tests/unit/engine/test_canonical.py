"""The canonical form and its SHA-256 identify a case, whatever its spelling."""

from __future__ import annotations

import hashlib
import json

from cxroi.engine import canonical_json, case_hash, case_to_dict, load_case, load_case_file
from cxroi.engine.loader import pretty_json
from tests.support import reference_case_path, reference_names


def test_export_then_load_gives_the_same_hash_for_every_reference_case() -> None:
    for name in reference_names():
        case = load_case_file(reference_case_path(name))
        again = load_case(pretty_json(case))
        assert again == case
        assert case_hash(again) == case_hash(case)


def test_the_hash_is_the_sha256_of_the_canonical_json() -> None:
    case = load_case_file(reference_case_path(reference_names()[0]))
    text = canonical_json(case)
    assert case_hash(case) == hashlib.sha256(text.encode()).hexdigest()
    compact = json.dumps(
        json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert text == compact
    assert json.loads(text) == json.loads(pretty_json(case))


def test_defaults_made_explicit_do_not_change_the_hash() -> None:
    path = reference_case_path("lead-qualification")
    doc = json.loads(path.read_text())
    explicit = json.loads(path.read_text())
    explicit["costs"][1]["escalation"] = 0
    explicit["costs"][1]["risk"] = 0.0
    explicit["costs"][2]["end_month"] = 99  # past the horizon is cut at the horizon
    assert case_hash(load_case(explicit)) == case_hash(load_case(doc))


def test_a_changed_number_changes_the_hash() -> None:
    doc = json.loads(reference_case_path("lead-qualification").read_text())
    before = case_hash(load_case(doc))
    doc["assumptions"][0]["value"] = 120001
    assert case_hash(load_case(doc)) != before


def test_case_to_dict_is_a_valid_document() -> None:
    case = load_case_file(reference_case_path("field-expenses"))
    doc = case_to_dict(case)
    assert doc["format"] == "cxroi-case/2"
    assert load_case(doc) == case
