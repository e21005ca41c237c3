"""Rank correlations through the API: the pairs round-trip, a bad one is named."""

from __future__ import annotations

from tests.appsupport import example_document

PAIR = {"a": "churn_reduction", "b": "repeat_reduction", "rho": 0.6}


def test_the_api_round_trips_the_pairs_and_names_a_bad_one(cx_api):
    doc = {**example_document(), "correlations": [PAIR]}
    created = cx_api.post("/api/v1/cases", json=doc)
    assert created.status_code == 201, created.text
    case_id = created.get_json()["id"]
    got = cx_api.get(f"/api/v1/cases/{case_id}")
    assert got.get_json()["document"]["correlations"] == [PAIR]
    bad = {**example_document(), "correlations": [{**PAIR, "rho": 7}]}
    refused = cx_api.post("/api/v1/cases", json=bad)
    assert refused.status_code in (400, 422)
    assert "correlations[0].rho" in refused.text
