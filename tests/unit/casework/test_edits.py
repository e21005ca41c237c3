"""Edits of a case document are pure functions: ids kept, uses followed, nothing mutated."""

from __future__ import annotations

import copy

import pytest

from cxroi import casework
from cxroi.engine import case_to_dict, load_case
from tests.support import EXAMPLES_DIR


@pytest.fixture
def doc() -> dict:
    return case_to_dict(load_case((EXAMPLES_DIR / "contact-centre.json").read_text()))


def test_a_new_item_gets_the_next_free_id_of_its_section(doc):
    before = copy.deepcopy(doc)
    out, new_id = casework.add_item(doc, "costs", {"name": "Extra", "amount": 5})
    assert new_id == f"c{len(doc['costs']) + 1}"
    assert out["costs"][-1] == {"id": new_id, "name": "Extra", "amount": 5}
    assert doc == before  # the argument is never changed


def test_replace_keeps_the_id_and_the_place(doc):
    target = doc["benefits"][1]
    out = casework.replace_item(doc, "benefits", target["id"], {**target, "name": "Renamed"})
    assert out["benefits"][1]["id"] == target["id"]
    assert out["benefits"][1]["name"] == "Renamed"
    assert [b["id"] for b in out["benefits"]] == [b["id"] for b in doc["benefits"]]


def test_rename_moves_every_use_and_keeps_the_id(doc):
    arpu = next(a for a in doc["assumptions"] if a["key"] == "arpu")
    used_by = casework.uses_of_assumption(doc, "arpu")
    assert used_by  # the example uses it
    out = casework.replace_item(doc, "assumptions", arpu["id"], {**arpu, "key": "revenue"})
    assert casework.uses_of_assumption(out, "arpu") == []
    assert casework.uses_of_assumption(out, "revenue") == used_by
    values = [v for line in (*out["costs"], *out["benefits"]) for v in line.values()]
    assert "arpu" not in values and "revenue" in values
    # still a valid case, pricing the same numbers
    assert load_case(out).by_id(arpu["id"]).key == "revenue"


def test_an_assumption_in_use_cannot_be_removed(doc):
    arpu = next(a for a in doc["assumptions"] if a["key"] == "arpu")
    with pytest.raises(casework.AssumptionInUse, match='"arpu" cannot be deleted'):
        casework.remove_item(doc, "assumptions", arpu["id"])


def test_removing_an_unknown_item_names_it(doc):
    with pytest.raises(casework.ItemNotFound):
        casework.remove_item(doc, "costs", "c999")


def test_details_set_and_clear(doc):
    out = casework.set_details(doc, {"customer_problem": "Long waits", "description": ""})
    assert out["customer_problem"] == "Long waits" and "description" not in out
    with pytest.raises(casework.EditError):
        casework.set_details(doc, {"format": "cxroi-case/9"})
