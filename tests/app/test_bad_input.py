"""Whatever is typed, a form answers with a message (400) or saves (302): never a 500."""

from __future__ import annotations

import pytest

from cxroi.extensions import db
from models import Case

WEIRD = [
    "",
    "abc",
    "1e999",
    "NaN",
    "-inf",
    "１２",
    "0x10",
    "1,2,3",
    "€100",
    "9" * 400,
    "<script>",
    "ARPU",
]


def forms(case):
    cost, benefit, assumption = case.costs[0], case.benefits[0], case.assumptions[0]
    return {
        f"/cases/{case.id}/edit": ["title", "start_month", "horizon_months", "currency"],
        f"/cases/{case.id}/assumptions/new": ["key", "value", "low", "high", "unit"],
        f"/cases/{case.id}/costs/{cost.id}": [
            "amount",
            "month",
            "start_month",
            "end_month",
            "escalation",
            "risk",
            "recurrence",
        ],
        f"/cases/{case.id}/benefits/{benefit.id}": [
            "customers",
            "annual_churn",
            "reduction",
            "arpu",
            "margin",
            "gross_adds",
            "ramp_start",
            "ramp_months",
            "risk",
        ],
        f"/cases/{case.id}/scenarios/new": ["name", "ov_arpu", "ov_subscribers"],
        f"/cases/{case.id}/assumptions/{assumption.id}": ["value"],
    }


BASE = {
    "title": "T",
    "start_month": "2027-01",
    "horizon_months": "36",
    "currency": "GBP",
    "discount_rate": "9",
    "key": "new_key",
    "label": "L",
    "value": "1",
    "unit": "u",
    "name": "N",
    "category": "c",
    "recurrence": "monthly",
    "amount": "10",
    "customers": "100",
    "annual_churn": "0.2",
    "reduction": "0.1",
    "arpu": "arpu",
    "margin": "0.5",
}


@pytest.mark.parametrize("weird", WEIRD)
def test_no_typed_value_causes_a_server_error(cx_client, make_case, weird):
    case = make_case()
    version = case.lock_version
    for url, fields in forms(case).items():
        for field in fields:
            data = {**BASE, "lock_version": version, field: weird}
            response = cx_client.post(url, data=data)
            assert response.status_code in (302, 400, 403), (url, field, weird)
            if response.status_code == 302:  # saved: the next form must use the new version
                db.session.expire_all()
                version = db.session.get(Case, case.id).lock_version
