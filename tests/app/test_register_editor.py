"""The benefits register through the line editor, and on the inputs page."""

from __future__ import annotations

from tests.app.test_line_notes import case_with_notes, form_as_shown, item, stored

__all__ = ["case_with_notes"]  # the fixture, shared


def test_the_register_typed_in_the_cost_form_is_saved_shown_and_kept(cx_client, case_with_notes):
    url = f"/cases/{case_with_notes.id}/costs/c1"
    form = form_as_shown(cx_client, url)
    assert form["register_owner_name"] == ""
    form.update(
        register_owner_name="Ann Ops",
        register_owner_email="ann@example.com",
        register_kpi="Cost to serve",
        register_baseline="4.50",
        register_baseline_date="2026-12",
        register_target="80%",
        register_outcome="Cheaper contacts.",
    )
    assert cx_client.post(url, data=form).status_code == 302
    cost = item(stored(case_with_notes.id), "costs", "c1")
    assert cost["register"] == {
        "owner_name": "Ann Ops",
        "owner_email": "ann@example.com",
        "kpi": "Cost to serve",
        "baseline": 4.5,
        "baseline_date": "2026-12",
        "target": 0.8,
        "outcome": "Cheaper contacts.",
    }
    page = cx_client.get(f"/cases/{case_with_notes.id}/inputs").text
    assert "Ann Ops" in page and "&lt;ann@example.com&gt;" in page and "at 2026-12" in page
    # Opening the form again shows the entry, and an unrelated edit keeps it.
    again = form_as_shown(cx_client, url)
    assert (again["register_owner_email"], again["register_target"]) == ("ann@example.com", "0.8")
    again["amount"] = "90000"
    assert cx_client.post(url, data=again).status_code == 302
    assert item(stored(case_with_notes.id), "costs", "c1")["register"]["kpi"] == "Cost to serve"


def test_a_bad_register_field_is_refused_beside_it_and_nothing_saved(cx_client, case_with_notes):
    url = f"/cases/{case_with_notes.id}/benefits/b1"
    before = stored(case_with_notes.id)
    form = form_as_shown(cx_client, url)
    form.update(register_owner_email="ann at example", register_target_date="2027-02-30")
    response = cx_client.post(url, data=form)
    assert response.status_code == 400, response.status_code
    assert 'id="register_owner_email-error"' in response.text
    assert 'id="register_target_date-error"' in response.text
    assert stored(case_with_notes.id) == before


def test_clearing_every_register_field_leaves_it_out(cx_client, case_with_notes):
    url = f"/cases/{case_with_notes.id}/benefits/b1"
    form = form_as_shown(cx_client, url)
    form.update(register_kpi="Churn")
    assert cx_client.post(url, data=form).status_code == 302
    assert item(stored(case_with_notes.id), "benefits", "b1")["register"] == {"kpi": "Churn"}
    form = form_as_shown(cx_client, url)
    form.update(register_kpi="  ")
    assert cx_client.post(url, data=form).status_code == 302
    assert "register" not in item(stored(case_with_notes.id), "benefits", "b1")
