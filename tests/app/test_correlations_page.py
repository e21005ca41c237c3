"""Rank correlations in the app (issue 13 item 6): the inputs page's pairs and their own
page, who may set them (a pair with a Finance-owned assumption is Finance's), the
results page's Monte Carlo section, import and API; hostile input is a 4xx naming the
field and saves nothing."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest

from cxroi.engine import DEFAULT_SEED, load_case, simulate
from cxroi.extensions import db
from cxroi.formatting import money
from models import Case
from tests.appsupport import example_document

# In examples/contact-centre.json: churn_reduction is CX's, repeat_reduction Customer
# Service's, arpu and cost_per_call Finance's; margin has no range.
PAIR = {"a": "churn_reduction", "b": "repeat_reduction", "rho": 0.6}


def _doc(case: Case) -> dict:
    db.session.expire_all()
    return json.loads(db.session.get(Case, case.id).document)


def _add(client, case: Case, **fields):
    data = {"lock_version": str(case.lock_version), "a": PAIR["a"], "b": PAIR["b"], "rho": "0.6"}
    return client.post(f"/cases/{case.id}/correlations", data={**data, **fields})


def test_the_owner_adds_and_removes_a_pair_and_the_pages_show_it(cx_client, make_case):
    case = make_case()
    page = cx_client.get(f"/cases/{case.id}/correlations")
    assert page.status_code == 200
    # Only ranged assumptions are offered: margin has no range.
    assert 'value="churn_reduction"' in page.text and 'value="margin"' not in page.text
    response = _add(cx_client, case)
    assert response.status_code == 302
    assert _doc(case)["correlations"] == [PAIR]
    inputs = unescape(cx_client.get(f"/cases/{case.id}/inputs").text)
    assert "<code>churn_reduction</code> and <code>repeat_reduction</code>: 0.6" in inputs
    # The results page's Monte Carlo section lists the pair, and its mean is the engine's
    # for the correlated case.
    results = unescape(cx_client.get(f"/cases/{case.id}").text)
    assert re.search(
        r"rank correlations \(Iman–Conover\): <code>churn_reduction</code> and"
        r" <code>repeat_reduction</code> 0.6",
        results,
    )
    correlated = load_case({**example_document(), "correlations": [PAIR]})
    trials = int(re.search(r"([\d,]+) trials drawing", results).group(1).replace(",", ""))
    mc = simulate(correlated, trials=trials, seed=DEFAULT_SEED)
    plain = simulate(load_case(example_document()), trials=trials, seed=DEFAULT_SEED)
    assert mc is not None and plain is not None and mc.p10 != plain.p10
    assert f'data-metric="expected-npv">{money(mc.mean, "GBP")}<' in results
    db.session.expire_all()
    lock = db.session.get(Case, case.id).lock_version
    removed = cx_client.post(
        f"/cases/{case.id}/correlations/0/delete", data={"lock_version": str(lock)}
    )
    assert removed.status_code == 302
    assert "correlations" not in _doc(case)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"rho": "2"}, "at most 1"),
        ({"rho": "abc"}, "must be a number"),
        ({"b": "margin"}, "Not a valid choice"),
        ({"b": "churn_reduction"}, 'pairs "churn_reduction" with itself'),
    ],
)
def test_a_bad_pair_on_the_page_is_a_400_naming_it(cx_client, make_case, fields, words):
    case = make_case()
    response = _add(cx_client, case, **fields)
    assert response.status_code == 400
    assert words in unescape(response.text)
    assert "correlations" not in _doc(case)


def test_a_contradictory_set_of_pairs_is_refused_and_nothing_saved(cx_client, make_case):
    doc = {
        **example_document(),
        "correlations": [
            {"a": "churn_reduction", "b": "repeat_reduction", "rho": 0.6},
            {"a": "churn_reduction", "b": "kb_licence", "rho": 0.6},
        ],
    }
    case = make_case(doc)
    response = _add(cx_client, case, a="repeat_reduction", b="kb_licence", rho="-0.9")
    assert response.status_code == 400
    assert "not a valid correlation matrix" in unescape(response.text)
    assert len(_doc(case)["correlations"]) == 2


def test_a_pair_with_a_finance_owned_assumption_is_finance_s(cx_client, finance_client, make_case):
    case = make_case()
    response = _add(cx_client, case, a="arpu", b="churn_reduction", rho="0.3")
    assert response.status_code == 403
    assert "owned by Finance" in unescape(response.text)
    assert "correlations" not in _doc(case)
    assert _add(finance_client, case, a="arpu", b="churn_reduction", rho="0.3").status_code == 302
    assert _doc(case)["correlations"] == [{"a": "arpu", "b": "churn_reduction", "rho": 0.3}]


def test_a_rename_follows_and_a_delete_waits_for_the_pair(cx_client, make_case):
    from cxroi.cases import parts
    from cxroi.cases.services import PartInUse

    case = make_case({**example_document(), "correlations": [PAIR]})
    row = next(a for a in case.doc.assumptions if a.key == "repeat_reduction")
    with pytest.raises(PartInUse, match='its correlation with "churn_reduction"'):
        parts.delete_part(case.owner, case.id, case.lock_version, "assumptions", row.id)
    values = {
        "key": "repeats_cut",
        "label": row.label,
        "value": row.value,
        "unit": row.unit,
        "low": row.low,
        "high": row.high,
        "owner": row.owner,
        "source": row.source,
    }
    parts.save_assumption(case.owner, case.id, case.lock_version, row.id, values)
    assert _doc(case)["correlations"] == [{**PAIR, "b": "repeats_cut"}]


def _import(client, body: bytes):
    return client.post(
        "/cases/import",
        data={"case_file": (io.BytesIO(body), "case.json")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("pair", "path", "words"),
    [
        ({**PAIR, "rho": 1e308}, "correlations[0].rho", "10^13"),
        ({**PAIR, "b": "x\x00"}, "correlations[0].b", "identifier"),
        ({**PAIR, "b": "margin"}, "correlations[0].b", "no range"),
        ({**PAIR, "rho": -1.5}, "correlations[0].rho", "from -1 to 1"),
    ],
)
def test_a_hostile_pair_in_an_import_is_a_400_naming_it(cx_client, pair, path, words):
    before = db.session.query(Case).count()
    body = json.dumps({**example_document(), "correlations": [pair]}).encode()
    response = _import(cx_client, body)
    assert response.status_code == 400
    text = unescape(response.text)
    assert path in text and words in text
    assert db.session.query(Case).count() == before


def test_nan_in_an_import_is_a_400(cx_client):
    body = json.dumps({**example_document(), "correlations": [PAIR]}).replace("0.6", "NaN")
    response = _import(cx_client, body.encode())
    assert response.status_code == 400 and "NaN" in unescape(response.text)


def test_finance_reviews_an_assumption_with_its_pairs(finance_client, make_case, cx_user):
    from cxroi.approvals.steps import take_case_step

    case = make_case({**example_document(), "correlations": [PAIR]})
    take_case_step(case, "submit", cx_user)
    page = unescape(finance_client.get(f"/cases/{case.id}/review").text)
    assert page.count("<dt>Rank correlations</dt>") == 2  # both assumptions of the pair
    labels = {a.key: a.label for a in case.doc.assumptions}
    assert f"<dd>{labels['repeat_reduction']}: 0.6</dd>" in page
    assert f"<dd>{labels['churn_reduction']}: 0.6</dd>" in page


def test_the_owner_renames_an_assumption_paired_with_a_finance_one(make_case):
    from cxroi.cases import parts

    case = make_case({**example_document(), "correlations": [{**PAIR, "b": "arpu"}]})
    row = next(a for a in case.doc.assumptions if a.key == "churn_reduction")
    values = {
        "key": "churn_cut",
        "label": row.label,
        "value": row.value,
        "unit": row.unit,
        "low": row.low,
        "high": row.high,
        "owner": row.owner,
    }
    parts.save_assumption(case.owner, case.id, case.lock_version, row.id, values)
    assert _doc(case)["correlations"] == [{"a": "churn_cut", "b": "arpu", "rho": 0.6}]
