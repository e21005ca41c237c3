"""Starting a case from a template, and copying a case as a new draft (issue 14, item 6)."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from cxroi import orgsettings
from cxroi.approvals.steps import take_case_step
from cxroi.cases.starters import STARTERS
from cxroi.engine import analyse, case_hash, load_case
from cxroi.extensions import db
from models import AuditEvent, Case, ItemReview
from tests.app.approvals.conftest import accept_all
from tests.appsupport import example_document


def _cases() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Case)) or 0)


def _newest() -> Case:
    case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    assert case is not None
    return case


def test_the_new_case_page_offers_each_template(cx_client) -> None:
    page = cx_client.get("/cases/new")
    assert page.status_code == 200
    for starter in STARTERS:
        assert f"Start from “{starter.name}”" in page.text
        assert f'value="{starter.slug}"' in page.text


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.slug)
def test_a_template_becomes_a_priced_draft_of_its_example(cx_client, cx_user, starter) -> None:
    response = cx_client.post("/cases/new/template", data={"starter": starter.slug})
    assert response.status_code == 302
    case = _newest()
    assert response.headers["Location"].endswith(f"/cases/{case.id}/inputs")
    assert (case.owner_id, case.status) == (cx_user.id, "draft")
    # The example's content, with the organisation's discount rate (finance owns it).
    example = load_case(example_document(starter.file))
    rate = orgsettings.default_discount_rate()
    assert case.doc.title == example.title
    assert [a.key for a in case.doc.assumptions] == [a.key for a in example.assumptions]
    assert [a.value for a in case.doc.assumptions] == [a.value for a in example.assumptions]
    assert case.discount_rate == pytest.approx(rate)
    expected = analyse(
        load_case({**example_document(starter.file), "discount_rate": rate}), trials=0
    )
    assert case.npv == pytest.approx(expected.metrics.npv, rel=1e-12)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.entity == "case")
    )
    assert event is not None
    assert (event.action, event.old) == ("create", f"template {starter.name}")
    followed = cx_client.get(response.headers["Location"])
    assert f"from the template {starter.name}" in followed.text


def test_an_unknown_template_is_a_400_naming_the_field_and_creates_nothing(cx_client) -> None:
    before = _cases()
    for data in ({"starter": "no-such"}, {}):
        response = cx_client.post("/cases/new/template", data=data)
        assert response.status_code == 400
        assert "Template (starter)" in response.text
    assert _cases() == before


def test_finance_can_neither_start_nor_copy_a_case(finance_client, make_case) -> None:
    original = make_case()
    before = _cases()
    assert (
        finance_client.post("/cases/new/template", data={"starter": "onboarding"}).status_code
        == 403
    )
    assert finance_client.post(f"/cases/{original.id}/clone").status_code == 403
    assert _cases() == before
    assert "Copy as a new case" not in finance_client.get(f"/cases/{original.id}").text


def test_a_copy_is_a_new_draft_of_the_same_content_without_the_originals_record(
    app, make_case, make_user, login, finance_user
) -> None:
    original = make_case()
    take_case_step(original, "submit", original.owner)
    accept_all(original, finance_user)  # the original's review stays with it
    original_hash, original_doc = original.case_hash, original.document
    other = make_user("cx", "cleo@example.com", "Cleo")
    client = login(other)
    assert "Copy as a new case" in client.get(f"/cases/{original.id}").text
    response = client.post(f"/cases/{original.id}/clone")
    assert response.status_code == 302
    copy = _newest()
    assert copy.id != original.id
    assert (copy.owner_id, copy.status) == (other.id, "draft")  # the original is in review
    assert copy.title == f"Copy of {original.title}"
    # Same content (ids included) apart from the title; so the same figures.
    assert copy.doc.assumptions == original.doc.assumptions
    assert copy.doc.costs == original.doc.costs and copy.doc.benefits == original.doc.benefits
    assert copy.case_hash != original_hash
    assert copy.npv == pytest.approx(original.npv, rel=1e-12)
    assert copy.case_hash == case_hash(copy.doc)
    reviews = select(func.count()).select_from(ItemReview)
    assert db.session.scalar(reviews.where(ItemReview.case_id == copy.id)) == 0
    assert db.session.scalar(reviews.where(ItemReview.case_id == original.id)) > 0
    db.session.refresh(original)
    assert (original.case_hash, original.document) == (original_hash, original_doc)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == copy.id, AuditEvent.entity == "case")
    )
    assert event is not None
    assert (event.action, event.old) == ("clone", f"case {original.id} #{original_hash}")
    assert "stay with the original" in client.get(response.headers["Location"]).text


def test_copying_a_case_that_does_not_exist_is_a_404(cx_client) -> None:
    before = _cases()
    assert cx_client.post("/cases/999999/clone").status_code == 404
    assert _cases() == before


def test_a_long_title_stays_within_its_limit_when_copied(cx_client, make_case) -> None:
    original = make_case(title="R" * 200)
    assert cx_client.post(f"/cases/{original.id}/clone").status_code == 302
    copy = _newest()
    assert len(copy.title) == 200 and copy.title.startswith("Copy of RRR")


def test_a_second_case_with_the_same_title_is_warned_about(cx_client, make_case) -> None:
    existing = make_case(title="Returns portal")
    page = cx_client.post(
        "/cases/new",
        data={
            "title": "returns PORTAL",
            "currency": "GBP",
            "start_month": "2027-01",
            "horizon_months": "36",
            "discount_rate": "9",
        },
        follow_redirects=True,
    )
    assert page.status_code == 200
    text = unescape(page.text)
    assert f'Another case already has the title "{existing.title}" (owner Casey, draft)' in text
    assert _cases() == 2  # a warning, not a refusal
    unique = cx_client.post(
        "/cases/new",
        data={"title": "Something new", "currency": "GBP", "start_month": "2027-01",
              "horizon_months": "36", "discount_rate": "9"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Another case already has the title" not in unescape(unique.text)
