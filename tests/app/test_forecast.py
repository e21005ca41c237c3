"""Finance's adjusted forecast (issue 12, item 4): entered per line and month left, stored,
audited and sealed, and shown beside the approved figures and the plain re-forecast.

The case is the council tests' (1 % a month, actuals to 2026-03): by hand, the plain
re-forecast is the actuals to date and the plan's £200 a month for months 4-12.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cxroi.actuals import services as actuals
from cxroi.audit.verify import verify_audit
from cxroi.cli import main
from cxroi.errors import PermissionDenied
from cxroi.extensions import db
from cxroi.formatting import money
from cxroi.realisation import forecast as finance_forecast
from cxroi.realisation.services import realisation_of
from models import AuditEvent, ForecastValue
from tests.app.approvals.web import csrf_from
from tests.app.test_council import ACTUALS_CSV, DOC, REALISED, _approve
from tests.appsupport import PASSWORD

LEFT = [f"2026-{m:02d}" for m in range(4, 13)]  # months 4..12, after the last actual


@pytest.fixture
def case(make_case, finance_user):  # type: ignore[no-untyped-def]
    approved = _approve(make_case(json.loads(json.dumps(DOC))), finance_user)
    actuals.import_csv(finance_user, approved.id, ACTUALS_CSV)
    return approved


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(response.text)))


def _form() -> dict[str, str]:
    """Benefit £120 a month instead of £200, and a £40 cost in month 6 (none planned)."""
    cells = {f"b1.{m}": "120" for m in LEFT}
    cells["c1.2026-06"] = "40"
    return cells


# By hand: the actuals to date (REALISED), then 120 a month discounted at 1 % a month for
# months 4-12, less 40 in month 6.
ADJUSTED_NPV = REALISED + sum(120 / 1.01**t for t in range(4, 13)) - 40 / 1.01**6
# Cumulative: -700 after month 3; +120 a month, -40 in month 6: -580, -460, -380, -260,
# -140, -20 after month 9, +100 after month 10: it turns positive 20/120 into month 10.
ADJUSTED_PAYBACK = 9 + 20 / 120
PLAIN_NPV = REALISED + sum(200 / 1.01**t for t in range(4, 13))


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


def _events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "forecast").order_by(AuditEvent.id)
        )
    )


def test_finance_enters_a_forecast_and_the_page_shows_it_beside_the_approved(
    case, finance_client, finance_user, cx_client, monkeypatch, db_url
) -> None:
    page = finance_client.get(f"/cases/{case.id}/realisation/forecast")
    assert page.status_code == 200
    # one cell per line and month left, the months with actuals not offered
    assert 'name="b1.2026-04"' in page.text and 'name="c1.2026-12"' in page.text
    assert 'name="b1.2026-03"' not in page.text
    assert "plan £200" in _text(page)

    saved = finance_client.post(f"/cases/{case.id}/realisation/forecast", data=_form())
    assert saved.status_code == 302
    assert _count(ForecastValue) == 10
    events = _events()
    assert len(events) == 10 and {e.action for e in events} == {"create"}
    assert {(e.item_id, e.field, e.new) for e in events if e.item_id == "c1"} == {
        ("c1", "2026-06 forecast", "40")
    }

    text = _text(cx_client.get(f"/cases/{case.id}/realisation"))
    assert f"Finance-adjusted forecast NPV {money(ADJUSTED_NPV, 'GBP')}" in text
    assert "Finance-adjusted payback 9.2 months" in text
    assert f"Re-forecast NPV {money(PLAIN_NPV, 'GBP')}" in text  # the plain one unchanged
    assert f"set by {finance_user.name or finance_user.email}" in text
    assert "the finance-adjusted forecast" not in text  # cx sees no link to change it

    initiative = realisation_of(case)
    assert initiative.adjusted is not None
    assert initiative.adjusted.forecast_npv == pytest.approx(ADJUSTED_NPV)
    assert initiative.adjusted.forecast_payback_months == pytest.approx(ADJUSTED_PAYBACK)
    assert initiative.realisation.forecast_npv == pytest.approx(PLAIN_NPV)

    monkeypatch.setenv("CXROI_DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["realisation", str(case.id), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["adjusted_forecast_npv"] == pytest.approx(ADJUSTED_NPV)
    assert doc["adjusted_forecast_payback_months"] == pytest.approx(ADJUSTED_PAYBACK)
    assert doc["forecast_npv"] == pytest.approx(PLAIN_NPV)
    assert doc["adjusted_forecast_set_by"] == (finance_user.name or finance_user.email)
    assert verify_audit().intact  # every forecast row sealed as it was written


def test_saving_again_changes_nothing_and_a_blank_cell_returns_to_the_plan(
    case, finance_client
) -> None:
    url = f"/cases/{case.id}/realisation/forecast"
    assert finance_client.post(url, data=_form()).status_code == 302
    assert finance_client.post(url, data=_form()).status_code == 302
    assert len(_events()) == 10  # the same input twice: no new audit row
    cleared = {**_form(), "c1.2026-06": ""}
    assert finance_client.post(url, data=cleared).status_code == 302
    last = _events()[-1]
    assert (last.action, last.item_id, last.old, last.new) == ("delete", "c1", "40", None)
    assert _count(ForecastValue) == 9
    adjusted = realisation_of(case).adjusted
    assert adjusted is not None
    assert adjusted.forecast_npv == pytest.approx(ADJUSTED_NPV + 40 / 1.01**6)
    assert verify_audit().intact


def test_no_value_set_shows_no_adjusted_forecast(case, finance_client) -> None:
    text = _text(finance_client.get(f"/cases/{case.id}/realisation"))
    assert "Finance-adjusted forecast NPV" not in text
    assert "Enter the finance-adjusted forecast" in text
    assert realisation_of(case).adjusted is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("abc", 'must be a number, not "abc"'),
        ("nan", "must be a finite number"),
        ("1e99", "must be at most 10,000,000,000,000"),
    ],
)
def test_a_bad_cell_is_a_400_naming_line_and_month_and_nothing_is_saved(
    case, finance_client, value, words
) -> None:
    form = {**_form(), "b1.2026-05": value}
    r = finance_client.post(f"/cases/{case.id}/realisation/forecast", data=form)
    assert r.status_code == 400
    assert f"Calls avoided (b1), 2026-05: {words}" in unescape(r.text)
    assert 'aria-invalid="true"' in r.text and 'id="cell-b1-2026-05-error"' in r.text
    assert _count(ForecastValue) == 0 and _events() == []  # not the nine good cells either


def test_only_finance_sets_it_in_the_page_and_in_the_service(
    case, cx_client, admin_client, cx_user
) -> None:
    url = f"/cases/{case.id}/realisation/forecast"
    for client in (cx_client, admin_client):
        assert client.get(url).status_code == 403
        assert client.post(url, data=_form()).status_code == 403
    from cxroi.engine import load_case

    case_file = load_case(json.loads(json.dumps(DOC)))
    with pytest.raises(PermissionDenied, match="Only finance"):
        finance_forecast.save(cx_user, case, case_file, 4, _form())
    assert _count(ForecastValue) == 0


def test_a_case_not_approved_takes_no_forecast(make_case, finance_client) -> None:
    draft = make_case()
    url = f"/cases/{draft.id}/realisation/forecast"
    assert finance_client.get(url).status_code == 409
    assert finance_client.post(url, data={}).status_code == 409


def test_the_form_carries_csrf_and_a_post_without_it_is_refused(
    case, finance_client, finance_user, other_app
) -> None:
    page = finance_client.get(f"/cases/{case.id}/realisation/forecast").text
    assert 'name="csrf_token"' in page
    strict = other_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    login = {"email": finance_user.email, "password": PASSWORD}
    token = csrf_from(client.get("/login").text)
    assert client.post("/login", data={**login, "csrf_token": token}).status_code == 302
    url = f"/cases/{case.id}/realisation/forecast"
    r = client.post(url, data=_form())
    assert r.status_code == 400
    assert _count(ForecastValue) == 0
    token = csrf_from(client.get(url).text)  # with the page's token it saves
    assert client.post(url, data={**_form(), "csrf_token": token}).status_code == 302
    assert _count(ForecastValue) == 10
