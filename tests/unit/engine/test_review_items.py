"""The review items of a case and their effect on NPV, checked against the engine pricing
a hand-edited document (never against the function's own arithmetic)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from cxroi.engine import analyse, case_to_dict, load_case
from cxroi.engine.review_items import (
    effects_from_dict,
    effects_to_dict,
    fingerprint,
    npv_effects,
    review_items,
)
from tests.support import EXAMPLES_DIR


@pytest.fixture
def doc() -> dict[str, Any]:
    return case_to_dict(load_case((EXAMPLES_DIR / "contact-centre.json").read_text()))


def npv_of(doc: dict[str, Any]) -> float:
    return analyse(load_case(doc), trials=0).metrics.npv


def edited(doc: dict[str, Any], change: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    change(out)
    return out


def test_every_assumption_line_and_setting_is_one_item(doc):
    items = review_items(load_case(doc))
    ids = [i.id for i in items]
    assert ids == (
        [a["id"] for a in doc["assumptions"]]
        + [c["id"] for c in doc["costs"]]
        + [b["id"] for b in doc["benefits"]]
        + [s["id"] for s in doc["scenarios"]]
        + ["discount_rate", "horizon_months", "start_month", "continuing_value", "tax_rate"]
    )
    kinds = {i.id: i.kind for i in items}
    assert kinds["a1"] == "assumption" and kinds["c1"] == "cost" and kinds["b1"] == "benefit"
    # A benefit line's item holds its parameters, timing and risk, not its note or id.
    b1 = next(i for i in items if i.id == "b1")
    line = next(b for b in doc["benefits"] if b["id"] == "b1")
    ids = {a["key"]: a["id"] for a in doc["assumptions"]}
    assert dict(b1.fields) == {
        k: f"assumption {ids[v]}" if k not in ("name", "kind") and v in ids else v
        for k, v in line.items()
        if k not in ("id", "note")
    }
    assert b1.fields["customers"] == f"assumption {ids['subscribers']}"
    assert {"customers", "ramp_start", "ramp_months", "risk"} <= set(b1.fields)


def _lines_and_scenarios(doc: dict[str, Any]) -> dict[str, str]:
    return {
        i.id: i.fingerprint
        for i in review_items(load_case(doc))
        if i.kind in ("cost", "benefit", "scenario")
    }


def test_swapping_two_keys_changes_the_items_that_use_them(doc):
    """Swapping the keys of two assumptions changes what the lines compute, so every line
    and scenario using either one reads as changed (the review found this hole)."""

    def swap(d: dict[str, Any]) -> None:
        by_key = {a["key"]: a for a in d["assumptions"]}
        by_key["churn_reduction"]["key"], by_key["margin"]["key"] = "margin", "churn_reduction"

    before, after = _lines_and_scenarios(doc), _lines_and_scenarios(edited(doc, swap))
    moved = {i for i in before if before[i] != after[i]}
    users = {
        line["id"]
        for section in ("benefits", "costs", "scenarios")
        for line in doc[section]
        if {"churn_reduction", "margin"} & set(json.dumps(line).replace('"', " ").split())
    }
    assert users and moved == users
    assert npv_of(edited(doc, swap)) != npv_of(doc)  # the result did move


def test_a_rename_carried_into_its_uses_keeps_every_verdict(doc):
    def rename(d: dict[str, Any]) -> None:
        text = json.dumps(d).replace('"churn_reduction"', '"churn_cut"')
        d.clear()
        d.update(json.loads(text))

    before = {i.id: i.fingerprint for i in review_items(load_case(doc))}
    after = {i.id: i.fingerprint for i in review_items(load_case(edited(doc, rename)))}
    assert before == after


def test_a_scenario_is_reviewed_with_its_overrides(doc):
    def stronger(d: dict[str, Any]) -> None:
        d["scenarios"][0]["overrides"]["churn_reduction"] = 0.5

    before, after = _lines_and_scenarios(doc), _lines_and_scenarios(edited(doc, stronger))
    assert {i for i in before if before[i] != after[i]} == {doc["scenarios"][0]["id"]}


def test_the_fingerprint_moves_with_every_reviewed_field_only(doc):
    before = {i.id: i.fingerprint for i in review_items(load_case(doc))}

    def changed(change: Any) -> set[str]:
        after = {i.id: i.fingerprint for i in review_items(load_case(edited(doc, change)))}
        return {k for k in before if after.get(k) != before[k]}

    assert changed(lambda d: d["benefits"][1].update(risk=0.3)) == {"b2"}
    assert changed(lambda d: d["benefits"][1].update(ramp_months=4)) == {"b2"}
    assert changed(lambda d: d["costs"][0].update(amount=90000)) == {"c1"}
    assert changed(lambda d: d["costs"][0].update(note="only a note")) == set()
    assert changed(lambda d: d.update(discount_rate=0.1)) == {"discount_rate"}
    assert changed(lambda d: d.update(start_month="2028-01")) == {"start_month"}
    # Tax and the continuing value: one setting item each, whatever field of it moves.
    assert changed(lambda d: d.update(tax_rate=0.25)) == {"tax_rate"}
    assert changed(lambda d: d.update(tax_rate=0.0)) == {"tax_rate"}  # 0 % is not "no tax"
    assert changed(lambda d: d.update(tax_rate=0.25, tax_lag_months=3)) == {"tax_rate"}
    assert changed(lambda d: d.update(continuing_value="customer_runoff")) == {"continuing_value"}
    assert changed(
        lambda d: d.update(continuing_value="gordon_growth", continuing_growth=0.01)
    ) == {"continuing_value"}
    assert changed(
        lambda d: d.update(continuing_value="customer_runoff", headline_npv="with_continuing_value")
    ) == {"continuing_value"}
    # A capex treatment or a churn convention is part of its line's item.
    assert changed(lambda d: d["costs"][0].update(treatment="capex", life_months=36)) == {"c1"}
    churn = next(i for i, b in enumerate(doc["benefits"]) if b["kind"] == "churn")
    assert changed(lambda d: d["benefits"][churn].update(reduction_applies_to="annual_churn")) == {
        doc["benefits"][churn]["id"]
    }
    assert changed(lambda d: d["assumptions"][2].update(notes="a note")) == set()
    # An assumption's fingerprint is the one its verdicts were stored with before.
    a = load_case(doc).assumptions[0]
    fields = {n: getattr(a, n) for n in ("label", "value", "unit", "low", "high", "source")}
    fields["owner"] = a.owner
    text = json.dumps(
        {k: v for k, v in fields.items() if v is not None}, sort_keys=True, separators=(",", ":")
    )
    import hashlib

    assert fingerprint(fields) == hashlib.sha256(text.encode()).hexdigest()


def test_assumption_effects_are_the_npv_at_its_range_or_ten_percent(doc):
    case = load_case(doc)
    effects = npv_effects(case)
    base = npv_of(doc)
    for n, a in enumerate(doc["assumptions"]):
        e = effects[a["id"]]
        assert e.base_npv == pytest.approx(base, rel=1e-9)
        if "low" in a and "high" in a:
            low, high = a["low"], a["high"]
            assert e.basis == "range"
        else:
            low, high = a["value"] * 0.9, a["value"] * 1.1
            assert e.basis == "nudge"
        for bound, expected in ((low, e.npv_low), (high, e.npv_high)):
            priced = npv_of(
                edited(doc, lambda d, n=n, v=bound: d["assumptions"][n].update(value=v))
            )
            assert expected == pytest.approx(priced, rel=1e-9, abs=1e-6), (a["key"], bound)
    # The ranged ones agree with the engine's tornado.
    tornado = {t.key: t for t in analyse(case, trials=0).tornado}
    for a in case.assumptions:
        if a.key in tornado:
            assert effects[a.id].npv_low == pytest.approx(tornado[a.key].npv_low)


def test_a_line_scaled_by_ten_percent(doc):
    effects = npv_effects(load_case(doc))
    # c1 is a once cost with a number as its amount: 10 % more of it.
    c1 = doc["costs"][0]
    assert isinstance(c1["amount"], int | float)
    more = npv_of(edited(doc, lambda d: d["costs"][0].update(amount=c1["amount"] * 1.1)))
    assert effects["c1"].npv_high == pytest.approx(more, rel=1e-9)
    assert effects["c1"].npv_high < effects["c1"].base_npv  # more cost, less NPV
    # b2 saves volume x reduction x unit cost: 10 % more volume is 10 % more line.
    b2 = doc["benefits"][1]
    volume = load_case(doc).assumption(b2["volume"]).value
    for factor, expected in ((0.9, effects["b2"].npv_low), (1.1, effects["b2"].npv_high)):
        priced = npv_of(edited(doc, lambda d, f=factor: d["benefits"][1].update(volume=volume * f)))
        assert expected == pytest.approx(priced, rel=1e-9)


def test_discount_rate_horizon_and_start_month(doc):
    effects = npv_effects(load_case(doc))
    rate = doc["discount_rate"]
    for r, expected in ((rate * 0.9, effects["discount_rate"].npv_low), (rate * 1.1, None)):
        priced = npv_of(edited(doc, lambda d, r=r: d.update(discount_rate=r)))
        target = effects["discount_rate"].npv_high if expected is None else expected
        assert target == pytest.approx(priced, rel=1e-9)
    h = doc["horizon_months"]
    e = effects["horizon_months"]
    assert (e.low, e.high) == (round(h * 0.9), round(h * 1.1))

    def with_horizon(d: dict[str, Any], months: int) -> None:
        d["horizon_months"] = months
        for c in d["costs"]:  # a line ending after the horizon is cut at it, as pricing does
            if "end_month" in c:
                c["end_month"] = min(c["end_month"], months)

    for months, expected in ((e.low, e.npv_low), (e.high, e.npv_high)):
        priced = npv_of(edited(doc, lambda d, m=months: with_horizon(d, int(m))))
        assert expected == pytest.approx(priced, rel=1e-9)
    start = effects["start_month"]
    assert start.basis == "none" and start.swing == 0.0


def test_tax_and_the_continuing_value_leave_the_npv_within_the_horizon(doc):
    """They move the figures beside it (after tax, with continuing value), not the NPV the
    effects are measured on: no effect, and that NPV is the engine's without them."""
    taxed = edited(doc, lambda d: d.update(tax_rate=0.25, continuing_value="customer_runoff"))
    effects = npv_effects(load_case(taxed))
    for item_id in ("tax_rate", "continuing_value"):
        e = effects[item_id]
        assert e.basis == "none" and e.swing == 0.0
        assert e.base_npv == pytest.approx(npv_of(doc), rel=1e-12)
    items = {i.id: dict(i.fields) for i in review_items(load_case(taxed))}
    assert items["tax_rate"] == {"tax_rate": 0.25, "tax_lag_months": 0}
    assert items["continuing_value"] == {
        "continuing_value": "customer_runoff",
        "continuing_growth": 0.0,
        "headline_npv": "horizon",
    }


def test_effects_survive_the_result_document(doc):
    effects = npv_effects(load_case(doc))
    stored = json.loads(json.dumps(effects_to_dict(effects), allow_nan=False))
    assert effects_from_dict(stored) == effects
