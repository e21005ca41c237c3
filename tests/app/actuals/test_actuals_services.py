"""Saving actuals: replace a month, idempotent, audited, permissions, approved only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cxroi.actuals import services
from cxroi.approvals import versions
from cxroi.casework.actuals import Entry
from cxroi.errors import PermissionDenied
from cxroi.extensions import db
from models import Actual, AuditEvent

CSV = (
    "month,line_id,line_name,cost,benefit,customers,annual_churn\n"
    "2027-04,c4,First-call refunds,1500,,,\n"
    "2027-04,b1,Subscribers kept,,2100.5,118000,0.15\n"
    "2027-05,b1,Subscribers kept,,2300,117500,\n"
)


def audit_rows(case_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.entity == "actual")
            .order_by(AuditEvent.id)
        )
    )


def test_a_csv_is_saved_once_and_saving_it_again_changes_nothing(approved, finance_user):
    version_before = versions.current_version(approved)
    document_before = approved.document
    saved = services.import_csv(finance_user, approved.id, CSV.encode())
    assert saved.months == ("2027-04", "2027-05")
    assert saved.changed == 6  # c4 cost; b1 benefit, customers, churn; May benefit, customers
    stored = services.entries_of(approved.id)
    assert stored == [
        Entry("2027-04", "b1", None, 2100.5, {"customers": 118000.0, "annual_churn": 0.15}),
        Entry("2027-04", "c4", 1500.0, None, {}),
        Entry("2027-05", "b1", None, 2300.0, {"customers": 117500.0}),
    ]
    rows = audit_rows(approved.id)
    assert [(r.item_id, r.field, r.action, r.new) for r in rows][:2] == [
        ("b1", "2027-04 annual_churn", "create", "0.15"),
        ("b1", "2027-04 benefit", "create", "2100.5"),
    ]
    again = services.import_csv(finance_user, approved.id, CSV.encode())
    assert again.changed == 0
    assert len(audit_rows(approved.id)) == 6
    db.session.expire_all()
    assert approved.document == document_before
    assert versions.current_version(approved).id == version_before.id


def test_re_uploading_a_month_replaces_it_and_leaves_other_months(approved, finance_user):
    services.import_csv(finance_user, approved.id, CSV.encode())
    replacement = "month,line_id,benefit\n2027-04,b1,1999\n"
    saved = services.import_csv(finance_user, approved.id, replacement.encode())
    assert saved.months == ("2027-04",)
    stored = {(e.month, e.line_id): e for e in services.entries_of(approved.id)}
    assert stored[("2027-04", "b1")] == Entry("2027-04", "b1", None, 1999.0, {})
    assert ("2027-04", "c4") not in stored  # the month is replaced: c4 is gone from April
    assert stored[("2027-05", "b1")].benefit == 2300.0
    deleted = [r for r in audit_rows(approved.id) if r.action == "delete"]
    assert {(r.item_id, r.field, r.old) for r in deleted} == {
        ("c4", "2027-04 cost", "1500"),
        ("b1", "2027-04 customers", "118000"),
        ("b1", "2027-04 annual_churn", "0.15"),
    }


def test_the_preview_saves_nothing_and_lists_the_changes(approved, finance_user):
    services.import_csv(finance_user, approved.id, CSV.encode())
    preview = services.import_csv(
        finance_user, approved.id, b"month,line_id,benefit\n2027-05,b1,2400\n", commit=False
    )
    assert [(c.line_id, c.field, c.old, c.new) for c in preview.changes] == [
        ("b1", "benefit", 2300.0, 2400.0),
        ("b1", "customers", 117500.0, None),
    ]
    assert services.entries_of(approved.id, ["2027-05"])[0].benefit == 2300.0


def test_only_an_approved_case_takes_actuals(make_case, finance_user):
    draft = make_case()
    with pytest.raises(services.NotApproved, match="approved case only") as caught:
        services.import_csv(finance_user, draft.id, CSV.encode())
    assert caught.value.status == 409
    assert db.session.scalar(select(func.count()).select_from(Actual)) == 0


def test_a_cx_user_who_does_not_own_the_case_may_not(approved, make_user):
    other = make_user("cx")
    with pytest.raises(PermissionDenied):
        services.import_csv(other, approved.id, CSV.encode())


def test_a_lines_register_owner_enters_that_line_only(approved, make_user, finance_user):
    from cxroi.cases.casefiles import replace_document
    from cxroi.cases.services import document_of

    owner = make_user("cx", email="ops.lead@example.com")
    doc = document_of(approved)
    doc["benefits"][0]["register"] = {"owner_name": "Ops Lead", "owner_email": owner.email}
    # A register change is an edit: it starts a new draft; approve that again.
    from tests.app.api.conftest import freeze
    from tests.approving import approve_case

    case = replace_document(approved.owner, approved.id, doc, approved.case_hash)
    case = freeze(case, approved.owner, finance_user)
    approve_case(case, finance_user)
    assert services.lines_for(owner, case) == {"b1"}
    saved = services.import_csv(owner, case.id, b"month,line_id,benefit\n2027-04,b1,10\n")
    assert saved.changed == 1
    with pytest.raises(PermissionDenied, match="not for c4"):
        services.import_csv(owner, case.id, b"month,line_id,cost\n2027-04,c4,10\n")
    # Replacing April as the line owner leaves finance's c4 actual of April alone.
    services.import_csv(finance_user, case.id, b"month,line_id,cost\n2027-04,c4,7\n")
    services.import_csv(owner, case.id, b"month,line_id,benefit\n2027-04,b1,11\n")
    assert {e.line_id for e in services.entries_of(case.id, ["2027-04"])} == {"b1", "c4"}


BAD = [
    ("month,line_id,cost\n2027-04,c99,5\n", 'row 2, line_id: no line has the id "c99"'),
    ("month,line_id,cost\n2027-01,c4,5\n", "row 2, month: 2027-01 is before the case starts"),
    ("month,line_id,cost\n2030-03,c4,5\n", "row 2, month: 2030-03 is after the case's horizon"),
    ("month,line_id,cost\n2027-4,c4,5\n", "row 2, month: must be a month as YYYY-MM"),
    ("month,line_id,cost\n2027-04,c4,five\n", 'row 2, cost: must be a number, not "five"'),
    ("month,line_id,cost\n2027-04,c4,NaN\n", 'row 2, cost: must be a finite number, not "NaN"'),
    ("month,line_id,cost\n2027-04,c4,-inf\n", "row 2, cost: must be a finite number"),
    ("month,line_id,cost\n2027-04,c4,2e13\n", "row 2, cost: must be at most 10,000,000,000,000"),
    ("month,line_id,cost\n2027-04,c4,5\x00\n", "row 2: holds a NUL character"),
    (
        "month,line_id,cost\n2027-04,c4,5\n2027-04,c4,6\n",
        "row 3, line_id: c4 in 2027-04 is given twice (also at row 2)",
    ),
    ("month,line_id,benefit\n2027-04,c4,5\n", 'row 2, benefit: c4 ("First-call refunds") is a'),
    ("month,line_id,volume\n2027-04,b1,5\n", 'row 2, volume: b1 ("Subscribers kept") does not'),
    ("month,line_id,colour\n2027-04,b1,5\n", 'row 1, column 3: "colour" is not a column'),
    ("line_id,cost\nc4,5\n", "row 1, month: this column is required"),
    ("", "row 1: the file is empty"),
    ("month,line_id,cost\n", "the file has no rows of actuals"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_input_is_refused_naming_row_and_column_and_nothing_is_saved(
    approved, finance_user, text, message
):
    good_first = "month,line_id,cost\n2027-05,c4,1\n"
    services.import_csv(finance_user, approved.id, good_first.encode())
    # Nothing of a bad file is saved (the duplicate case has a good row 2).
    with pytest.raises(services.ActualsRejected) as caught:
        services.import_csv(finance_user, approved.id, text.encode())
    assert any(str(p).startswith(message) for p in caught.value.problems), caught.value.problems
    assert services.entries_of(approved.id) == [Entry("2027-05", "c4", 1.0, None, {})]


def test_a_file_that_is_not_utf8_is_named_so(approved, finance_user):
    with pytest.raises(services.ActualsRejected, match="not UTF-8"):
        data = "month,line_id,cost\n2027-04,c4,£5\n".encode("latin-1")
        services.import_csv(finance_user, approved.id, data)


def test_a_spreadsheets_trailing_commas_are_no_columns(approved, finance_user):
    saved = services.import_csv(
        finance_user, approved.id, b"month,line_id,cost,,\r\n2027-04,c4,5,,\r\n,,,,\r\n"
    )
    assert saved.changed == 1
    assert services.entries_of(approved.id) == [Entry("2027-04", "c4", 5.0, None, {})]
