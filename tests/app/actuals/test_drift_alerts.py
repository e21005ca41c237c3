"""Drift alerts (issue 12, item 5): a driver's actual outside its assumption's low-high
range tells the line's operational owner and finance, once per driver and month."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cxroi.actuals import services
from cxroi.casework.actuals import Entry
from cxroi.extensions import db
from models import Case, Notification
from tests.app.api.conftest import freeze
from tests.approving import approve_case
from tests.appsupport import example_document


def _approved_with_owner(make_case, cx_user, finance_user, owner_email: str) -> Case:  # type: ignore[no-untyped-def]
    doc = example_document()
    doc["benefits"][0]["register"] = {"owner_name": "Olly Owner", "owner_email": owner_email}
    case = freeze(make_case(doc), cx_user, finance_user)
    approve_case(case, finance_user)
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored is not None and stored.status == "approved"
    return stored


def _drifts(user) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "drift"
            )
        )
    )


def test_a_driver_outside_its_range_alerts_the_owner_and_finance_once(
    make_case, make_user, cx_user, finance_user, login
) -> None:
    owner = make_user("cx", "olly@example.com", "Olly Owner")
    case = _approved_with_owner(make_case, cx_user, finance_user, "OLLY@example.com")
    # Inside the 16-20 % range: no alert.
    services.replace_months(
        finance_user, case.id, [Entry("2027-04", "b1", None, 2100.0, {"annual_churn": 0.17})],
        ["2027-04"],
    )  # fmt: skip
    assert _drifts(owner) == [] and _drifts(finance_user) == []
    # Below it: the owner (matched by email, any case) and finance are told.
    services.replace_months(
        finance_user, case.id, [Entry("2027-05", "b1", None, 2100.0, {"annual_churn": 0.15})],
        ["2027-05"],
    )  # fmt: skip
    for person in (owner, finance_user):
        (alert,) = _drifts(person)
        assert alert.subject == (
            f'Driver drift on "{case.title}": Baseline annual churn in 2027-05'
        )
        assert "below the assumed range" in alert.body and "15" in alert.body
        assert alert.link == f"/cases/{case.id}/actuals"
    # The same month again (a corrected value, still out): not alerted twice.
    services.replace_months(
        finance_user, case.id, [Entry("2027-05", "b1", None, 2000.0, {"annual_churn": 0.14})],
        ["2027-05"],
    )  # fmt: skip
    assert len(_drifts(owner)) == 1
    # Nor after the case is renamed: "told once" reads the line, driver and month, not
    # the subject's words.
    case.title = "Renamed retention programme"
    db.session.commit()
    services.replace_months(
        finance_user, case.id, [Entry("2027-05", "b1", None, 1900.0, {"annual_churn": 0.13})],
        ["2027-05"],
    )  # fmt: skip
    (alert,) = _drifts(owner)
    assert alert.topic == "b1:annual_churn:2027-05"
    # The owner sees it on What awaits me.
    page = login(owner).get("/awaiting").text
    assert "Driver drift" in page and "Baseline annual churn in 2027-05" in page


def test_a_refused_upload_alerts_nobody(make_case, cx_user, finance_user) -> None:
    case = _approved_with_owner(make_case, cx_user, finance_user, "nobody@example.com")
    bad = b"month,line_id,cost,benefit,annual_churn\n2027-05,b1,,2100,0.15\n2027-05,zz,,1,\n"
    with pytest.raises(services.ActualsRejected):
        services.import_csv(finance_user, case.id, bad)
    assert _drifts(finance_user) == []
