"""Creating a link tells the truth and is idempotent on retry (issue 10, item 5).

The token is shown only after the commit. When the page fails after the commit, the
error says the link was saved, and sending the same form again (the browser's retry)
shows that link and its token instead of making a second one.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from cxroi.approvals import links
from cxroi.approvals import tokens as link_tokens
from cxroi.approvals.errors import Conflict
from cxroi.extensions import db
from models.approval import SharedLink
from tests.app.approvals.conftest import load_example_case
from tests.app.approvals.web import csrf_from, sign_in

FORM = {
    "recipient_name": "Dana Reyes",
    "recipient_email": "dana@example.com",
    "scope": "view",
    "expires_in_days": "30",
}


def _form_of(page: str) -> dict[str, str]:
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page)
    assert key, "the link form carries no idempotency key"
    return {**FORM, "csrf_token": csrf_from(page), "idempotency_key": key.group(1)}


def _shown_token(page: str) -> str:
    match = re.search(r'value="([^"]+)" id="new-link-url"', page)
    assert match, "no new link on the page"
    return unescape(match.group(1)).rsplit("/", 1)[1]


def _links() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SharedLink)) or 0


def test_sending_the_same_form_twice_makes_one_link_and_shows_the_same_token(
    app, ready_case, users
):
    cx = sign_in(app, users["cx"])
    url = f"/cases/{ready_case.id}/links"
    data = _form_of(cx.get(url).text)
    first = cx.post(url, data=data)
    again = cx.post(url, data=data)
    assert first.status_code == again.status_code == 200
    token = _shown_token(first.text)
    assert _shown_token(again.text) == token
    assert _links() == 1
    row = db.session.scalars(select(SharedLink)).one()
    assert row.token_hash == link_tokens.hash_token(token)
    assert data["idempotency_key"] not in (row.idempotency_hash or "")  # only its hash
    assert app.test_client().get(f"/s/{token}").status_code == 200
    # the page after a success carries a new key: the next link is a new one
    third = cx.post(url, data=_form_of(first.text))
    assert _shown_token(third.text) != token
    assert _links() == 2


def test_a_page_that_fails_after_the_commit_says_the_link_was_saved_and_a_retry_shows_it(
    app, ready_case, users, monkeypatch
):
    cx = sign_in(app, users["cx"])
    url = f"/cases/{ready_case.id}/links"
    data = _form_of(cx.get(url).text)
    real_page = links.links_of

    def broken(case_id: int):  # the result page breaks after the link was committed
        raise RuntimeError("the page broke")

    made = links.create_link

    def create_then_break(*args, **kwargs):
        new = made(*args, **kwargs)
        monkeypatch.setattr(links, "links_of", broken)
        return new

    monkeypatch.setattr(links, "create_link", create_then_break)
    response = cx.post(url, data=data)
    assert response.status_code == 500
    text = unescape(response.text)
    assert "after your change was saved" in text
    assert "nothing was saved" not in text
    assert _links() == 1
    monkeypatch.setattr(links, "links_of", real_page)
    monkeypatch.setattr(links, "create_link", made)
    retry = cx.post(url, data=data)
    assert retry.status_code == 200
    token = _shown_token(retry.text)
    assert _links() == 1
    assert db.session.scalars(select(SharedLink)).one().token_hash == link_tokens.hash_token(token)


def test_a_failure_before_the_commit_still_says_nothing_was_saved(
    app, ready_case, users, monkeypatch
):
    cx = sign_in(app, users["cx"])
    url = f"/cases/{ready_case.id}/links"
    data = _form_of(cx.get(url).text)

    def broken_ledger(*args, **kwargs):
        raise RuntimeError("the chain broke")

    monkeypatch.setattr(links, "append_entry", broken_ledger)
    response = cx.post(url, data=data)
    assert response.status_code == 500
    assert "nothing was saved" in unescape(response.text)
    assert _links() == 0


def test_a_key_used_for_another_case_is_refused(app, ready_case, users):
    other = load_example_case(users["cx"])
    key = link_tokens.new_idempotency_key()
    secret = app.config["SECRET_KEY"]
    links.create_link(
        ready_case, users["cx"], recipient_name="D", recipient_email="d@example.com",
        scope="view", idempotency_key=key, secret=secret,
    )  # fmt: skip
    with pytest.raises(Conflict, match="already used to share something else"):
        links.create_link(
            other, users["cx"], recipient_name="D", recipient_email="d@example.com",
            scope="view", idempotency_key=key, secret=secret,
        )  # fmt: skip
