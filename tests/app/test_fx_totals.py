"""Multi-currency portfolio totals (issue 14, item 8): finance sets the reporting currency
and rates to it with an as-of date; totals convert at them, say whose rates and when, and
leave out (with a note) a currency that has no rate."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from cxroi import orgsettings
from cxroi.audit.verify import verify_audit
from cxroi.errors import PermissionDenied
from cxroi.extensions import db
from models import AuditEvent, OrgSetting
from models._types import utcnow
from tests.appsupport import example_document


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _grouped(value: float, symbol: str) -> str:
    """Money as people write it, computed here (not by cxroi.formatting): £1,234 / −£1,234."""
    body = f"{symbol}{abs(value):,.0f}"
    return ("\u2212" + body) if round(value) < 0 else body


def test_totals_convert_at_finances_rates_and_leave_out_a_currency_without_one(
    finance_client, finance_user, make_case
):
    doc = example_document()
    gbp = make_case(doc, title="Home")
    eur = make_case(doc, title="Paris", currency="EUR")
    usd = make_case(doc, title="Boston", currency="USD")
    # Three figures and rates chosen so that the sum is easy to check by hand.
    db.session.execute(
        db.text("UPDATE cases SET npv = :n, pv_costs = :c, pv_benefits = :b WHERE id = :i"),
        [
            {"i": gbp.id, "n": 100_000.0, "c": 40_000.0, "b": 140_000.0},
            {"i": eur.id, "n": 200_000.0, "c": 50_000.0, "b": 250_000.0},
            {"i": usd.id, "n": 300_000.0, "c": 60_000.0, "b": 360_000.0},
        ],
    )
    db.session.commit()
    for c in (gbp, eur, usd):  # in flight: counted by default
        db.session.execute(
            db.text("UPDATE cases SET status = 'in_review' WHERE id = :i"), {"i": c.id}
        )
    db.session.commit()

    r = finance_client.post(
        "/admin/settings/reporting-currency", data={"reporting_currency": "GBP"}
    )
    assert r.status_code == 302
    r = finance_client.post(
        "/admin/settings/fx-rates", data={"currency": "EUR", "rate": "0.85", "as_of": "2026-11-01"}
    )
    assert r.status_code == 302, r.text

    text = _text(finance_client.get("/").text)
    # 100,000 + 200,000 × 0.85 = 270,000; costs 40,000 + 50,000 × 0.85 = 82,500.
    assert (
        f"2 cases converted to GBP: total NPV {_grouped(270_000, '£')}, "
        f"PV of costs {_grouped(82_500, '£')}, PV of benefits {_grouped(352_500, '£')}"
    ) in text
    today = utcnow().date().strftime("%d %b %Y")
    assert f"1 EUR = £0.8500 as of 01 Nov 2026, set by Fran on {today}" in text
    assert (
        "1 case in USD is listed but not in the GBP total: finance has set no USD rate to GBP"
        in text
    )
    assert "Boston" in text  # listed all the same

    # With a USD rate, everything is in: 270,000 + 300,000 × 0.8 = 510,000.
    orgsettings.set_fx_rate(finance_user, "USD", 0.8, "2026-11-02")
    text = _text(finance_client.get("/").text)
    assert f"3 cases converted to GBP: total NPV {_grouped(510_000, '£')}" in text
    assert "not in the GBP total" not in text


def test_the_settings_page_shows_and_audits_the_rates(finance_client, finance_user):
    orgsettings.set_reporting_currency(finance_user, "gbp")
    orgsettings.set_fx_rate(finance_user, "EUR", 0.86, "2026-10-30")
    page = _text(finance_client.get("/admin/settings").text)
    assert "Rates to GBP" in page and "1 EUR = £0.8600" in page and "30 Oct 2026" in page
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.field == orgsettings.FX_RATES).order_by(AuditEvent.id)
    ).all()
    assert len(events) == 2 and events[-1].actor_id == finance_user.id
    assert '"EUR": {"as_of": "2026-10-30"' in (events[-1].new or "")
    assert verify_audit().intact
    # Changed by SQL, the table disagrees with its newest audit event.
    db.session.execute(db.text("UPDATE org_settings SET value = replace(value, '0.86', '0.5')"))
    problems = verify_audit().problems
    assert [(p.table, p.column) for p in problems] == [("org_settings", orgsettings.FX_RATES)]
    db.session.rollback()


def test_a_new_reporting_currency_drops_the_old_rates(finance_user):
    orgsettings.set_reporting_currency(finance_user, "GBP")
    orgsettings.set_fx_rate(finance_user, "EUR", 0.86, "2026-10-30")
    fx = orgsettings.set_reporting_currency(finance_user, "EUR")
    assert (fx.reporting, fx.rates) == ("EUR", {})


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"rate": "1e308"}, "rate", "The rate must be from"),
        ({"rate": "-0.5"}, "rate", "must be above 0"),
        ({"rate": "0"}, "rate", "must be above 0"),
        ({"rate": "abc"}, "rate", "must be a number"),
        ({"currency": "XYZ"}, "currency", "not a currency cxroi knows"),
        ({"currency": "E\x00R"}, "currency", "NUL"),
        ({"currency": "GBP"}, "currency", "is the reporting currency"),
        ({"as_of": "2026-13-01"}, "as_of", "YYYY-MM-DD"),
        ({"as_of": "2999-01-01"}, "as_of", "cannot be in the future"),
        ({"as_of": "2026-01-01\x00"}, "as_of", "NUL"),
    ],
)
def test_hostile_rates_are_a_400_naming_the_field_and_save_nothing(
    finance_client, finance_user, data, field, says
):
    orgsettings.set_reporting_currency(finance_user, "GBP")
    before = db.session.get(OrgSetting, orgsettings.FX_RATES).value
    form = {"currency": "EUR", "rate": "0.85", "as_of": "2026-11-01", **data}
    r = finance_client.post("/admin/settings/fx-rates", data=form)
    assert r.status_code == 400
    # A NUL is refused at the edge, naming the field; anything else by the form, linked.
    named = f'href="#{field}"' in r.text or f"“{field}”" in unescape(r.text)
    assert named and says in unescape(r.text)
    db.session.expire_all()
    assert db.session.get(OrgSetting, orgsettings.FX_RATES).value == before


@pytest.mark.parametrize(
    ("currency", "rate", "as_of", "field"),
    [
        ("E\x00R", 0.8, "2026-11-01", "currency"),
        ("EUR", 0.8, "2026\x00-11-01", "as_of"),
        ("EUR", float("inf"), "2026-11-01", "rate"),
        ("EUR", float("nan"), "2026-11-01", "rate"),
    ],
)
def test_the_service_names_the_field_past_the_edge(finance_user, currency, rate, as_of, field):
    orgsettings.set_reporting_currency(finance_user, "GBP")
    with pytest.raises(orgsettings.SettingInvalid) as caught:
        orgsettings.set_fx_rate(finance_user, currency, rate, as_of)
    assert caught.value.field == field and caught.value.status == 400


def test_an_unknown_reporting_currency_is_refused(finance_client):
    r = finance_client.post(
        "/admin/settings/reporting-currency", data={"reporting_currency": "ZZZ"}
    )
    assert r.status_code == 400 and 'href="#reporting_currency"' in r.text
    assert db.session.get(OrgSetting, orgsettings.FX_RATES) is None


def test_only_finance_and_admins_set_rates(cx_user, cx_client, admin_user):
    with pytest.raises(PermissionDenied):
        orgsettings.set_reporting_currency(cx_user, "GBP")
    r = cx_client.post("/admin/settings/fx-rates", data={"currency": "EUR", "rate": "1"})
    assert r.status_code == 403
    assert orgsettings.set_reporting_currency(admin_user, "GBP").reporting == "GBP"


def test_nothing_convertible_shows_the_note_and_no_empty_total(
    finance_client, finance_user, make_case
):
    euro = make_case(example_document(), title="Lyon", currency="EUR")
    db.session.execute(
        db.text("UPDATE cases SET status = 'approved' WHERE id = :i"), {"i": euro.id}
    )
    db.session.commit()
    orgsettings.set_reporting_currency(finance_user, "GBP")
    text = _text(finance_client.get("/").text)
    assert "1 case in EUR is listed but not in the GBP total" in text
    assert "converted to GBP" not in text
