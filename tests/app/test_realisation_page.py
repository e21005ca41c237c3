"""The realisation page of an approved case (issue 12, items 4 and 5): plan against actual,
the re-forecast, a status from the rules finance sets, drivers, metrics read against
the money. Figures are worked by hand (the council tests' case: 1 % a month)."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from cxroi.actuals import metrics
from cxroi.actuals import services as actuals
from cxroi.audit.verify import verify_audit
from cxroi.casework.cx_metrics import MetricEntry
from cxroi.casework.cx_metrics import label as cx_metrics_label
from cxroi.formatting import money
from tests.app.test_council import (
    ACTUAL_NET,
    ACTUALS_CSV,
    DOC,
    MONTHS,
    PLAN_NET,
    REALISED,
    _approve,
)


@pytest.fixture
def case(make_case, finance_user):  # type: ignore[no-untyped-def]
    """The council tests' case, case, with three months of actuals from a CSV."""
    approved = _approve(make_case(json.loads(json.dumps(DOC))), finance_user)
    actuals.import_csv(finance_user, approved.id, ACTUALS_CSV)
    return approved


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(response.text)))


def test_the_page_shows_plan_actual_re_forecast_and_drift(case, cx_client) -> None:
    page = cx_client.get(f"/cases/{case.id}/realisation")
    assert page.status_code == 200
    text = _text(page)
    assert f"Realised NPV to date {money(REALISED, 'GBP')}" in text
    # Re-forecast: the actuals to date, then the plan's £200 a month for months 4-12.
    forecast = REALISED + sum(200 / 1.01**t for t in range(4, 13))
    assert f"Re-forecast NPV {money(forecast, 'GBP')}" in text
    for month, plan, actual in zip(MONTHS, PLAN_NET, ACTUAL_NET, strict=True):
        row = f"{month} {money(plan, 'GBP')} {money(actual, 'GBP')} {money(actual - plan, 'GBP')}"
        assert row in text, row
    # Benefit at 75 %, 75 %, 50 % of plan: the default rules make it amber, not red.
    assert "Status Amber" in text
    assert "600" in text and "below the assumed range" in text  # the drifting driver


def test_finance_sets_the_status_rules_and_the_page_follows(
    case, finance_client, cx_client
) -> None:
    form = {"amber_share": "90", "amber_months": "1", "red_share": "55", "red_months": "1"}
    saved = finance_client.post("/admin/settings/status-rules", data=form)
    assert saved.status_code == 302
    text = _text(cx_client.get(f"/cases/{case.id}/realisation"))
    assert "Status Red" in text  # the last month's 50 % is below 55 %
    assert "red: realised benefit below 55% of plan for 1 months running" in text
    assert verify_audit().intact  # the setting agrees with the sealed event that set it
    bad = finance_client.post("/admin/settings/status-rules", data={**form, "red_share": "95"})
    assert bad.status_code == 400 and "Red must be stricter" in unescape(bad.text)


def test_cx_cannot_set_the_status_rules(cx_client) -> None:
    form = {"amber_share": "90", "amber_months": "1", "red_share": "55", "red_months": "1"}
    assert cx_client.post("/admin/settings/status-rules", data=form).status_code == 403


def test_a_metric_is_read_against_the_realised_benefit(case, finance_user, cx_client) -> None:
    entries = [
        MetricEntry(m, "nps", "points", v)
        for m, v in zip(MONTHS[1:], [30.0, 28.0, 20.0], strict=True)
    ]
    metrics.save(finance_user, case.id, entries)
    text = _text(cx_client.get(f"/cases/{case.id}/realisation?metric=nps"))
    # NPS 30, 28, 20 against benefit 150, 150, 100 in the same months: r by hand.
    xs, ys = [30.0, 28.0, 20.0], [150.0, 150.0, 100.0]
    mx, my = sum(xs) / 3, sum(ys) / 3
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    r = cov / (sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys)) ** 0.5
    assert f"0 {r:.2f} 3" in text  # lag 0: r over 3 months
    assert "Correlation is not causation" in text


def test_a_case_not_approved_has_no_realisation(make_case, cx_client) -> None:
    case = make_case()
    assert cx_client.get(f"/cases/{case.id}/realisation").status_code == 409


def test_a_metric_is_read_against_another_metric_month_by_month(
    case, finance_user, cx_client
) -> None:
    """NPS (the case's) against contacts (the organisation's), on the calendar of their
    own months (not the actuals'): contacts has no value in 2026-05 and one in 2026-06."""
    nps = {"2026-01": 1.0, "2026-02": 2.0, "2026-03": 3.0, "2026-04": 4.0}
    contacts = {"2026-01": 2.0, "2026-02": 1.0, "2026-03": 4.0, "2026-04": 3.0, "2026-06": 9.0}
    metrics.save(
        finance_user, case.id, [MetricEntry(m, "nps", "points", v) for m, v in nps.items()]
    )
    metrics.save(
        finance_user, None, [MetricEntry(m, "contacts", "count", v) for m, v in contacts.items()]
    )
    page = cx_client.get(f"/cases/{case.id}/realisation?metric=nps&against=contacts")
    assert page.status_code == 200
    text = _text(page)
    # Worked by hand. Lag 0: x 1,2,3,4 against y 2,1,4,3; deviations -1.5,-0.5,0.5,1.5 and
    # -0.5,-1.5,1.5,0.5: sum of products 3, sums of squares 5 and 5: r = 3/5.
    assert "0 0.60 4" in text
    # Lag 1: x 1,2,3 against y 1,4,3 (x's April meets May, which has no contacts):
    # products 2, squares 2 and 42/9: r = 2 / sqrt(2 * 42/9) = 0.6547.
    assert f"1 {2 / (2 * 42 / 9) ** 0.5:.2f} 3" in text and "1 0.65 3" in text
    # Lag 2: x 1,2,4 against y 4,3,9 (March meets the empty May, April meets June):
    # products 78/9, squares 42/9 and 186/9: r = 78 / sqrt(42 * 186) = 0.8825.
    assert "2 0.88 3" in text
    assert "3 too few 2" in text  # (1, 3) and (3, 9) only
    nps_label, contacts_label = cx_metrics_label("nps"), cx_metrics_label("contacts")
    assert (
        f"A strong link: when {nps_label} moves, {contacts_label} tends to move the same way "
        "2 months later (r = 0.88, 3 months)."
    ) in text
    assert "Correlation is not causation" in text
    assert f"{nps_label} (left) and {contacts_label} (right), by month" in text
    assert "2026-01" in page.text and "2026-06" in page.text  # the chart's calendar ends


def test_against_an_unknown_or_the_same_metric_falls_back_to_the_realised_benefit(
    case, finance_user, cx_client
) -> None:
    metrics.save(finance_user, case.id, [MetricEntry("2026-01", "nps", "points", 30.0)])
    for against in ("nps", "nope", "<script>"):
        page = cx_client.get(f"/cases/{case.id}/realisation?metric=nps&against={against}")
        assert page.status_code == 200
        assert "(left) and realised benefit (right)" in _text(page)
