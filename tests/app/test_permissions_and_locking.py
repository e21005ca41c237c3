"""Who may change what (enforced in services, 403 pages) and optimistic locking."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from cxroi.cases import parts, services
from cxroi.errors import PermissionDenied, StaleEdit
from cxroi.extensions import db
from models import Case

ASSUMPTION = {
    "key": "x_new",
    "label": "New",
    "value": 1.0,
    "unit": "ratio",
    "low": None,
    "high": None,
    "source": None,
    "owner": "CX",
    "confidence": None,
    "notes": None,
}


def fresh(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


# -- services -----------------------------------------------------------------------


def test_only_cx_creates_cases(finance_user, admin_user):
    for user in (finance_user, admin_user):
        with pytest.raises(PermissionDenied):
            services.create_case(
                user,
                {
                    "title": "x",
                    "currency": "GBP",
                    "start_month": "2027-01",
                    "horizon_months": 12,
                    "discount_rate": 0.1,
                },
            )


def test_another_cx_user_cannot_edit_my_case(make_case, make_user):
    case = make_case()
    other = make_user("cx")
    with pytest.raises(PermissionDenied, match="Only the CX owner"):
        parts.save_assumption(other, case.id, case.lock_version, None, ASSUMPTION)


def test_finance_changes_the_discount_rate_but_not_the_title(make_case, finance_user):
    case = make_case()
    header = services.header_of(case)
    updated = services.update_case(
        finance_user, case.id, case.lock_version, {**header, "discount_rate": 0.12}
    )
    assert updated.discount_rate == 0.12
    with pytest.raises(PermissionDenied):
        services.update_case(
            finance_user,
            case.id,
            updated.lock_version,
            {**header, "discount_rate": 0.12, "title": "Mine now"},
        )


def test_cx_cannot_change_the_discount_rate(make_case, cx_user):
    case = make_case()
    header = services.header_of(case)
    with pytest.raises(PermissionDenied, match="set by Finance"):
        services.update_case(cx_user, case.id, case.lock_version, {**header, "discount_rate": 0.2})


def test_finance_edits_finance_owned_assumptions_only(make_case, finance_user):
    case = make_case()
    arpu = case.assumption_by_key("arpu")  # owner Finance
    values = {
        **ASSUMPTION,
        **{k: getattr(arpu, k) for k in ("key", "label", "unit", "low", "high", "source", "owner")},
    }
    row = parts.save_assumption(
        finance_user, case.id, case.lock_version, arpu.id, {**values, "value": 30.0}
    )
    assert row.part.value == 30.0
    pilot = case.assumption_by_key("repeat_reduction")  # owner Customer Service
    with pytest.raises(PermissionDenied):
        parts.save_assumption(
            finance_user,
            case.id,
            fresh(case.id).lock_version,
            pilot.id,
            {**ASSUMPTION, "key": "repeat_reduction"},
        )


def test_cx_cannot_edit_a_finance_owned_assumption(make_case, cx_user):
    case = make_case()
    arpu = case.assumption_by_key("arpu")
    owned = '"Monthly revenue per subscriber" is owned by Finance'
    with pytest.raises(PermissionDenied, match=owned):
        parts.delete_part(cx_user, case.id, case.lock_version, "assumptions", arpu.id)


def test_a_case_in_finance_review_is_withdrawn_before_its_owner_edits_it(make_case, cx_user):
    case = make_case()
    case.status = "in_review"
    db.session.commit()
    with pytest.raises(PermissionDenied, match="in finance review: withdraw it from review"):
        parts.save_assumption(cx_user, case.id, case.lock_version, None, ASSUMPTION)
    assert fresh(case.id).assumption_by_key("x_new") is None


# -- pages --------------------------------------------------------------------------


def test_forbidden_pages_are_403_pages_per_role(
    make_case, finance_client, admin_client, login, make_user
):
    case = make_case()
    other_cx = login(make_user("cx"))
    for client, url in [
        (finance_client, "/cases/new"),
        (admin_client, "/cases/new"),
        (finance_client, f"/cases/{case.id}/costs/new"),
        (admin_client, f"/cases/{case.id}/edit"),
        (other_cx, f"/cases/{case.id}/benefits/new/churn"),
        (finance_client, "/cases/import"),
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "You cannot do that" in response.text


def test_every_role_reads_cases_and_portfolio(make_case, cx_client, finance_client, admin_client):
    case = make_case()
    for client in (cx_client, finance_client, admin_client):
        assert client.get("/").status_code == 200
        assert client.get(f"/cases/{case.id}").status_code == 200
        assert client.get(f"/cases/{case.id}/inputs").status_code == 200


def test_finance_sees_only_the_discount_rate_to_edit(make_case, finance_client):
    case = make_case()
    html = finance_client.get(f"/cases/{case.id}/edit").text
    assert 'id="discount_rate"' in html and 'value="9"' in html
    assert 'id="title"' not in html
    response = finance_client.post(
        f"/cases/{case.id}/edit",
        data={**_header_form(case), "discount_rate": "11.5"},
    )
    assert response.status_code == 302
    assert fresh(case.id).discount_rate == pytest.approx(0.115)


def test_unknown_case_is_a_404_page(cx_client):
    response = cx_client.get("/cases/999999")
    assert response.status_code == 404 and "There is no such case" in response.text


# -- optimistic locking ----------------------------------------------------------------


def _header_form(case: Case) -> dict[str, str]:
    return {
        "lock_version": str(case.lock_version),
        "title": case.title,
        "description": case.description or "",
        "customer_problem": "",
        "evidence": "",
        "currency": case.currency,
        "start_month": case.start_month,
        "horizon_months": str(case.horizon_months),
        "discount_rate": f"{case.discount_rate * 100:g}",
    }


def test_second_of_two_conflicting_saves_is_refused_and_keeps_the_input(make_case, cx_client):
    case = make_case()
    opened = _header_form(case)  # both tabs opened at the same version
    first = cx_client.post(f"/cases/{case.id}/edit", data={**opened, "title": "First title"})
    assert first.status_code == 302
    second = cx_client.post(
        f"/cases/{case.id}/edit", data={**opened, "title": "Second title", "evidence": "Mine"}
    )
    assert second.status_code == 409
    html = unescape(second.text)
    assert "changed by someone else since you opened it" in html
    assert 'value="Second title"' in html and "Mine" in html
    assert fresh(case.id).title == "First title"


def test_stale_part_edit_is_refused_in_the_service(make_case, cx_user):
    case = make_case()
    version = case.lock_version
    parts.save_assumption(cx_user, case.id, version, None, ASSUMPTION)
    with pytest.raises(StaleEdit):
        parts.save_assumption(cx_user, case.id, version, None, {**ASSUMPTION, "key": "y_new"})
    assert [a.key for a in fresh(case.id).assumptions].count("y_new") == 0


def test_stale_delete_is_refused_with_a_message(make_case, cx_client, cx_user):
    case = make_case()
    version = case.lock_version
    parts.save_assumption(cx_user, case.id, version, None, ASSUMPTION)
    row = fresh(case.id).assumption_by_key("x_new")
    response = cx_client.post(
        f"/cases/{case.id}/assumptions/{row.id}/delete",
        data={"lock_version": version},
        follow_redirects=True,
    )
    assert "changed by someone else since you opened it" in unescape(response.text)
    assert fresh(case.id).assumption_by_key("x_new") is not None


def test_database_refuses_a_stale_update_even_past_the_form_check(app, make_case, cx_user):
    """Two sessions read version N; the one that commits second hits the version column."""
    case = make_case()
    with app.app_context():  # a second, independent session
        other = db.session.get(Case, case.id)
        services.update_case(cx_user, other.id, other.lock_version, {"title": "Changed elsewhere"})
        db.session.remove()
    # This session still holds version N, so the form's lock check passes: the UPDATE fails.
    with pytest.raises(StaleEdit):
        services.update_case(cx_user, case.id, case.lock_version, {"title": "Changed here"})
    assert db.session.scalar(select(Case.title).where(Case.id == case.id)) == "Changed elsewhere"


def test_conflicting_cost_edit_keeps_the_typed_values(make_case, cx_client, cx_user):
    case = make_case()
    opened = case.lock_version
    parts.save_assumption(cx_user, case.id, opened, None, ASSUMPTION)  # someone else saves
    line = case.costs[0]
    response = cx_client.post(
        f"/cases/{case.id}/costs/{line.id}",
        data={
            "lock_version": opened,
            "name": "Set-up, revised",
            "category": "technology",
            "recurrence": "once",
            "month": "0",
            "amount": "99,000",
        },
    )
    assert response.status_code == 409
    html = unescape(response.text)
    assert "changed by someone else since you opened it" in html
    assert 'value="Set-up, revised"' in html and 'value="99,000"' in html
    assert fresh(case.id).costs[0].params["amount"] == 85000
