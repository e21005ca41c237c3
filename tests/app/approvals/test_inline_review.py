"""The review page's inline forms (static/js/review.js): the same routes, asked for a
fragment with ``X-Cxroi-Fragment: 1``, answer with the changed part of the page, rendered
by the page's own partials, or with a 4xx naming the field; nothing else differs."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cxroi.approvals import review
from cxroi.approvals.steps import take_case_step
from cxroi.extensions import db
from models import AuditEvent
from models.review import Comment, ItemReview
from tests.app.approvals.web import csrf_from, sign_in
from tests.appsupport import rewrite_document

FRAGMENT = {"X-Cxroi-Fragment": "1"}
_CARD = r'<li class="review-card" id="item-{}">.*?\n</li>'


@pytest.fixture
def in_review(case, users):
    take_case_step(case, "submit", users["cx"])
    return case


def _churn(case):
    return next(i for i in review.items_of(case) if i.key == "churn_reduction")


def _card(html: str, item_id: str) -> str:
    match = re.search(_CARD.format(re.escape(item_id)), html, re.S)
    assert match, f"no card for {item_id}"
    # Tokens are signed afresh on every render; everything else must be the same.
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "csrf", match.group(0))


def _send(client, case, item_id, headers=FRAGMENT, **data):
    page = client.get(f"/cases/{case.id}/review").text
    form = {"csrf_token": csrf_from(page), **data}
    return client.post(f"/cases/{case.id}/items/{item_id}/review", data=form, headers=headers)


def _counts(case) -> tuple[int, int, int]:
    """Verdicts, comments and review audit rows stored for the case."""
    return (
        db.session.scalar(select(func.count()).where(ItemReview.case_id == case.id)),
        db.session.scalar(select(func.count()).where(Comment.case_id == case.id)),
        db.session.scalar(
            select(func.count()).where(
                AuditEvent.case_id == case.id,
                AuditEvent.entity.in_(("item_review", "comment")),
            )
        ),
    )


def test_a_challenge_answers_with_the_items_card_stored_and_audited(app, in_review, users):
    fin = sign_in(app, users["finance"])
    item = _churn(in_review)
    response = _send(
        fin,
        in_review,
        item.id,
        verdict="challenged",
        comment="An 8-week pilot is thin evidence.",
        fingerprint=item.fingerprint,
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Cxroi-Fragment"] == "1"
    html = response.text
    assert "<html" not in html and "site-header" not in html  # a part, not a page
    assert 'data-review="churn_reduction">challenged' in html
    assert "An 8-week pilot is thin evidence." in html and "· challenge" in html
    total = len(review.items_of(in_review))
    assert f'<span id="accepted-count">0 of {total} items accepted.</span>' in html
    assert (
        "<p hidden data-announce>“Relative churn reduction” is challenged: "
        "your challenge is in its thread.</p>"
    ) in html
    # Stored and audited as the plain form stores it.
    verdict = db.session.scalars(select(ItemReview).where(ItemReview.item_id == item.id)).one()
    assert (verdict.status, verdict.reviewer_id) == ("challenged", users["finance"].id)
    (thread,) = review.item_threads(in_review)[item.id]
    assert (thread.kind, thread.body, thread.author_name) == (
        "challenge",
        "An 8-week pilot is thin evidence.",
        "Fran Finance",
    )
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == in_review.id).order_by(AuditEvent.id)
    ).all()
    assert [(e.entity, e.action, e.field, e.old, e.new) for e in events[-2:]] == [
        ("item_review", "review", "churn_reduction", "unreviewed", "challenged"),
        ("comment", "create", "churn_reduction", None, "An 8-week pilot is thin evidence."),
    ]
    # One source: the card is the one the whole page now shows.
    page = fin.get(f"/cases/{in_review.id}/review").text
    assert _card(html, item.id) == _card(page, item.id)


def test_an_accept_answers_with_the_card_and_the_new_count(app, in_review, users):
    fin = sign_in(app, users["finance"])
    item = _churn(in_review)
    response = _send(fin, in_review, item.id, verdict="accepted", fingerprint=item.fingerprint)
    assert response.status_code == 200
    total = len(review.items_of(in_review))
    assert f'<span id="accepted-count">1 of {total} items accepted.</span>' in response.text
    assert 'data-review="churn_reduction">accepted' in response.text
    assert review.review_statuses(in_review)[item.id].status == "accepted"


def test_an_empty_challenge_is_a_400_naming_the_comment_and_nothing_is_saved(app, in_review, users):
    fin = sign_in(app, users["finance"])
    item = _churn(in_review)
    before = _counts(in_review)
    response = _send(fin, in_review, item.id, verdict="challenged", comment="   ")
    assert response.status_code == 400
    assert response.headers["X-Cxroi-Fragment"] == "1"
    assert response.text == (
        '<p class="error-message" data-error-message data-field="comment">'
        '<span class="visually-hidden">Error:</span> Say what you challenge and why.</p>'
    )
    assert _counts(in_review) == before
    # The plain form is redirected with the message, as before.
    plain = _send(fin, in_review, item.id, headers={}, verdict="challenged", comment="")
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"#item-{item.id}")
    assert "Say what you challenge and why." in fin.get(f"/cases/{in_review.id}/review").text
    assert _counts(in_review) == before


@pytest.mark.parametrize(
    ("who", "verdict", "status", "field", "message"),
    [
        ("cx", "accepted", 403, None, "Only finance reviews a case&#39;s items."),
        ("finance", "maybe", 400, "verdict", "Not a valid choice."),
    ],
)
def test_the_service_refuses_a_fetch_as_it_refuses_the_form(
    app, in_review, users, who, verdict, status, field, message
):
    client = sign_in(app, users[who])
    before = _counts(in_review)
    response = _send(client, in_review, _churn(in_review).id, verdict=verdict)
    assert response.status_code == status
    assert (f'data-field="{field}"' in response.text) is (field is not None)
    assert message in response.text
    assert _counts(in_review) == before


def test_an_item_changed_since_the_page_was_loaded_is_a_409(app, in_review, users):
    fin = sign_in(app, users["finance"])
    item = _churn(in_review)
    shown = item.fingerprint
    take_case_step(in_review, "withdraw", users["cx"])
    rewrite_document(in_review, assumption=("churn_reduction", {"source": "A longer pilot"}))
    take_case_step(in_review, "submit", users["cx"])
    before = _counts(in_review)
    response = _send(fin, in_review, item.id, verdict="accepted", fingerprint=shown)
    assert response.status_code == 409
    assert "“Relative churn reduction” has changed since this page was loaded" in response.text
    assert 'data-field="' not in response.text
    assert _counts(in_review) == before
    # The plain form is refused the same way (an error page, as any 409).
    plain = _send(fin, in_review, item.id, headers={}, verdict="accepted", fingerprint=shown)
    assert plain.status_code == 409 and "<html" in plain.text
    # With the fingerprint it now has, it is accepted.
    now = _churn(in_review).fingerprint
    assert now != shown
    ok = _send(fin, in_review, item.id, verdict="accepted", fingerprint=now)
    assert ok.status_code == 200 and review.review_statuses(in_review)[item.id].status == "accepted"


def test_outside_finance_review_a_fetch_is_a_409(app, case, users):
    fin = sign_in(app, users["finance"])
    response = _send(fin, case, _churn(case).id, verdict="accepted")
    assert response.status_code == 409
    assert "Items are reviewed while a case is in finance review" in response.text


def test_no_csrf_token_and_no_such_item_are_4xx_fragments(app, in_review, users):
    fin = sign_in(app, users["finance"])
    url = f"/cases/{in_review.id}/items/{_churn(in_review).id}/review"
    response = fin.post(url, data={"verdict": "accepted"}, headers=FRAGMENT)
    assert response.status_code == 400
    assert response.headers["X-Cxroi-Fragment"] == "1"
    assert "The page had expired, so nothing was saved." in response.text
    missing = _send(fin, in_review, "zz", verdict="accepted")
    assert missing.status_code == 404
    assert "has no review item &#34;zz&#34;." in missing.text and "<html" not in missing.text


def test_a_reply_and_a_resolve_answer_with_the_thread(app, in_review, users):
    review.review_item(in_review, _churn(in_review).id, "challenged", users["finance"], "Why 6%?")
    (thread,) = review.item_threads(in_review)[_churn(in_review).id]
    cx = sign_in(app, users["cx"])
    url = f"/cases/{in_review.id}"
    token = csrf_from(cx.get(f"{url}/review").text)
    blank = cx.post(
        f"{url}/comments/{thread.id}/reply",
        data={"csrf_token": token, "body": "  "},
        headers=FRAGMENT,
    )
    assert blank.status_code == 400 and 'data-field="body"' in blank.text
    assert "Enter a comment." in blank.text
    answered = cx.post(
        f"{url}/comments/{thread.id}/reply",
        data={"csrf_token": token, "body": "The pilot ran 12 weeks."},
        headers=FRAGMENT,
    )
    assert answered.status_code == 200
    html = answered.text
    assert html.lstrip().startswith(f'<article class="thread challenge" id="thread-{thread.id}">')
    assert "Why 6%?" in html and "The pilot ran 12 weeks." in html
    assert "<p hidden data-announce>Your reply is in the thread.</p>" in html
    assert [r.body for r in review.get_thread(in_review, thread.id).replies] == [
        "The pilot ran 12 weeks."
    ]
    resolved = cx.post(
        f"{url}/comments/{thread.id}/resolve",
        data={"csrf_token": token, "resolved": "1"},
        headers=FRAGMENT,
    )
    assert resolved.status_code == 200
    assert "Resolved by Casey Author." in resolved.text and ">Reopen</button>" in resolved.text
    assert review.get_thread(in_review, thread.id).is_resolved
