"""The signed-in pages: review, steps, comments, links, versions, history, what awaits me."""

from __future__ import annotations

import re

from sqlalchemy import select

from cxroi.approvals import links, review, versions
from cxroi.approvals.steps import take_case_step
from cxroi.extensions import db
from models.approval import SharedLink
from tests.app.approvals.conftest import accept_all
from tests.app.approvals.web import post_form, sign_in
from tests.approving import approve_case
from tests.appsupport import rewrite_document


def _review_url(case):
    return f"/cases/{case.id}/review"


def test_the_journey_through_the_pages(app, case, users):
    cx, fin = sign_in(app, users["cx"]), sign_in(app, users["finance"])
    url = _review_url(case)
    page = cx.get(url)
    assert page.status_code == 200
    assert "Submit for finance review" in page.text
    assert post_form(cx, url, f"/cases/{case.id}/steps/submit", {}).status_code == 302
    told = cx.get(url).text
    assert f"Submitted for finance review: “{case.title}” is now in finance review." in told
    assert "{case}" not in told
    assert "In finance review" in fin.get(url).text
    # Finance challenges one assumption, without a comment first: refused, named.
    response = post_form(
        fin, url, f"/cases/{case.id}/assumptions/churn_reduction/review", {"verdict": "challenged"}
    )
    assert response.status_code == 302
    assert "Say what you challenge and why." in fin.get(url).text
    post_form(
        fin,
        url,
        f"/cases/{case.id}/assumptions/churn_reduction/review",
        {"verdict": "challenged", "comment": "Pilot too short."},
    )
    page = cx.get(url).text
    assert "Pilot too short." in page and 'data-review="churn_reduction">challenged' in page
    # The inbox names the assumption by its label, not its key.
    awaiting = cx.get("/awaiting").text
    assert "answer Fran Finance&#39;s challenge on Relative churn reduction" in awaiting
    thread_id = re.search(r'id="thread-(\d+)"', page).group(1)
    post_form(
        cx, url, f"/cases/{case.id}/comments/{thread_id}/reply", {"body": "Pilot ran 12 weeks."}
    )
    assert "Pilot ran 12 weeks." in fin.get(url).text
    assert "read the answer to your challenge" in fin.get("/awaiting").text
    # Finance accepts every item (assumptions, lines, settings) and signs off on the page.
    for item in review.items_of(case):
        post_form(fin, url, f"/cases/{case.id}/items/{item.id}/review", {"verdict": "accepted"})
    assert "every item accepted: sign off" in fin.get("/awaiting").text
    assert post_form(fin, url, f"/cases/{case.id}/steps/sign_off", {}).status_code == 302
    page = fin.get(url).text
    version = versions.current_version(case)
    assert version.case_hash in page and "Ready for approval" in page


def test_a_forbidden_step_is_a_403_page(app, case, users):
    fin = sign_in(app, users["finance"])
    response = post_form(fin, _review_url(case), f"/cases/{case.id}/steps/submit", {})
    assert response.status_code == 403
    assert "A finance user cannot submit a draft for finance review." in response.text
    assert post_form(fin, _review_url(case), f"/cases/{case.id}/steps/nope", {}).status_code == 404


def test_creating_a_view_link_shows_the_token_once_and_stores_its_hash(app, ready_case, users):
    cx = sign_in(app, users["cx"])
    url = f"/cases/{ready_case.id}/links"
    response = post_form(
        cx,
        url,
        url,
        {
            "recipient_name": "Dana Reyes",
            "recipient_email": "dana@example.com",
            "scope": "view",
            "expires_in_days": "30",
        },
    )
    assert response.status_code == 200
    link_url = re.search(
        r'id="new-link-url"[^>]*value="([^"]+)"|value="([^"]+)" id="new-link-url"', response.text
    )
    shown = next(g for g in link_url.groups() if g)
    token = shown.rsplit("/", 1)[1]
    row = db.session.scalars(select(SharedLink)).one()
    assert links.tokens.hash_token(token) == row.token_hash
    assert token not in cx.get(url).text  # never shown again
    assert app.test_client().get(f"/s/{token}").status_code == 200


def test_bad_link_input_is_named_beside_its_field(app, ready_case, users):
    cx = sign_in(app, users["cx"])
    url = f"/cases/{ready_case.id}/links"
    response = post_form(
        cx,
        url,
        url,
        {
            "recipient_name": "",
            "recipient_email": "dana",
            "scope": "approve",
            "expires_in_days": "120",
        },
    )
    assert response.status_code == 400
    for message in (
        "Enter the recipient&#39;s name.",
        "Enter an email address like name@example.com.",
        "Enter a number of days from 1 to 90.",
    ):
        assert message in response.text
    assert db.session.scalars(select(SharedLink)).all() == []


def test_revoking_a_link_from_the_page(app, ready_case, users):
    new = links.create_link(
        ready_case, users["cx"], recipient_name="D", recipient_email="d@example.com", scope="view"
    )
    fin = sign_in(app, users["finance"])
    url = f"/cases/{ready_case.id}/links"
    assert post_form(fin, url, f"{url}/{new.link.id}/revoke", {}).status_code == 302
    assert "revoked" in fin.get(url).text
    assert app.test_client().get(f"/s/{new.token}").status_code == 410


def test_versions_list_and_diff_show_what_changed_and_superseded_approvals(app, ready_case, users):
    case = ready_case
    v1 = versions.current_version(case)
    approve_case(case, users["cx"], name="Dana")
    take_case_step(case, "reopen", users["cx"])
    rewrite_document(case, assumption=("arpu", {"value": 31}))
    take_case_step(case, "submit", users["cx"])
    accept_all(case, users["finance"])
    take_case_step(case, "sign_off", users["finance"])
    cx = sign_in(app, users["cx"])
    page = cx.get(f"/cases/{case.id}/versions").text
    assert "Approved by Dana (superseded)" in page
    diff = cx.get(f"/cases/{case.id}/versions?old=1&new=2")
    assert diff.status_code == 200
    # By the assumption's label and in its unit (GBP/month), not by its key.
    assert (
        "<strong>Monthly revenue per subscriber</strong> changed: "
        "Value £29 per month → £31 per month" in diff.text
    )
    assert cx.get(f"/cases/{case.id}/versions?old=1&new=7").status_code == 400
    assert cx.get(f"/cases/{case.id}/versions?old=x&new=2").status_code == 400
    review = cx.get(_review_url(case)).text
    assert f"Approved by Dana on {v1.decisions[0].at:%d %b %Y}: version 1" in review
    assert "<strong>superseded</strong>" in review
    raw = cx.get(f"/cases/{case.id}/versions/1.json")
    assert raw.headers["X-Case-SHA256"] == v1.case_hash and raw.text == v1.case_json


def test_history_shows_the_chain_and_the_trail(app, ready_case, users):
    cx = sign_in(app, users["cx"])
    page = cx.get(f"/cases/{ready_case.id}/history")
    assert page.status_code == 200
    # Steps, states, people and items by their words, not their keys or emails.
    assert (
        "signed off and frozen by Fran Finance: In finance review → Ready for approval" in page.text
    )
    assert "Review accepted with a selection · Monthly revenue per subscriber" in page.text
    assert "fin@example.com" not in page.text.split('id="trail-h"')[0]


def test_pages_need_a_sign_in_and_an_existing_case(app, case, users):
    anon = app.test_client()
    assert anon.get(_review_url(case)).status_code == 302
    cx = sign_in(app, users["cx"])
    assert cx.get("/cases/999/review").status_code == 404
    admin = sign_in(app, users["admin"])
    assert "Nothing awaits an administrator" in admin.get("/awaiting").text


def test_the_inputs_page_offers_the_step_that_makes_a_case_editable(app, ready_case, users):
    cx = sign_in(app, users["cx"])
    inputs = f"/cases/{ready_case.id}/inputs"
    page = cx.get(inputs).text
    assert "Editing starts a new draft" in page
    response = post_form(cx, inputs, f"/cases/{ready_case.id}/steps/reopen", {})
    assert response.status_code == 302
    assert "Edit: start a new draft" not in cx.get(inputs).text
    post_form(cx, inputs, f"/cases/{ready_case.id}/steps/submit", {})
    assert "Withdraw to revise" in cx.get(inputs).text
    other = sign_in(app, users["cx2"])
    assert "Withdraw to revise" not in other.get(inputs).text
