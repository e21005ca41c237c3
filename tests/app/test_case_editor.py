"""The case editor: create, edit, assumptions, lines, scenarios; errors keep the input."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from cxroi.engine import analyse
from cxroi.extensions import db
from cxroi.formatting import money, months
from models import AuditEvent, Case
from tests.appsupport import rewrite_document

NEW_CASE = {
    "title": "Chat instead of phone for billing questions",
    "description": "Move billing questions to chat.",
    "customer_problem": "Customers wait 14 minutes on the phone.",
    "evidence": "Complaints log, Q2.",
    "currency": "GBP",
    "start_month": "2027-01",
    "horizon_months": "36",
    "discount_rate": "10",
}


def new_case(client, **changes):
    return client.post("/cases/new", data={**NEW_CASE, **changes})


def only_case() -> Case:
    db.session.expire_all()
    return db.session.scalars(select(Case)).one()


def test_cx_creates_a_case_as_a_priced_draft(cx_client, cx_user):
    response = new_case(cx_client)
    assert response.status_code == 302
    case = only_case()
    assert (case.title, case.owner_id, case.status, case.lock_version) == (
        NEW_CASE["title"],
        cx_user.id,
        "draft",
        1,
    )
    assert case.customer_problem == NEW_CASE["customer_problem"]
    assert case.discount_rate == pytest.approx(0.09)  # the organisation default of the test app
    assert case.npv == 0 and case.result is not None


def test_bad_case_input_names_each_field_and_keeps_what_was_typed(cx_client):
    response = new_case(cx_client, title="", start_month="2027-13", horizon_months="3 years")
    assert response.status_code == 400
    html = unescape(response.text)
    assert "There is a problem" in html
    assert 'href="#title"' in html and "Enter a title." in html
    assert "Enter the first month as YYYY-MM." in html
    assert "Horizon must be a number" in html
    assert 'value="2027-13"' in html and 'value="3 years"' in html
    assert "Customers wait 14 minutes on the phone." in html
    assert db.session.scalars(select(Case)).first() is None


def test_horizon_out_of_range_is_refused_with_the_rule(cx_client):
    response = new_case(cx_client, horizon_months="240")
    assert response.status_code == 400
    assert "Horizon must be at most 120, not 240." in unescape(response.text)


def add_assumption(client, case_id, lock, **fields):
    data = {
        "lock_version": lock,
        "key": "arpu",
        "label": "Revenue per customer",
        "value": "30",
        "unit": "GBP/month",
        "low": "27",
        "high": "33",
        "source": "Billing",
        "owner": "CX",
        "confidence": "medium",
        "notes": "",
    }
    data.update(fields)
    return client.post(f"/cases/{case_id}/assumptions/new", data=data)


def test_adding_assumptions_cost_and_churn_benefit_reprices_the_case(cx_client):
    new_case(cx_client)
    case = only_case()
    assert add_assumption(cx_client, case.id, 1).status_code == 302
    assert (
        add_assumption(
            cx_client,
            case.id,
            2,
            key="churn_cut",
            label="Churn reduction",
            value="8%",
            unit="ratio",
            low="0.04",
            high="0.12",
        ).status_code
        == 302
    )
    response = cx_client.post(
        f"/cases/{case.id}/costs/new",
        data={
            "lock_version": 3,
            "name": "Chat platform",
            "category": "technology",
            "department": "IT",
            "recurrence": "once",
            "month": "0",
            "amount": "120,000",
            "escalation": "",
            "risk": "10%",
        },
    )
    assert response.status_code == 302, response.text
    response = cx_client.post(
        f"/cases/{case.id}/benefits/new/churn",
        data={
            "lock_version": 4,
            "name": "Customers kept",
            "customers": "50000",
            "annual_churn": "0.2",
            "reduction": "churn_cut",
            "arpu": "arpu",
            "margin": "0.4",
            "gross_adds": "",
            "ramp_start": "2",
            "ramp_months": "6",
            "risk": "0.2",
        },
    )
    assert response.status_code == 302, response.text
    case = only_case()
    assert case.lock_version == 5
    assert case.assumptions[1].value == pytest.approx(0.08)
    assert case.costs[0].params == {"amount": 120000, "escalation": 0.0, "risk": pytest.approx(0.1)}
    assert case.benefits[0].params["reduction"] == "churn_cut"
    expected = analyse(case.doc, trials=0).metrics
    assert case.npv == pytest.approx(expected.npv)
    assert case.payback_months == pytest.approx(expected.payback_months)
    flash = unescape(cx_client.get(f"/cases/{case.id}/inputs").text)
    assert f"Benefit line saved. NPV is now {money(expected.npv, 'GBP')}" in flash
    assert f"payback {months(expected.payback_months)} (was not within the horizon)" in flash


def test_a_parameter_that_is_neither_number_nor_assumption_is_named(cx_client, make_case):
    case = make_case()
    response = cx_client.post(
        f"/cases/{case.id}/costs/new",
        data={
            "lock_version": case.lock_version,
            "name": "Licence",
            "category": "technology",
            "recurrence": "monthly",
            "start_month": "1",
            "amount": "licence_fee",
        },
    )
    assert response.status_code == 400
    assert '"licence_fee" is neither a number nor an assumption of this case' in unescape(
        response.text
    )
    assert 'value="licence_fee"' in unescape(response.text) and 'value="Licence"' in unescape(
        response.text
    )


def test_engine_rules_land_beside_the_field(cx_client, make_case):
    case = make_case()
    response = cx_client.post(
        f"/cases/{case.id}/benefits/new/churn",
        data={
            "lock_version": case.lock_version,
            "name": "Kept",
            "customers": "1000",
            "annual_churn": "1.5",
            "reduction": "0.1",
            "arpu": "arpu",
            "margin": "0.5",
        },
    )
    assert response.status_code == 400
    html = unescape(response.text)
    assert 'id="annual_churn-error"' in html and "Must be from 0 to 1, not 1.5." in html
    assert 'value="1.5"' in html


def test_a_churn_line_says_what_its_reduction_cuts_and_keeps_the_choice(cx_client, make_case):
    case = make_case()
    form = unescape(cx_client.get(f"/cases/{case.id}/benefits/new/churn").text)
    assert "Reduction applies to" in form
    assert "the monthly churn hazard" in form and "the annual churn rate" in form
    data = {
        "lock_version": case.lock_version,
        "name": "Kept",
        "customers": "1000",
        "annual_churn": "0.3",
        "reduction": "0.1",
        "arpu": "20",
        "margin": "0.5",
        "reduction_applies_to": "annual_churn",
    }
    response = cx_client.post(f"/cases/{case.id}/benefits/new/churn", data=data)
    assert response.status_code == 302, response.text
    saved = only_case()
    line = next(b for b in saved.doc.benefits if b.name == "Kept")
    assert line.choices == {"reduction_applies_to": "annual_churn"}
    edit = unescape(cx_client.get(f"/cases/{case.id}/benefits/{line.id}").text)
    assert '<option selected value="annual_churn">' in edit or (
        'value="annual_churn" selected' in edit
    )
    data.update(lock_version=saved.lock_version, reduction_applies_to="yearly")
    response = cx_client.post(f"/cases/{case.id}/benefits/new/churn", data=data)
    assert response.status_code == 400
    assert "Not a valid choice" in unescape(response.text)


def test_a_cost_line_can_be_capex_with_a_depreciation_life(cx_client, make_case):
    case = make_case()
    form = unescape(cx_client.get(f"/cases/{case.id}/costs/new").text)
    assert "Tax treatment" in form and "Depreciation life (months)" in form
    data = {
        "lock_version": case.lock_version,
        "name": "Servers",
        "category": "technology",
        "recurrence": "once",
        "month": "0",
        "amount": "36000",
        "treatment": "capex",
        "life_months": "36",
    }
    response = cx_client.post(f"/cases/{case.id}/costs/new", data=data)
    assert response.status_code == 302, response.text
    line = next(c for c in only_case().doc.costs if c.name == "Servers")
    assert (line.treatment, line.life_months) == ("capex", 36)
    edit = unescape(cx_client.get(f"/cases/{case.id}/costs/{line.id}").text)
    assert 'value="36"' in edit
    data.update(lock_version=only_case().lock_version, name="No life", life_months="")
    response = cx_client.post(f"/cases/{case.id}/costs/new", data=data)
    assert response.status_code == 400
    assert "required for a capex line" in unescape(response.text)


def test_low_above_value_is_reported_on_the_assumption(cx_client, make_case):
    case = make_case()
    response = add_assumption(cx_client, case.id, case.lock_version, key="new_one", low="40")
    assert response.status_code == 400
    assert 'id="value-error"' in unescape(response.text) and "is below low 40" in unescape(
        response.text
    )


def test_deleting_an_assumption_in_use_is_refused_naming_the_lines(cx_client, make_case):
    case = make_case()
    row = case.assumption_by_key("repeat_reduction")
    response = cx_client.post(
        f"/cases/{case.id}/assumptions/{row.id}/delete",
        data={"lock_version": case.lock_version},
        follow_redirects=True,
    )
    assert (
        'Assumption "repeat_reduction" cannot be deleted: it is used by benefit '
        '"Repeat calls avoided", scenario "Pilot results halve at scale"' in unescape(response.text)
    )
    assert only_case().assumption_by_key("repeat_reduction") is not None


def test_deleting_an_unused_line_reprices_and_is_audited(cx_client, make_case, cx_user):
    case = make_case()
    before = case.npv
    line = case.costs[2]  # Agent training
    response = cx_client.post(
        f"/cases/{case.id}/costs/{line.id}/delete", data={"lock_version": case.lock_version}
    )
    assert response.status_code == 302
    case = only_case()
    assert [c.name for c in case.costs] == [
        "Knowledge base set-up",
        "Knowledge base licence",
        "First-call refunds",
    ]
    assert case.npv > before
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "delete")).one()
    assert (event.entity, event.actor, event.case_id) == ("cost", cx_user.email, case.id)
    assert '"name": "Agent training"' in event.old


def test_editing_an_assumption_records_old_and_new_values(cx_client, make_case):
    case = make_case()
    row = case.assumption_by_key("repeat_reduction")
    page = unescape(cx_client.get(f"/cases/{case.id}/assumptions/{row.id}").text)
    assert 'value="0.3"' in page and 'value="Pilot team, 8 weeks"' in page
    response = add_assumption(
        cx_client,
        case.id,
        case.lock_version,
        key="repeat_reduction",
        label="Share of repeat calls avoided",
        value="0.25",
        unit="ratio",
        low="0.2",
        high="0.4",
        source="Pilot team, 8 weeks",
        owner="Customer Service",
    )
    # the "new" URL would add a second one with the same key: the engine refuses
    assert response.status_code == 400 and "duplicate" in unescape(response.text).lower()
    response = cx_client.post(
        f"/cases/{case.id}/assumptions/{row.id}",
        data={
            "lock_version": case.lock_version,
            "key": "repeat_reduction",
            "label": "Share of repeat calls avoided",
            "value": "0.25",
            "unit": "ratio",
            "low": "0.2",
            "high": "0.4",
            "source": "Pilot team, 8 weeks",
            "owner": "Customer Service",
            "confidence": "high",
        },
    )
    assert response.status_code == 302
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "assumption", AuditEvent.action == "update")
    ).all()
    assert {(e.field, e.old, e.new) for e in events} == {
        ("value", "0.3", "0.25"),
        ("confidence", None, "high"),
    }


def test_renaming_an_assumption_key_carries_its_uses_along(cx_client, make_case):
    case = make_case()
    rewrite_document(case, assumption=("arpu", {"owner": "CX"}))  # Finance-owned: make it CX's
    row = case.assumption_by_key("arpu")
    response = cx_client.post(
        f"/cases/{case.id}/assumptions/{row.id}",
        data={
            "lock_version": case.lock_version,
            "key": "revenue_per_sub",
            "label": row.label,
            "value": "29",
            "unit": row.unit,
            "low": "27",
            "high": "31",
            "source": "Billing",
            "owner": "CX",
        },
    )
    assert response.status_code == 302, response.text
    case = only_case()
    assert case.benefits[0].params["arpu"] == "revenue_per_sub"
    assert case.doc.benefits[0].params["arpu"] == "revenue_per_sub"  # still a valid document


def test_scenario_with_overrides(cx_client, make_case):
    case = make_case()
    response = cx_client.post(
        f"/cases/{case.id}/scenarios/new",
        data={
            "lock_version": case.lock_version,
            "name": "Dear licence",
            "ov_kb_licence": "62,000",
        },
    )
    assert response.status_code == 302, response.text
    case = only_case()
    assert case.scenarios[-1].overrides == {"kb_licence": 62000}
    assert case.result["scenarios"][-1]["name"] == "Dear licence"


def test_scenario_without_overrides_is_refused(cx_client, make_case):
    case = make_case()
    response = cx_client.post(
        f"/cases/{case.id}/scenarios/new", data={"lock_version": case.lock_version, "name": "Same"}
    )
    assert response.status_code == 400
    assert "a scenario without overrides is the base case" in unescape(response.text)


def test_any_iso_currency_is_accepted_and_lowercase_is_fixed(cx_client):
    assert new_case(cx_client, currency=" inr ").status_code == 302
    case = only_case()
    assert case.currency == "INR"
    response = cx_client.get(f"/cases/{case.id}/edit")
    assert 'value="INR"' in response.text


def test_a_currency_that_is_not_a_code_is_named(cx_client):
    response = new_case(cx_client, currency="pounds")
    assert response.status_code == 400
    assert "Enter a three-letter currency code, e.g. GBP." in response.text
    assert 'value="POUNDS"' in response.text


def test_editing_a_scenario_shows_its_overrides(cx_client, make_case):
    case = make_case()
    scenario = case.scenarios[0]  # churn_reduction 0.03, repeat_reduction 0.15
    html = cx_client.get(f"/cases/{case.id}/scenarios/{scenario.id}").text
    assert 'id="ov_churn_reduction"' in html and 'value="0.03"' in html
    assert 'value="0.15"' in html and 'value="Pilot results halve at scale"' in html


def test_the_case_form_sets_its_monte_carlo_trials_up_to_a_million(cx_client, make_case):
    case = make_case()
    form = cx_client.get(f"/cases/{case.id}/edit").text
    assert 'name="monte_carlo_trials"' in form and "at most 1,000,000" in unescape(form)
    fields = {
        "lock_version": case.lock_version, "title": case.title, "currency": "GBP",
        "start_month": case.doc.start_month, "horizon_months": case.doc.horizon_months,
        "discount_rate": "9",
    }  # fmt: skip
    too_many = cx_client.post(
        f"/cases/{case.id}/edit", data={**fields, "monte_carlo_trials": "1000001"}
    )
    assert too_many.status_code == 400
    assert "1,000,000" in unescape(too_many.text)
    db.session.expire_all()
    assert db.session.get(Case, case.id).doc.monte_carlo_trials is None  # nothing saved
    saved = cx_client.post(
        f"/cases/{case.id}/edit", data={**fields, "monte_carlo_trials": "250000"}
    )
    assert saved.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.doc.monte_carlo_trials == 250_000
    again = cx_client.get(f"/cases/{case.id}/edit").text
    assert 'value="250000"' in again  # the form shows what the case holds
    cleared = cx_client.post(
        f"/cases/{case.id}/edit",
        data={**fields, "lock_version": stored.lock_version, "monte_carlo_trials": ""},
    )
    assert cleared.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).doc.monte_carlo_trials is None  # the default again
