from __future__ import annotations

import copy
import json

from cxroi.approvals.diff import FieldChange, diff_versions
from cxroi.engine import analyse, case_to_dict, load_case, result_to_dict
from tests.support import EXAMPLES_DIR


def _versions():
    old = json.loads((EXAMPLES_DIR / "contact-centre.json").read_text())
    new = copy.deepcopy(old)
    new["assumptions"][3]["value"] = 31  # arpu 29 -> 31
    new["assumptions"].append(
        {"key": "refund_rate", "label": "Refund rate", "value": 0.02, "unit": "ratio"}
    )
    del new["costs"][2]  # Agent training
    new["costs"][3 - 1]["amount"] = 7000  # First-call refunds, now index 2
    new["benefits"].append({"name": "Goodwill", "kind": "custom", "amount": 1000})
    new["discount_rate"] = 0.1
    return old, new


def _priced(doc):
    case = load_case(doc)
    return case_to_dict(case), result_to_dict(analyse(case, trials=0))


def test_diff_names_each_assumption_and_line_added_removed_or_changed():
    old, new = _versions()
    (old_doc, old_res), (new_doc, new_res) = _priced(old), _priced(new)
    d = diff_versions(old_doc, new_doc, old_res, new_res)
    assert [(c.field, c.old, c.new) for c in d.case_fields] == [("discount_rate", 0.09, 0.1)]
    assert [(a.name, a.kind) for a in d.assumptions] == [
        ("arpu", "changed"),
        ("refund_rate", "added"),
    ]
    assert [(f.field, f.old, f.new) for f in d.assumptions[0].fields] == [("value", 29, 31)]
    assert [(c.name, c.kind) for c in d.costs] == [
        ("Agent training", "removed"),
        ("First-call refunds", "changed"),
    ]
    assert [(b.name, b.kind) for b in d.benefits] == [("Goodwill", "added")]
    assert not d.unchanged


def test_metric_deltas_come_from_the_two_result_documents():
    old, new = _versions()
    (old_doc, old_res), (new_doc, new_res) = _priced(old), _priced(new)
    d = diff_versions(old_doc, new_doc, old_res, new_res)
    npv = next(m for m in d.metrics if m.key == "npv")
    assert npv.old == old_res["metrics"]["npv"]
    assert npv.new == new_res["metrics"]["npv"]
    assert npv.delta == new_res["metrics"]["npv"] - old_res["metrics"]["npv"]


def test_a_version_compared_with_itself_is_unchanged_with_zero_deltas():
    old, _ = _versions()
    doc, res = _priced(old)
    d = diff_versions(doc, doc, res, res)
    assert d.unchanged
    assert all(m.delta in (0.0, None) for m in d.metrics)


def test_a_null_metric_has_no_delta():
    d = diff_versions({}, {}, {"metrics": {"irr": None}}, {"metrics": {"irr": 0.1}})
    irr = next(m for m in d.metrics if m.key == "irr")
    assert irr.delta is None


def test_items_are_matched_by_id_so_a_rename_is_a_change_not_a_new_item() -> None:
    old = {"assumptions": [{"id": "a1", "key": "arpu", "value": 29}], "costs": [], "benefits": []}
    new = {
        "assumptions": [{"id": "a1", "key": "revenue", "value": 29}],
        "costs": [],
        "benefits": [],
    }
    d = diff_versions(old, new, {}, {})
    assert [(c.name, c.kind, c.fields) for c in d.assumptions] == [
        ("revenue", "changed", (FieldChange("key", "arpu", "revenue"),))
    ]


def test_diff_names_each_rank_correlation_pair_added_removed_or_changed():
    """A pair is unordered and named by its keys; its rho is the field that changes."""
    old, new = _versions()
    old["correlations"] = [
        {"a": "churn_reduction", "b": "repeat_reduction", "rho": 0.6},
        {"a": "arpu", "b": "cost_per_call", "rho": 0.3},
    ]
    new["correlations"] = [
        {"a": "repeat_reduction", "b": "churn_reduction", "rho": 0.4},  # reversed, changed
        {"a": "arpu", "b": "churn_reduction", "rho": -0.2},  # added
    ]  # arpu ↔ cost_per_call removed
    (old_doc, old_res), (new_doc, new_res) = _priced(old), _priced(new)
    d = diff_versions(old_doc, new_doc, old_res, new_res)
    got = [(c.name, c.kind, [(f.field, f.old, f.new) for f in c.fields]) for c in d.correlations]
    assert got == [
        ("arpu \u2194 cost_per_call", "removed", []),
        ("churn_reduction \u2194 repeat_reduction", "changed", [("rho", 0.6, 0.4)]),
        ("arpu \u2194 churn_reduction", "added", []),
    ]
    assert set(d.correlations) <= set(d.items) and not d.unchanged
    # The same pair in the other order, same rho: no change.
    new["correlations"] = [{"a": b["b"], "b": b["a"], "rho": b["rho"]} for b in old["correlations"]]
    assert diff_versions(old_doc, _priced(new)[0], old_res, new_res).correlations == ()
