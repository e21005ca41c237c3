"""Export → import → export keeps the whole document: ids, numbers and the narrative."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxroi.cases import casefiles, parts
from cxroi.engine import canonical_json, load_case
from tests.appsupport import org_default_rate
from tests.support import EXAMPLES_DIR, reference_case_path, reference_names

FILES = [*sorted(EXAMPLES_DIR.glob("*.json")), *map(reference_case_path, reference_names())]


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_export_import_export_gives_the_same_canonical_document(path, cx_user):
    # Finance owns the discount rate: a CX import gets the organisation's default
    # (tests/app/approvals/test_finance_owned.py), here the file's own rate.
    with org_default_rate(json.loads(Path(path).read_text())["discount_rate"]):
        first = casefiles.import_case(cx_user, Path(path).read_bytes())
        _name, exported = casefiles.export_case(first)
        second = casefiles.import_case(cx_user, exported.encode())
    _name, again = casefiles.export_case(second)
    assert again == exported
    assert second.document == first.document == canonical_json(load_case(Path(path).read_bytes()))
    assert second.case_hash == first.case_hash


def test_the_narrative_travels_with_the_case(cx_user):
    source = json.loads((EXAMPLES_DIR / "delivery-delays.json").read_text())
    case = casefiles.import_case(cx_user, json.dumps(source).encode())
    exported = json.loads(casefiles.export_case(case)[1])
    assert exported["customer_problem"] == source["customer_problem"]
    assert exported["evidence"] == source["evidence"]
    assert [a.get("confidence") for a in exported["assumptions"]] == [
        a.get("confidence") for a in source["assumptions"]
    ]
    assert any(a.get("confidence") for a in exported["assumptions"])


def test_ids_survive_edits_renames_export_and_import(cx_user):
    case = casefiles.import_case(cx_user, (EXAMPLES_DIR / "returns-portal.json").read_bytes())
    arpu = next(a for a in case.assumptions if a.owner != "Finance")
    values = {
        "key": "renamed_key",
        "label": arpu.label,
        "value": arpu.value,
        "unit": arpu.unit,
        "low": arpu.low,
        "high": arpu.high,
        "source": arpu.source,
        "owner": arpu.owner,
        "confidence": arpu.confidence,
        "notes": "Checked with billing",
    }
    saved = parts.save_assumption(cx_user, case.id, case.lock_version, arpu.id, values)
    assert saved.id == arpu.id and saved.part.key == "renamed_key"
    ids = [item.id for item in (*case.assumptions, *case.costs, *case.benefits, *case.scenarios)]
    copy = casefiles.import_case(cx_user, casefiles.export_case(case)[1].encode())
    assert [i.id for i in (*copy.assumptions, *copy.costs, *copy.benefits, *copy.scenarios)] == ids
    assert copy.assumption_by_id(arpu.id).notes == "Checked with billing"


def test_the_finance_scope_fields_round_trip(cx_user):
    """Continuing value, tax, a capex line and a churn convention survive export and
    import unchanged, in the canonical document and its hash."""
    doc = json.loads((EXAMPLES_DIR / "contact-centre.json").read_text())
    doc.update(
        format="cxroi-case/2",
        continuing_value="gordon_growth",
        continuing_growth=0.015,
        headline_npv="with_continuing_value",
        tax_rate=0.25,
        tax_lag_months=2,
        discounting="actual_365",
        inflation_rate=0.025,
    )
    doc["costs"][0].update(treatment="capex", life_months=36)
    ranged = next(a for a in doc["assumptions"] if "low" in a and "high" in a)
    ranged["distribution"] = "pert"
    churn = next(b for b in doc["benefits"] if b["kind"] == "churn")
    churn["reduction_applies_to"] = "annual_churn"
    with org_default_rate(doc["discount_rate"]):
        first = casefiles.import_case(cx_user, json.dumps(doc).encode())
        _name, exported = casefiles.export_case(first)
        second = casefiles.import_case(cx_user, exported.encode())
    _name, again = casefiles.export_case(second)
    assert again == exported
    assert second.document == first.document == canonical_json(load_case(doc))
    assert second.case_hash == first.case_hash
    out = json.loads(exported)
    assert {k: out[k] for k in ("continuing_value", "continuing_growth", "headline_npv")} == {
        "continuing_value": "gordon_growth",
        "continuing_growth": 0.015,
        "headline_npv": "with_continuing_value",
    }
    assert (out["tax_rate"], out["tax_lag_months"]) == (0.25, 2)
    assert (out["costs"][0]["treatment"], out["costs"][0]["life_months"]) == ("capex", 36)
    kept = next(b for b in out["benefits"] if b["kind"] == "churn")
    assert kept["reduction_applies_to"] == "annual_churn"
    assert out["discounting"] == "actual_365"
    assert out["inflation_rate"] == 0.025
    assert (
        next(a for a in out["assumptions"] if a["key"] == ranged["key"])["distribution"] == "pert"
    )
