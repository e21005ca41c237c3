"""Per-assumption review, challenges and comment threads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cxroi.approvals import review
from cxroi.approvals.errors import Conflict, InputError, NotFound, PermissionDenied
from cxroi.approvals.steps import take_case_step
from cxroi.extensions import db
from models import AuditEvent
from tests.appsupport import rewrite_document


@pytest.fixture
def in_review(case, users):
    take_case_step(case, "submit", users["cx"])
    return case


def test_only_finance_reviews_and_only_in_review(case, users):
    with pytest.raises(Conflict, match="this one is draft"):
        review.review_assumption(case, "arpu", "accepted", users["finance"])
    take_case_step(case, "submit", users["cx"])
    for role in ("cx", "admin"):
        with pytest.raises(PermissionDenied, match="Only finance reviews"):
            review.review_assumption(case, "arpu", "accepted", users[role])


def test_a_challenge_needs_a_comment_and_opens_a_thread(in_review, users):
    with pytest.raises(InputError) as exc:
        review.review_assumption(in_review, "churn_reduction", "challenged", users["finance"], " ")
    assert exc.value.field == "comment"
    status = review.review_assumption(
        in_review, "churn_reduction", "challenged", users["finance"], "Pilot was 8 weeks only."
    )
    assert status.status == "challenged"
    (thread,) = review.threads(in_review)["churn_reduction"]
    assert (thread.kind, thread.body, thread.author_name) == (
        "challenge",
        "Pilot was 8 weeks only.",
        "Fran Finance",
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "item_review")).one()
    assert (event.field, event.old, event.new) == ("churn_reduction", "unreviewed", "challenged")


def test_the_author_answers_and_the_thread_is_resolved(in_review, users):
    review.review_assumption(in_review, "arpu", "challenged", users["finance"], "Source?")
    (thread,) = review.threads(in_review)["arpu"]
    answer = review.reply(in_review, thread.id, users["cx"], "Billing export, Feb 2027.")
    assert answer.thread_id == thread.id
    with pytest.raises(PermissionDenied, match="thread's author, the case owner or finance"):
        review.resolve(in_review, thread.id, users["cx2"])
    review.resolve(in_review, thread.id, users["finance"])
    (thread,) = review.threads(in_review)["arpu"]
    assert thread.is_resolved and thread.resolved_by_name == "Fran Finance"
    assert [r.body for r in thread.replies] == ["Billing export, Feb 2027."]
    # A new reply reopens it.
    review.reply(in_review, thread.id, users["finance"], "One more thing.")
    assert not review.threads(in_review)["arpu"][0].is_resolved


def test_case_threads_and_bad_input(in_review, users):
    review.start_thread(in_review, users["cx"], "Ready when you are.")
    assert [t.body for t in review.threads(in_review)[None]] == ["Ready when you are."]
    with pytest.raises(InputError, match="Enter a comment"):
        review.start_thread(in_review, users["cx"], "   ")
    with pytest.raises(NotFound, match='no assumption "nope"'):
        review.start_thread(in_review, users["cx"], "Hi", "nope")
    with pytest.raises(PermissionDenied):
        review.start_thread(in_review, users["admin"], "Hello")
    with pytest.raises(NotFound):
        review.reply(in_review, 999, users["cx"], "Hi")


def test_a_verdict_lapses_when_the_assumption_changes(in_review, users):
    review.review_assumption(in_review, "arpu", "accepted", users["finance"])
    arpu = in_review.assumption_by_key("arpu").id
    assert review.review_statuses(in_review)[arpu].status == "accepted"
    was = in_review.assumption_by_key("arpu").source
    rewrite_document(in_review, assumption=("arpu", {"source": "A different source"}))
    status = review.review_statuses(in_review)[arpu]
    assert (status.status, status.stale) == ("unreviewed", True)
    assert [(c.field, c.old, c.new) for c in status.changes] == [
        ("source", was, "A different source")
    ]


def test_a_renamed_assumption_keeps_its_review_and_its_threads(in_review, users, app):
    from cxroi.cases import parts
    from tests.app.approvals.web import sign_in

    case = in_review
    churn = case.assumption_by_key("churn_reduction")
    review.review_assumption(case, "churn_reduction", "accepted", users["finance"])
    thread = review.start_thread(case, users["finance"], "Source is one pilot.", "churn_reduction")
    take_case_step(case, "withdraw", users["cx"])
    values = {
        name: getattr(churn, name)
        for name in ("label", "value", "unit", "low", "high", "source", "owner", "notes")
    }
    parts.save_assumption(
        users["cx"], case.id, case.lock_version, churn.id, {**values, "key": "churn_cut"}
    )
    assert review.review_statuses(case)[churn.id].status == "accepted"
    assert [t.id for t in review.threads(case)["churn_cut"]] == [thread.id]
    page = sign_in(app, users["finance"]).get(f"/cases/{case.id}/review").text
    assert "Source is one pilot." in page and 'data-review="churn_cut">accepted' in page
