"""The benefits register in the document: optional, validated, canonical and reviewed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cxroi.engine import CaseValidationError, case_hash, load_case
from cxroi.engine.loader import canonical_json, case_to_dict
from cxroi.engine.review_items import review_items

BASE: dict[str, Any] = {
    "format": "cxroi-case/2",
    "title": "T",
    "currency": "GBP",
    "start_month": "2027-01",
    "horizon_months": 12,
    "discount_rate": 0.0,
    "assumptions": [],
    "costs": [{"name": "Tool", "category": "technology", "recurrence": "once", "amount": 1000}],
    "benefits": [{"name": "Calls", "kind": "custom", "amount": 100}],
}
ENTRY = {
    "owner_name": "Ann Ops",
    "owner_email": "ann@example.com",
    "kpi": "Repeat contacts",
    "kpi_unit": "contacts",
    "data_source": "Genesys monthly report",
    "baseline": 12000,
    "baseline_date": "2026-12",
    "target": 9000,
    "target_date": "2027-12-31",
    "outcome": "Fewer customers call twice.",
    "attribution": "Half of the fall: the billing fix does the rest.",
}


def with_register(entry: Any, section: str = "benefits") -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc[section][0]["register"] = entry
    return doc


def issues_of(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(CaseValidationError) as caught:
        load_case(doc)
    return [str(i) for i in caught.value.issues]


def test_a_document_without_a_register_keeps_its_canonical_form_and_hash():
    plain = load_case(BASE)
    assert "register" not in canonical_json(plain)
    # An empty entry is no entry: same canonical form, same hash.
    assert case_hash(load_case(with_register({}))) == case_hash(plain)


@pytest.mark.parametrize("section", ["costs", "benefits"])
def test_a_register_entry_round_trips_on_either_kind_of_line(section):
    case = load_case(with_register(ENTRY, section))
    line = case_to_dict(case)[section][0]
    assert line["register"] == ENTRY
    again = load_case({**case_to_dict(case)})
    assert case_hash(again) == case_hash(case)
    assert getattr(case, section)[0].register.owner_email == "ann@example.com"


def test_the_register_is_part_of_the_lines_review_item_and_fingerprint():
    before = {i.id: i for i in review_items(load_case(BASE))}
    after = {i.id: i for i in review_items(load_case(with_register(ENTRY)))}
    assert after["b1"].fields["register"] == ENTRY
    assert after["b1"].fingerprint != before["b1"].fingerprint
    assert after["c1"].fingerprint == before["c1"].fingerprint
    moved = with_register({**ENTRY, "target": 8000})
    assert {i.id: i for i in review_items(load_case(moved))}["b1"].fingerprint != (
        after["b1"].fingerprint
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"owner_email": "not-an-address"}, "benefits[0].register.owner_email: must be an email"),
        ({"baseline_date": "2027-13"}, "benefits[0].register.baseline_date: must be a date"),
        ({"target_date": "2027-02-30"}, "benefits[0].register.target_date: must be a date that"),
        ({"baseline": "twelve"}, "benefits[0].register.baseline: must be a number"),
        ({"target": float("nan")}, "benefits[0].register.target: must be a finite number"),
        ({"kpi": "x" * 201}, "benefits[0].register.kpi: must be at most 200 characters"),
        ({"outcome": "a\x00b"}, "benefits[0].register.outcome: must not contain a NUL"),
        ({"sponsor": "Bob"}, "benefits[0].register.sponsor: is not a field of this format"),
        ("Ann", "benefits[0].register: must be an object"),
    ],
)
def test_a_bad_register_field_is_named(entry, message):
    assert any(i.startswith(message) for i in issues_of(with_register(entry))), issues_of(
        with_register(entry)
    )


def test_a_v1_document_may_not_have_a_register():
    doc = with_register(ENTRY, "costs")
    doc["format"] = "cxroi-case/1"
    assert any(
        i.startswith("costs[0].register: is not a field of cxroi-case/1") for i in issues_of(doc)
    )
